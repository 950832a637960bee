package letterpdf_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/boombuler/barcode/qr"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/kabinet/kabinet/internal/letterpdf"
	"github.com/kabinet/kabinet/internal/testenv"
)

// render writes the batch's PDF to a temporary file and returns its path.
func render(t *testing.T, s letterpdf.Sender, letters []letterpdf.Letter) string {
	t.Helper()
	pdf, err := letterpdf.Render(s, letters)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", pdf)
	}
	path := filepath.Join(t.TempDir(), "letters.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// pages returns the text of each page, as pdftotext -layout lays it out.
func pages(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command(testenv.PDFToText(t), "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	// Every page ends with a form feed.
	ps := strings.Split(string(out), "\f")
	if ps[len(ps)-1] != "" {
		t.Fatalf("pdftotext output does not end with a page: %q", ps[len(ps)-1])
	}
	return ps[:len(ps)-1]
}

// words joins text's words with single spaces, so that a wrapped line reads
// as one.
func words(text string) string { return strings.Join(strings.Fields(text), " ") }

func TestRenderText(t *testing.T) {
	letters := batch3()
	ps := pages(t, render(t, sender(), letters))
	if len(ps) != len(letters) {
		t.Fatalf("%d pages for %d letters", len(ps), len(letters))
	}
	for i, l := range letters {
		page, flat := ps[i], words(ps[i])
		for _, want := range []string{
			l.Recipient,
			l.Code,
			"Код подтверждения личности",
			"Код действителен до 31 января 2027 г.",
			"на сайте " + l.SiteURL + ",",
			"«Подтверждение личности»",
			"12 марта 2026 г. вы заказали это письмо",
			"Письмо № " + l.ID + " · заказано 12.03.2026",
			"Оператор ЕСИА «Кабинет»",
			"позвоните в службу поддержки: 8 800 100-70-10.",
		} {
			if !strings.Contains(flat, want) {
				t.Errorf("page %d lacks %q:\n%s", i+1, want, page)
			}
		}
		for _, line := range l.Address.Lines() {
			if !strings.Contains(flat, words(line)) {
				t.Errorf("page %d lacks the address line %q:\n%s", i+1, line, page)
			}
		}
		for j, other := range letters {
			if j != i && (strings.Contains(page, other.Code) || strings.Contains(page, other.ID)) {
				t.Errorf("page %d holds letter %d's code or ID", i+1, j+1)
			}
		}
	}
	// The long street does not fit the window on one line: it is wrapped,
	// not cut and not run past the page's edge.
	var streetLine string
	for _, line := range strings.Split(ps[2], "\n") {
		if strings.Contains(line, "ул. Героев") {
			streetLine = strings.TrimSpace(line)
		}
	}
	if streetLine == "" || strings.Contains(streetLine, "кв. 305") {
		t.Errorf("the long street line is not wrapped: %q", streetLine)
	}
	// Москва is not written twice.
	if n := strings.Count(ps[0], "г. Москва"); n != 2 { // the sender's and the addressee's
		t.Errorf("page 1 has «г. Москва» %d times, want 2:\n%s", n, ps[0])
	}
}

// TestRenderNoSupport: without a support line the letter sends the
// citizen to the site.
func TestRenderNoSupport(t *testing.T) {
	s := sender()
	s.Support = ""
	ps := pages(t, render(t, s, batch3()[:1]))
	if want := "обратитесь в службу поддержки на сайте https://kabinet.example."; !strings.Contains(words(ps[0]), want) {
		t.Errorf("page lacks %q:\n%s", want, ps[0])
	}
}

// TestRenderLongest: the longest inputs the limits let through still make
// one page per letter.
func TestRenderLongest(t *testing.T) {
	s := sender()
	s.Support = strings.Repeat("Ш", letterpdf.MaxSupportLen)
	s.Name = strings.Repeat("Ш", 40)
	s.Address = []string{strings.Repeat("Ш", 25), strings.Repeat("Ш", 25), strings.Repeat("Ш", 25)} // six lines with the name
	l := batch3()[0]
	l.Recipient = strings.Repeat("Щ", 50) // two lines
	l.SiteURL = "https://" + strings.Repeat("W", letterpdf.MaxSiteURLLen-8)
	l.ConfirmURL = "https://" + strings.Repeat("W", letterpdf.MaxConfirmURLLen-8)
	l.Code = strings.Repeat("W", letterpdf.MaxCodeLen)
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	if ps := pages(t, render(t, s, []letterpdf.Letter{l, l2(l)})); len(ps) != 2 {
		t.Fatalf("%d pages for 2 letters", len(ps))
	}
}

func l2(l letterpdf.Letter) letterpdf.Letter { l.ID += "-2"; return l }

// TestRenderFonts: every font is embedded; nothing comes from the system.
func TestRenderFonts(t *testing.T) {
	out, err := exec.Command(testenv.PDFFonts(t), render(t, sender(), batch3())).Output()
	if err != nil {
		t.Fatalf("pdffonts: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2+3 { // header, rule, regular, bold, mono bold
		t.Fatalf("pdffonts lists too few fonts:\n%s", out)
	}
	for _, line := range lines[2:] {
		f := strings.Fields(line)
		// name type... encoding emb sub uni object ID
		if len(f) < 7 || f[len(f)-5] != "yes" {
			t.Errorf("font not embedded: %s", line)
		}
	}
}

// png renders the PDF's pages at dpi and returns them.
func pngs(t *testing.T, path string, dpi int) []image.Image {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command(testenv.PDFToPPM(t), "-png", "-r", fmt.Sprint(dpi), path, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	files, err := filepath.Glob(filepath.Join(dir, "p-*.png"))
	if err != nil {
		t.Fatal(err)
	}
	var imgs []image.Image
	for _, f := range files { // p-1.png … p-9.png sort in page order for the few pages here
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		imgs = append(imgs, img)
	}
	return imgs
}

func TestRenderImages(t *testing.T) {
	letters := batch3()
	path := render(t, sender(), letters)
	imgs := pngs(t, path, 50)
	if len(imgs) != len(letters) {
		t.Fatalf("%d page images for %d letters", len(imgs), len(letters))
	}
	for i, img := range imgs {
		b := img.Bounds()
		// A4 at 50 dpi: 413 × 585 pixels, portrait.
		if w, h := b.Dx(), b.Dy(); w < 400 || w > 420 || h < 575 || h > 595 {
			t.Errorf("page %d is %d×%d pixels, want A4 at 50 dpi", i+1, w, h)
		}
		dark := 0
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); (r+g+bl)/3 < 0x8000 {
					dark++
				}
			}
		}
		// Text and a 38 mm QR code ink a few per cent of the page; a blank
		// page or one with only a line of text inks well under one.
		if share := float64(dark) / float64(b.Dx()*b.Dy()); share < 0.02 || share > 0.3 {
			t.Errorf("page %d: %.3f of the pixels are dark", i+1, share)
		}
	}

	// The QR code on each page opens that letter's confirmation page.
	for i, img := range pngs(t, path, 100) {
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
		if err != nil {
			t.Errorf("page %d: no QR code read: %v", i+1, err)
			continue
		}
		if got := res.GetText(); got != letters[i].ConfirmURL {
			t.Errorf("page %d: QR code = %q, want %q", i+1, got, letters[i].ConfirmURL)
		}
		// Its side, from the distance between the top finder patterns'
		// centres, N-7 modules apart in a code of N (as the engine makes it).
		code, err := qr.Encode(letters[i].ConfirmURL, qr.M, qr.Auto)
		if err != nil {
			t.Fatal(err)
		}
		n := float64(code.Bounds().Dx())
		pts := res.GetResultPoints() // bottom left, top left, top right
		d := math.Hypot(pts[2].GetX()-pts[1].GetX(), pts[2].GetY()-pts[1].GetY())
		mm := d * n / (n - 7) / 100 * 25.4
		if mm < 30 || mm > 45 {
			t.Errorf("page %d: the QR code is %.1f mm wide, want 30 to 45", i+1, mm)
		}
	}
}

// TestRenderConcurrent: batches rendered at once (two post operators) do
// not mix; under -race it also checks the engine shares no state.
func TestRenderConcurrent(t *testing.T) {
	letters := batch3()
	paths := make([]string, len(letters))
	errs := make([]error, len(letters))
	var wg sync.WaitGroup
	for i := range letters {
		wg.Go(func() {
			pdf, err := letterpdf.Render(sender(), letters[i:i+1])
			if err == nil {
				paths[i] = filepath.Join(t.TempDir(), fmt.Sprint(i)+".pdf")
				err = os.WriteFile(paths[i], pdf, 0o600)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, l := range letters {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		ps := pages(t, paths[i])
		if len(ps) != 1 || !strings.Contains(ps[0], l.Code) || !strings.Contains(ps[0], l.Recipient) {
			t.Errorf("batch %d: %d pages, want one with %s for %s:\n%s", i, len(ps), l.Code, l.Recipient, ps)
		}
	}
}
