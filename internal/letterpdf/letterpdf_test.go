package letterpdf_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/letterpdf"
)

func TestAddressLines(t *testing.T) {
	tests := []struct {
		name string
		in   letterpdf.Address
		want []string
	}{
		{"town", letterpdf.Address{Postcode: "392000", Region: "Тамбовская обл.", Locality: "г. Тамбов", Street: "ул. Советская", House: "12/3", Building: "2", Flat: "45"},
			[]string{"ул. Советская, д. 12/3, корп. 2, кв. 45", "г. Тамбов", "Тамбовская обл.", "392000"}},
		{"Moscow: the region is not repeated", letterpdf.Address{Postcode: "125009", Region: "Москва", Locality: "москва", Street: "Тверская ул.", House: "7А"},
			[]string{"Тверская ул., д. 7А", "москва", "125009"}},
		{"a village without streets, the house as written", letterpdf.Address{Postcode: "393140", Region: "Тамбовская обл.", Locality: "с. Ивановка", House: "вл. 5"},
			[]string{"вл. 5", "с. Ивановка", "Тамбовская обл.", "393140"}},
		{"parts trimmed", letterpdf.Address{Postcode: " 392000 ", Locality: " г. Тамбов ", House: " 1 "},
			[]string{"д. 1", "г. Тамбов", "392000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Lines(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Lines() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := batch3()[2]
	tests := []struct {
		name   string
		change func(*letterpdf.Letter)
		field  string
		reason letterpdf.Reason
	}{
		{"valid", func(*letterpdf.Letter) {}, "", ""},
		{"Ё typed as Е and a combining diaeresis", func(l *letterpdf.Letter) { l.Recipient = "Е\u0308лкину Ивану" }, "", ""},
		{"a code with no hyphens", func(l *letterpdf.Letter) { l.Code = "7KC4M9TX3P" }, "", ""},
		{"no ID", func(l *letterpdf.Letter) { l.ID = " " }, "id", letterpdf.ReasonRequired},
		{"ID with a space", func(l *letterpdf.Letter) { l.ID = "A B" }, "id", letterpdf.ReasonID},
		{"no recipient", func(l *letterpdf.Letter) { l.Recipient = "\t" }, "recipient", letterpdf.ReasonRequired},
		{"recipient too long", func(l *letterpdf.Letter) { l.Recipient = strings.Repeat("Иван ", 30) }, "recipient", letterpdf.ReasonTooLong},
		{"recipient wraps to more than 3 lines", func(l *letterpdf.Letter) { l.Recipient = strings.Repeat("Ш", 110) }, "recipient", letterpdf.ReasonTooManyLines},
		{"a bell in the name", func(l *letterpdf.Letter) { l.Recipient = "Ивану\aИванову" }, "recipient", letterpdf.ReasonBadChar},
		{"a zero-width space", func(l *letterpdf.Letter) { l.Address.Street = "ул.\u200bЛенина" }, "address.street", letterpdf.ReasonBadChar},
		{"invalid UTF-8", func(l *letterpdf.Letter) { l.Address.Locality = "г. \xffТамбов" }, "address.locality", letterpdf.ReasonBadChar},
		{"a character the fonts lack", func(l *letterpdf.Letter) { l.Recipient = "Ивану 王" }, "recipient", letterpdf.ReasonNoGlyph},
		{"no locality", func(l *letterpdf.Letter) { l.Address.Locality = "" }, "address.locality", letterpdf.ReasonRequired},
		{"no house", func(l *letterpdf.Letter) { l.Address.House = "" }, "address.house", letterpdf.ReasonRequired},
		{"house too long", func(l *letterpdf.Letter) { l.Address.House = strings.Repeat("1", 21) }, "address.house", letterpdf.ReasonTooLong},
		{"no postcode", func(l *letterpdf.Letter) { l.Address.Postcode = "" }, "address.postcode", letterpdf.ReasonRequired},
		{"five-digit postcode", func(l *letterpdf.Letter) { l.Address.Postcode = "39200" }, "address.postcode", letterpdf.ReasonPostcode},
		{"address wraps to more lines than the window holds", func(l *letterpdf.Letter) { l.Address.Region = strings.Repeat("Щ", 60) }, "address", letterpdf.ReasonTooManyLines},
		{"no code", func(l *letterpdf.Letter) { l.Code = "" }, "code", letterpdf.ReasonRequired},
		{"a code with O", func(l *letterpdf.Letter) { l.Code = "7KC4-M9TO-3P" }, "code", letterpdf.ReasonCodeChar},
		{"a code in lower case", func(l *letterpdf.Letter) { l.Code = "7kc4-m9tx-3p" }, "code", letterpdf.ReasonCodeChar},
		{"a code with a double hyphen", func(l *letterpdf.Letter) { l.Code = "7KC4--M9TX" }, "code", letterpdf.ReasonCodeFormat},
		{"a code too short", func(l *letterpdf.Letter) { l.Code = "7K-C" }, "code", letterpdf.ReasonCodeFormat},
		{"a code too long", func(l *letterpdf.Letter) { l.Code = strings.Repeat("7", 17) }, "code", letterpdf.ReasonTooLong},
		{"no site URL", func(l *letterpdf.Letter) { l.SiteURL = "" }, "site_url", letterpdf.ReasonRequired},
		{"a site URL without a scheme", func(l *letterpdf.Letter) { l.SiteURL = "kabinet.example" }, "site_url", letterpdf.ReasonURL},
		{"a javascript: QR code", func(l *letterpdf.Letter) { l.ConfirmURL = "javascript:alert(1)" }, "confirm_url", letterpdf.ReasonURL},
		{"a QR URL too long", func(l *letterpdf.Letter) { l.ConfirmURL = "https://k.example/?c=" + strings.Repeat("A", 250) }, "confirm_url", letterpdf.ReasonTooLong},
		{"no order date", func(l *letterpdf.Letter) { l.OrderedAt = time.Time{} }, "ordered_at", letterpdf.ReasonRequired},
		{"valid before ordered", func(l *letterpdf.Letter) { l.ValidUntil = l.OrderedAt.Add(-time.Hour) }, "valid_until", letterpdf.ReasonDates},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := ok
			tt.change(&l)
			err := l.Validate()
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var e *letterpdf.Error
			if !errors.As(err, &e) || e.Field != tt.field || e.Reason != tt.reason {
				t.Fatalf("Validate() = %v, want %s: %s", err, tt.field, tt.reason)
			}
			// Render refuses the same letter, naming it in the batch.
			_, err = letterpdf.Render(sender(), []letterpdf.Letter{batch3()[0], l})
			if !errors.As(err, &e) || e.Letter != 1 || e.LetterID != strings.TrimSpace(l.ID) || e.Reason != tt.reason {
				t.Fatalf("Render() = %v, want letter 1's %s", err, tt.reason)
			}
		})
	}
}

func TestSenderValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*letterpdf.Sender)
		field  string
		reason letterpdf.Reason
	}{
		{"valid", func(*letterpdf.Sender) {}, "", ""},
		{"no support line", func(s *letterpdf.Sender) { s.Support = "" }, "", ""},
		{"no name", func(s *letterpdf.Sender) { s.Name = "" }, "sender.name", letterpdf.ReasonRequired},
		{"no address", func(s *letterpdf.Sender) { s.Address = []string{" ", ""} }, "sender.address", letterpdf.ReasonRequired},
		{"five address lines", func(s *letterpdf.Sender) { s.Address = []string{"1", "2", "3", "4", "5"} }, "sender.address", letterpdf.ReasonTooManyLines},
		{"address lines that wrap too much", func(s *letterpdf.Sender) {
			s.Address = []string{strings.Repeat("Ш", 60), strings.Repeat("Ш", 60), "г. Москва"}
		}, "sender", letterpdf.ReasonTooManyLines},
		{"a control character in support", func(s *letterpdf.Sender) { s.Support = "8 800\x00" }, "sender.support", letterpdf.ReasonBadChar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sender()
			tt.change(&s)
			err := s.Validate()
			var e *letterpdf.Error
			switch {
			case tt.reason == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.reason != "" && (!errors.As(err, &e) || e.Field != tt.field || e.Reason != tt.reason || e.Letter != -1):
				t.Fatalf("Validate() = %v, want %s: %s", err, tt.field, tt.reason)
			}
		})
	}
}

func TestRenderBatchRefused(t *testing.T) {
	dup := batch3()
	dup[2].ID = dup[0].ID
	tests := []struct {
		name    string
		letters []letterpdf.Letter
		letter  int
		reason  letterpdf.Reason
	}{
		{"empty", nil, -1, letterpdf.ReasonEmptyBatch},
		{"too many", batchN(letterpdf.MaxBatch + 1), -1, letterpdf.ReasonBatchSize},
		{"a duplicate ID", dup, 2, letterpdf.ReasonDuplicateID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf, err := letterpdf.Render(sender(), tt.letters)
			var e *letterpdf.Error
			if pdf != nil || !errors.As(err, &e) || e.Letter != tt.letter || e.Reason != tt.reason {
				t.Fatalf("Render() = %d bytes, %v; want letter %d: %s", len(pdf), err, tt.letter, tt.reason)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	_, err := letterpdf.Render(sender(), []letterpdf.Letter{batch3()[0], letter("X-2", "Иванову", "", batch3()[1].Address)})
	if got, want := err.Error(), "letterpdf: letter 1 (X-2): code: required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
