package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/testenv"
)

// gostSign makes a detached CMS signature of content with the standard
// demo citizen's GOST certificate, as her own software would (OpenSSL
// with Debian's GOST engine), and returns the file's path.
func gostSign(t *testing.T, content []byte, name string) string {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "statement.txt"), filepath.Join(dir, name)
	if err := os.WriteFile(in, content, 0o600); err != nil {
		t.Fatal(err)
	}
	qes := filepath.Join("..", "internal", "demo", "qes")
	cmd := exec.Command(testenv.OpenSSLGost(t), "cms", "-engine", "gost", "-sign", "-binary", "-md", "md_gost12_256", "-in", in,
		"-signer", filepath.Join(qes, "petrova-gost.pem"), "-inkey", filepath.Join(qes, "petrova-gost.key"), "-outform", "PEM", "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -sign: %v %s", err, msg)
	}
	return out
}

// TestConfirmBySignature (issue 13 §2, §3): the standard demo citizen
// downloads the confirmation statement, uploads a GOST signature of
// another text — refused, with what to do next to the file field — then
// the signature of the statement itself, and is confirmed. Axe finds
// nothing at 1280 and 375 px.
func TestConfirmBySignature(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("signature-citizen")
	e.signIn(b, "+7 900 000-00-02", demo.StandardPhone)
	b.open("/account/confirmation#signature")
	b.expectContains("the demo's hint", b.text("#signature-demo"), "petrova-ecdsa.key")

	// The statement, as the download link gives it.
	statement := get(b, "download the statement", chromedp.Evaluate[string](
		`fetch(document.getElementById('statement-download').href, {credentials: 'same-origin'}).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if len(statement) < 100 || statement[:len("ЗАЯВЛЕНИЕ")] != "ЗАЯВЛЕНИЕ" {
		t.Fatalf("the statement: %.80q", statement)
	}

	b.do("choose a signature of another text", chromedp.SetUploadFiles(chromedp.ID("f-signature"), []string{gostSign(t, []byte(statement+"И ещё кое-что.\n"), "other.p7s")}))
	if st := b.submit("#signature-submit"); st != 422 {
		t.Errorf("another text signed: %d, want 422", st)
	}
	b.expectContains("the reason", b.text("#f-signature-error"), "Подпись сделана не над этим заявлением")
	b.scan("identity confirmation: a signature refused")
	b.shot("confirmation-signature-refused")

	b.do("choose the statement's signature", chromedp.SetUploadFiles(chromedp.ID("f-signature"), []string{gostSign(t, []byte(statement), "statement.p7s")}))
	b.submit("#signature-submit")
	b.expect("URL after the signature", b.url(), "/account?confirmed=signature")
	b.expectContains("level", b.text(".badge"), "Подтверждённая")
	b.expectContains("how", b.text("#account-confirmation"), "электронной подписью")
	b.scan("account page, confirmed by signature")

	// The administrator's trust list: the demo CA trusted at start, a
	// citizen's certificate refused as a CA on its field.
	a := e.browser("signature-admin")
	e.staffSignIn(a, "admin")
	a.follow(`a[href="/staff/trust"]`)
	a.expectContains("the demo CA", a.text("tbody"), "Демонстрационный УЦ kabinet")
	a.scan("console: trusted certification authorities")
	a.shot("console-trust")
	leaf, err := filepath.Abs(filepath.Join("..", "internal", "demo", "qes", "petrova-ecdsa.pem")) // the browser wants an absolute path
	if err != nil {
		t.Fatal(err)
	}
	a.do("choose a citizen's certificate", chromedp.SetUploadFiles(chromedp.ID("f-certificate"), []string{leaf}))
	if st := a.submit("#trust-ca-submit"); st != 422 {
		t.Errorf("a citizen's certificate as a CA: %d, want 422", st)
	}
	a.expectContains("the reason", a.text("#f-certificate-error"), "не удостоверяющего центра")
	a.scan("console: a certificate refused as a CA")
}
