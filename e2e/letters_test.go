package e2e

import (
	"encoding/base64"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/testenv"
)

// letterCode finds a printed code in a letter's text.
var letterCode = regexp.MustCompile(`[` + letter.CodeAlphabet + `]{4}-[` + letter.CodeAlphabet + `]{4}-[` + letter.CodeAlphabet + `]{2}`)

// printed is the console's answer to «Напечатать пачку», read in the page.
type printed struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Body   string `json:"body"` // base64
}

// printBatch submits the console's print form from the page with fetch,
// so that the PDF the browser would download is the test's to read (the
// same request, the same cookie and the same fields as the button's).
const printBatch = `(async () => {
  const f = document.getElementById('letters-print-form');
  const r = await fetch(f.action, {method: 'POST', body: new URLSearchParams(new FormData(f)), credentials: 'same-origin'});
  const bytes = new Uint8Array(await r.arrayBuffer());
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) { s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192)); }
  return {status: r.status, type: r.headers.get('Content-Type'), body: btoa(s)};
})()`

// TestConfirmByLetter (issue 13 §1, §3): the standard demo citizen orders
// a registered letter — first without a postcode, told so next to the
// field with the rest kept — the post operator prints the batch, whose
// PDF is rendered to PNG and read back as text (the addressee, the code),
// and hands it to the post; the citizen types a wrong code, then the
// code from the PDF, and is confirmed. Axe finds nothing at 1280 and
// 375 px on each page.
func TestConfirmByLetter(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("letter-citizen")
	e.signIn(b, "+7 900 000-00-02", demo.StandardPhone)
	b.expect("URL after signing in", b.url(), "/account")
	b.follow("#confirm-ways")
	b.expect("heading", b.heading(), "Подтверждение личности")
	b.scan("identity confirmation: the ways")

	b.do("choose the Kaluga region", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById('f-address-region');
		s.value = '40';
		s.dispatchEvent(new Event('change'));
	})()`))
	b.fill("f-address-locality", "Калуга")
	b.fill("f-address-street", "ул. Кирова")
	b.fill("f-address-house", "1")
	b.fill("f-address-flat", "5")
	if st := b.submit("#letter-order-submit"); st != 422 {
		t.Errorf("an order without a postcode: %d, want 422", st)
	}
	b.expectContains("postcode message", b.text("#f-address-postcode-error"), "индекс")
	b.expect("street kept", b.value("f-address-street"), "ул. Кирова")
	b.scan("identity confirmation: the order refused")
	b.fill("f-address-postcode", "248000")
	b.submit("#letter-order-submit")
	b.expect("URL after ordering", b.url(), "/account/confirmation?ordered=1")
	b.waitFor("the letter ordered", `document.querySelector('[data-letter-status="ordered"]') !== null`)
	b.scan("identity confirmation: the letter ordered")
	b.shot("confirmation-letter-ordered")

	// The post operator prints the batch and hands it to the post.
	p := e.browser("letter-post")
	e.staffSignIn(p, "post")
	p.follow(`a[href="/staff/letters"]`)
	p.expect("heading", p.heading(), "Заказные письма с кодами")
	p.expect("pending", p.text("#letters-pending"), "Ждут печати: 1")
	p.scan("console: letters")
	out := get(p, "print the batch", chromedp.Evaluate[printed](printBatch, chromedp.EvalAwaitPromise))
	if out.Status != 200 || out.Type != "application/pdf" {
		t.Fatalf("print: %d %s", out.Status, out.Type)
	}
	pdf, err := base64.StdEncoding.DecodeString(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	code := readLetter(t, pdf)

	p.open("/staff/letters")
	p.follow(`a[href^="/staff/letters/batches/"]`)
	p.expectContains("the letter in the batch", p.text("tbody"), "Петрова Светлана Андреевна")
	p.scan("console: a batch of letters")
	p.shot("console-letter-batch")
	p.submit("#batch-mark-sent")
	p.expect("URL after sending", p.url(), "/staff/letters?sent=1")
	p.scan("console: letters, a batch sent")

	// The citizen types the code from the letter.
	b.open("/account/confirmation")
	b.waitFor("the letter sent", `document.querySelector('[data-letter-status="sent"]') !== null`)
	b.fill("f-code", "3333-3333-33")
	if st := b.submit("#letter-code-submit"); st != 422 {
		t.Errorf("a wrong code: %d, want 422", st)
	}
	b.expectContains("wrong code message", b.text("#f-code-error"), "Осталось попыток: 4")
	b.scan("identity confirmation: a wrong code")
	b.shot("confirmation-wrong-code")
	b.fill("f-code", strings.ToLower(code))
	b.submit("#letter-code-submit")
	b.expect("URL after the code", b.url(), "/account?confirmed=letter")
	b.expectContains("level", b.text(".badge"), "Подтверждённая")
	b.expectContains("how", b.text("#account-confirmation"), "кодом из заказного письма")
	b.scan("account page, confirmed by letter")
}

// readLetter renders the batch's first page to PNG with pdftoppm (it must
// be a real page, not a blank) and reads its text with pdftotext: the
// addressee and the address are there, and the code, which it returns.
func readLetter(t *testing.T, pdf []byte) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "batch.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(testenv.PDFToPPM(t), "-png", "-r", "50", "-f", "1", "-l", "1", path, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pngs) != 1 {
		t.Fatalf("pdftoppm made %v", pngs)
	}
	f, err := os.Open(pngs[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the page's PNG: %v", err)
	}
	// A4 at 50 dpi is 413 × 585; count the dark pixels of the text.
	bounds, dark := img.Bounds(), 0
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r+g+b < 3*0x8000 {
				dark++
			}
		}
	}
	if bounds.Dx() < 400 || bounds.Dy() < 570 || dark < 2000 {
		t.Fatalf("the page rendered %dx%d with %d dark pixels: not a printed letter", bounds.Dx(), bounds.Dy(), dark)
	}
	text, err := exec.Command(testenv.PDFToText(t), "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	s := string(text)
	for _, want := range []string{"Петрова Светлана Андреевна", "ул. Кирова, д. 1, кв. 5", "248000", "Код подтверждения личности"} {
		if !strings.Contains(s, want) {
			t.Errorf("the letter does not say %q:\n%s", want, s)
		}
	}
	code := letterCode.FindString(s)
	if code == "" {
		t.Fatalf("no code in the letter:\n%s", s)
	}
	return code
}
