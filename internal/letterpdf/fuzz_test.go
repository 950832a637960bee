package letterpdf_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/letterpdf"
)

// FuzzLetter: any text in any field gives a PDF and a register, or an
// *Error; never a panic. A letter that Validate accepts renders.
func FuzzLetter(f *testing.F) {
	for _, l := range batch3() {
		a := l.Address
		f.Add(l.ID, l.Recipient, a.Postcode, a.Region, a.Locality, a.Street, a.House, a.Flat, l.Code, l.SiteURL, l.ConfirmURL, "8 800 100-70-10")
	}
	f.Add("x", "Е\u0308лкину", "000000", "", "с. Ё", "", "вл. 5", "", "2222", "http://a", "http://a/?c=2222", "")
	f.Add("-1", "=cmd", "1 2 3 4 5 6", "\u202e", "\x00", "\xff", "1", "кв", "AB-CD", "https://a b", "ftp://x", "\t")
	f.Add("A", strings.Repeat("Щ ", 60), "123456", strings.Repeat("ШШШ ", 25), "г", "", "1", "", "WWWWWWWWWWWWWWWW", "https://x", "https://x", strings.Repeat("Ш", 60))
	f.Fuzz(func(t *testing.T, id, recipient, postcode, region, locality, street, house, flat, code, site, confirm, support string) {
		l := letter(id, recipient, code, letterpdf.Address{Postcode: postcode, Region: region, Locality: locality, Street: street, House: house, Flat: flat})
		l.SiteURL, l.ConfirmURL = site, confirm
		for _, line := range l.Address.Lines() {
			if line == "" {
				t.Fatalf("Lines() has an empty line: %q", l.Address.Lines())
			}
		}
		s := sender()
		s.Support = support
		valid := l.Validate()
		pdf, err := letterpdf.Render(s, []letterpdf.Letter{l})
		var e *letterpdf.Error
		switch {
		case err != nil && !errors.As(err, &e):
			t.Fatalf("Render: %T %v, want an *Error", err, err)
		case err != nil && e.Reason == letterpdf.ReasonRender:
			t.Fatalf("Render: %v", err)
		case err == nil && !bytes.HasPrefix(pdf, []byte("%PDF-")):
			t.Fatalf("Render: not a PDF")
		case valid == nil && err != nil && s.Validate() == nil:
			t.Fatalf("Validate accepted the letter, Render refused it: %v", err)
		case valid != nil && err == nil:
			t.Fatalf("Validate refused the letter (%v), Render accepted it", valid)
		}
		out, err := letterpdf.Register(batchInfo, []letterpdf.Letter{l})
		// The register checks the envelope only (number, addressee,
		// address): it refuses no letter Validate accepts.
		if err != nil && valid == nil {
			t.Fatalf("Register: %v; Validate accepted the letter", err)
		}
		if err != nil {
			return
		}
		records, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
		if err != nil || len(records) != 2 || len(records[1]) != len(letterpdf.RegisterHeader) {
			t.Fatalf("the register does not read back: %v %q", err, records)
		}
		if got := strings.TrimPrefix(records[1][3], "'"); got != strings.TrimSpace(id) {
			t.Fatalf("letter ID %q read back as %q", id, got)
		}
	})
}

func BenchmarkRender100(b *testing.B) {
	letters, s := batchN(100), sender()
	n := 0
	for b.Loop() {
		if _, err := letterpdf.Render(s, letters); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n*len(letters))/b.Elapsed().Seconds(), "pages/s")
}
