package contact

import "testing"

func TestParseLogin(t *testing.T) {
	tests := []struct {
		in   string
		want Login
		err  string
	}{
		{"8 916 123-45-67", Login{Kind: LoginPhone, Phone: "+79161234567"}, ""},
		{" Ivan@Example.com ", Login{Kind: LoginEmail, Email: "ivan@example.com"}, ""},
		{"", Login{}, "login.invalid"},
		{"ivan", Login{}, "login.invalid"},
		{"ivan@", Login{}, "login.invalid"},
		{"+7 495 123-45-67", Login{}, "login.invalid"},
		// SNILS in any written form; bare digits only when they are no
		// Russian number, or both (the phone first, then the SNILS).
		{"112-233-445 95", Login{Kind: LoginSNILS, SNILS: "11223344595"}, ""},
		{"112 233 445 95", Login{Kind: LoginSNILS, SNILS: "11223344595"}, ""},
		{"112-233-445-95", Login{Kind: LoginSNILS, SNILS: "11223344595"}, ""},
		{" 11223344595 ", Login{Kind: LoginSNILS, SNILS: "11223344595"}, ""},
		{"112-233-445 96", Login{}, "login.invalid"},
		{"11223344596", Login{}, "login.invalid"},
		{"891-600-000 86", Login{Kind: LoginSNILS, SNILS: "89160000086"}, ""},
		{"89160000086", Login{Kind: LoginPhone, Phone: "+79160000086", SNILS: "89160000086"}, ""},
		{"89160000087", Login{Kind: LoginPhone, Phone: "+79160000087"}, ""},
	}
	for _, tt := range tests {
		got, err := ParseLogin(tt.in)
		if id := msgID(t, err); id != tt.err || got != tt.want {
			t.Errorf("ParseLogin(%q) = %+v, %q; want %+v, %q", tt.in, got, id, tt.want, tt.err)
		}
	}
}

func TestLoginString(t *testing.T) {
	tests := []struct {
		l                     Login
		str, masked, redacted string
	}{
		{Login{Kind: LoginPhone, Phone: "+79161234567"}, "+79161234567", "+7 916 ***-**-67", "+7 916 ***-**-67"},
		{Login{Kind: LoginEmail, Email: "ivan@example.com"}, "ivan@example.com", "i***@example.com", "i***@***"},
		{Login{Kind: LoginSNILS, SNILS: "11223344595"}, "112-233-445 95", "***-***-445 95", "***-***-445 95"},
		{Login{}, "", "", ""},
	}
	for _, tt := range tests {
		if got := tt.l.String(); got != tt.str {
			t.Errorf("%+v.String() = %q, want %q", tt.l, got, tt.str)
		}
		if got := tt.l.Masked(); got != tt.masked {
			t.Errorf("%+v.Masked() = %q, want %q", tt.l, got, tt.masked)
		}
		if got := tt.l.Redacted(); got != tt.redacted {
			t.Errorf("%+v.Redacted() = %q, want %q", tt.l, got, tt.redacted)
		}
	}
}

func FuzzParseLogin(f *testing.F) {
	for _, s := range []string{"89161234567", "ivan@example.com", "", "@", "123-456-789 01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLogin(s)
		if err != nil {
			if id := msgID(t, err); id != "login.invalid" || l != (Login{}) {
				t.Fatalf("ParseLogin(%q) = %+v, %q", s, l, id)
			}
			return
		}
		if l.Kind != LoginPhone && l.Kind != LoginEmail && l.Kind != LoginSNILS {
			t.Fatalf("ParseLogin(%q): kind %v", s, l.Kind)
		}
		again, err := ParseLogin(l.String())
		// A phone that is a SNILS too reads back as the phone alone.
		if l.Kind == LoginPhone {
			l.SNILS = ""
		}
		if err != nil || again != l {
			t.Fatalf("not idempotent: ParseLogin(%q) = %+v, %v; want %+v", l.String(), again, err, l)
		}
	})
}
