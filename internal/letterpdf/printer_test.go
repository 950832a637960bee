package letterpdf_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/address"
	confirm "github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/letterpdf"
)

// TestPrinter: the letter service's sheets print with their codes, the
// region's name and Moscow dates; the register of the same letters, made
// without their codes, lists them for the Post.
func TestPrinter(t *testing.T) {
	ordered := time.Date(2026, 12, 1, 22, 30, 0, 0, time.UTC) // 2 December in Moscow
	l := &confirm.Letter{ID: "L-001", Recipient: "Иванов Иван Иванович", Status: confirm.Printed,
		Address:   address.Address{Region: "40", Locality: "Калуга", Street: "ул. Кирова", House: "1", Flat: "5", Postcode: "248000"},
		OrderedAt: ordered, PrintedAt: ordered, ExpiresAt: ordered.Add(confirm.DefaultValidity)}
	p := letterpdf.Printer{Sender: sender(), SiteURL: "https://kabinet.example", Location: msk,
		RegionName: func(code string) string { return map[string]string{"40": "Калужская обл."}[code] }}

	pdf, err := p.Batch([]confirm.Sheet{{Letter: l, Code: "7KC4-M9TX-3P", Link: "https://kabinet.example/account/confirmation/code?code=7KC4-M9TX-3P"}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "batch.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(pages(t, path), "")
	for _, want := range []string{"7KC4-M9TX-3P", "Иванов Иван Иванович", "Калужская обл.", "248000", "2 декабря 2026", "31 января 2027"} {
		if !strings.Contains(text, want) {
			t.Errorf("the letter does not say %q:\n%s", want, text)
		}
	}

	b := &confirm.Batch{ID: "B-7", PrintedAt: ordered}
	reg, err := p.Register(b, []*confirm.Letter{l}, false)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(reg)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("register %q: %v", reg, err)
	}
	if got := rows[1]; got[1] != "B-7" || got[2] != "02.12.2026" || got[3] != "L-001" || got[5] != "248000" || !strings.Contains(got[6], "Калужская обл.") {
		t.Errorf("register row %q", got)
	}
	if bytes.Contains(reg, []byte("7KC4")) {
		t.Error("the register holds the code")
	}
	js, err := p.Register(b, []*confirm.Letter{l}, true)
	if err != nil || !bytes.Contains(js, []byte(`"letter_id":"L-001"`)) {
		t.Errorf("register as JSON %s: %v", js, err)
	}
}
