package contact

import (
	"strings"
	"testing"
)

func TestParseHomePhone(t *testing.T) {
	tests := []struct {
		in   string
		want Phone
		err  string
	}{
		{"", "", ""},
		{"   ", "", ""},
		{"8 4752 12-34-56", "+74752123456", ""},
		{"+7 (495) 123-45-67", "+74951234567", ""},
		{"84991234567", "+74991234567", ""},
		{"4752123456", "+74752123456", ""},
		{"+7 812 345-67-89", "+78123456789", ""},
		{"8\u00a0(347)\u00a0212\u201334\u201356", "+73472123456", ""}, // pasted: no-break spaces, an en dash

		{"22-33-44", "", "phone.home.no_code"},
		{"2123456", "", "phone.home.no_code"},
		{"8 916 123-45-67", "", "phone.home.mobile"},
		{"+7 900 000-00-01", "", "phone.home.mobile"},
		{"8 800 555-35-35", "", "phone.home.not_landline"},
		{"+7 701 234 56 78", "", "phone.home.foreign"}, // Kazakhstan
		{"+44 20 7946 0000", "", "phone.home.foreign"},
		{"+7 555 555 55 55", "", "phone.home.invalid"},
		{"+7 4752 12-34-5", "", "phone.home.invalid"},
		{"8 4752 12-34-56 доб. 3", "", "phone.home.invalid"},
		{"дом", "", "phone.home.invalid"},
		{"12", "", "phone.home.invalid"},
		{strings.Repeat("1", 40), "", "phone.home.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseHomePhone(tt.in)
			if id := msgID(t, err); got != tt.want || id != tt.err {
				t.Errorf("ParseHomePhone(%q) = %q, %q; want %q, %q", tt.in, got, id, tt.want, tt.err)
			}
		})
	}
}

func FuzzParseHomePhone(f *testing.F) {
	for _, s := range []string{"8 4752 12-34-56", "+7 (495) 123-45-67", "22-33-44", "8 916 123-45-67", "8 800 555-35-35", "+7 701 234 56 78", "", "+", "((((", "8\u00a0495\u2013123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseHomePhone(s)
		if err != nil {
			if p != "" {
				t.Fatalf("ParseHomePhone(%q) returned %q with error %v", s, p, err)
			}
			switch id := msgID(t, err); id {
			case "phone.home.invalid", "phone.home.no_code", "phone.home.foreign", "phone.home.mobile", "phone.home.not_landline":
			default:
				t.Fatalf("ParseHomePhone(%q): unexpected message %q", s, id)
			}
			return
		}
		if p == "" {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("ParseHomePhone(%q): no number and no error", s)
			}
			return
		}
		// A Russian number in E.164: +7 and ten digits.
		if len(p) != 12 || !strings.HasPrefix(string(p), "+7") || strings.Trim(string(p[1:]), "0123456789") != "" {
			t.Fatalf("ParseHomePhone(%q) = %q, not +7 and ten digits", s, p)
		}
		for _, form := range []string{string(p), p.Display()} {
			if again, err := ParseHomePhone(form); err != nil || again != p {
				t.Fatalf("ParseHomePhone(%q) = %q, %v; want %q (from %q)", form, again, err, p, s)
			}
		}
		// Never a number the mobile rule takes.
		if _, err := ParsePhone(string(p)); err == nil {
			t.Fatalf("ParseHomePhone(%q) = %q, which ParsePhone accepts as a mobile", s, p)
		}
	})
}
