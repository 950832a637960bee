package contact

import (
	"errors"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/problem"
)

// msgID returns the message ID of a validator error, "" for nil.
func msgID(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var m problem.Message
	if !errors.As(err, &m) {
		t.Fatalf("error %v is not a problem.Message", err)
	}
	return m.ID
}

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in   string
		want Phone
		err  string
	}{
		{"8 916 123-45-67", "+79161234567", ""},
		{"+7 (916) 123 45 67", "+79161234567", ""},
		{"89161234567", "+79161234567", ""},
		{"9161234567", "+79161234567", ""},
		{"+79161234567", "+79161234567", ""},
		{"79161234567", "+79161234567", ""},
		{"  8 (916) 123-45-67\t", "+79161234567", ""},
		{"8\u00a0916\u00a0123\u201345\u201367", "+79161234567", ""}, // pasted: no-break spaces, en dashes
		{"8.916.123.45.67", "+79161234567", ""},
		{"+7 958 123 45 67", "+79581234567", ""},
		{"+7 701 123 45 67", "+77011234567", ""}, // Kazakhstan, a foreign mobile
		{"+44 7400 123456", "+447400123456", ""},
		{"+380 50 123 4567", "+380501234567", ""},
		{"810 44 7400 123456", "+447400123456", ""}, // Russian international prefix
		{"+1 650 253 0000", "+16502530000", ""},     // US numbers are fixed-line-or-mobile

		{"", "", "phone.required"},
		{"   ", "", "phone.required"},
		{"+7 495 123-45-67", "", "phone.not_mobile"},
		{"8 800 555-35-35", "", "phone.not_mobile"},
		{"12345", "", "phone.invalid"},
		{"0", "", "phone.invalid"},
		{"+7 916 123 45 6", "", "phone.invalid"},
		{"8-800-FLOWERS", "", "phone.invalid"},
		{"+7 916 123-45-67 доб. 12", "", "phone.invalid"},
		{"8 (916) 123-45-67 ext 12", "", "phone.invalid"},
		{"8 916 123-45-67#", "", "phone.invalid"},
		{"8 916 123+45-67", "", "phone.invalid"},
		{"++79161234567", "", "phone.invalid"},
		{"+8 916 123 45 67", "", "phone.invalid"},
		{"ivan", "", "phone.invalid"},
		{"-()", "", "phone.invalid"},
		{"+7 916 123 45 67" + strings.Repeat(" ", 20), "+79161234567", ""}, // trailing space is trimmed first
		{"+7  916  123  45  67  0000000000000", "", "phone.invalid"},       // over the length cap
		{strings.Repeat("9", 1000), "", "phone.invalid"},
	}
	for _, tt := range tests {
		got, err := ParsePhone(tt.in)
		if id := msgID(t, err); id != tt.err || got != tt.want {
			t.Errorf("ParsePhone(%q) = %q, %q; want %q, %q", tt.in, got, id, tt.want, tt.err)
		}
	}
}

func TestPhoneDisplayMasked(t *testing.T) {
	tests := []struct {
		p               Phone
		display, masked string
	}{
		{"+79161234567", "+7 916 123-45-67", "+7 916 ***-**-67"},
		{"+77011234567", "+7 701 123 4567", "+7 701 *** **67"},
		{"+447400123456", "+44 7400 123456", "+44 740* ****56"},
		{"+380501234567", "+380 50 123 4567", "+380 50 1** **67"},
		{"", "", ""},
		{"garbage", "garbage", "*******"},
	}
	for _, tt := range tests {
		if got := tt.p.Display(); got != tt.display {
			t.Errorf("%q.Display() = %q, want %q", tt.p, got, tt.display)
		}
		if got := tt.p.Masked(); got != tt.masked {
			t.Errorf("%q.Masked() = %q, want %q", tt.p, got, tt.masked)
		}
	}
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"8 916 123-45-67", "+7 (916) 123 45 67", "9161234567", "+7 495 123-45-67", "+7 701 123 45 67", "+44 7400 123456", "8-800-FLOWERS", "", "+", "((((", "8\u00a0916\u2013123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhone(s)
		if err != nil {
			if p != "" {
				t.Fatalf("ParsePhone(%q) returned %q with error %v", s, p, err)
			}
			switch id := msgID(t, err); id {
			case "phone.required", "phone.invalid", "phone.not_mobile":
			default:
				t.Fatalf("ParsePhone(%q): unexpected message %q", s, id)
			}
			return
		}
		// Accepted output is E.164: '+' and at most 15 digits.
		if len(p) < 3 || len(p) > 16 || p[0] != '+' || strings.Trim(string(p[1:]), "0123456789") != "" {
			t.Fatalf("ParsePhone(%q) = %q, not E.164", s, p)
		}
		// Idempotence, and every human form reads back as the same number.
		for _, form := range []string{string(p), p.Display()} {
			again, err := ParsePhone(form)
			if err != nil || again != p {
				t.Fatalf("ParsePhone(%q) = %q, %v; want %q (from %q)", form, again, err, p, s)
			}
		}
		m := p.Masked()
		if !strings.HasSuffix(m, string(p[len(p)-2:])) || strings.Count(m, "*") == 0 {
			t.Fatalf("%q.Masked() = %q", p, m)
		}
	})
}
