package contact

import (
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseEmail(t *testing.T) {
	// 64 + 1 + 63 + 1 + 63 + 1 + 58 + 3 = 254 characters, the most allowed.
	longest := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 58) + ".ru"
	tests := []struct {
		in   string
		want Email
		err  string
	}{
		{"ivan@example.com", "ivan@example.com", ""},
		{"  Ivan.Petrov@Example.COM \n", "ivan.petrov@example.com", ""},
		{"ivan+kabinet@mail.ru", "ivan+kabinet@mail.ru", ""},
		{"i@ya.ru", "i@ya.ru", ""},
		{"ivan@почта.рф", "ivan@почта.рф", ""},
		{"ivan@ПОЧТА.РФ", "ivan@почта.рф", ""},
		{"ivan@xn--80a1acny.xn--p1ai", "ivan@почта.рф", ""},
		{"Иван@почта.рф", "иван@почта.рф", ""},
		{"ivan@sub.example.co.uk", "ivan@sub.example.co.uk", ""},
		{"o'brien@example.ie", "o'brien@example.ie", ""},
		{longest, Email(longest), ""},
		{"a" + longest, "", "email.too_long"},

		{"", "", "email.required"},
		{"  \t", "", "email.required"},
		{"Иван <ivan@mail.ru>", "", "email.invalid"},
		{"<ivan@mail.ru>", "", "email.invalid"},
		{"ivan@mail.ru (Иван)", "", "email.invalid"},
		{`"ivan petrov"@mail.ru`, "", "email.invalid"},
		{`"ivan"@mail.ru`, "", "email.invalid"},
		{"ivan", "", "email.invalid"},
		{"ivan@", "", "email.invalid"},
		{"@mail.ru", "", "email.invalid"},
		{"ivan@localhost", "", "email.invalid"},
		{"ivan@[127.0.0.1]", "", "email.invalid"},
		{"ivan@1.2.3.4", "", "email.invalid"},
		{"ivan@mail..ru", "", "email.invalid"},
		{"ivan@mail.ru.", "", "email.invalid"},
		{"ivan@-mail.ru", "", "email.invalid"},
		{"ivan@mail_box.ru", "", "email.invalid"},
		{"iv an@mail.ru", "", "email.invalid"},
		{"ivan@@mail.ru", "", "email.invalid"},
		{"a@b@mail.ru", "", "email.invalid"},
		{"ivan.@mail.ru", "", "email.invalid"},
		{"ivan@mail.ru, petr@mail.ru", "", "email.invalid"},
		{"ivan@" + strings.Repeat("a", 64) + ".ru", "", "email.invalid"}, // a label over 63 octets
		{strings.Repeat("a", 300) + "@mail.ru", "", "email.too_long"},
		{"ivan@mail.ru\xff", "", "email.invalid"},
	}
	for _, tt := range tests {
		got, err := ParseEmail(tt.in)
		if id := msgID(t, err); id != tt.err || got != tt.want {
			t.Errorf("ParseEmail(%q) = %q, %q; want %q, %q", tt.in, got, id, tt.want, tt.err)
		}
	}
}

func TestEmailMasked(t *testing.T) {
	tests := []struct {
		e    Email
		want string
	}{
		{"ivan@example.com", "i***@example.com"},
		{"i@example.com", "i***@example.com"},
		{"иван@почта.рф", "и***@почта.рф"},
		{"", "***"},
	}
	for _, tt := range tests {
		if got := tt.e.Masked(); got != tt.want {
			t.Errorf("%q.Masked() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestEmailRedacted(t *testing.T) {
	tests := []struct {
		e    Email
		want string
	}{
		{"ivan@example.com", "i***@***"},
		{"иван@почта.рф", "и***@***"},
		{"", "***"},
		{"@example.com", "***"},
	}
	for _, tt := range tests {
		if got := tt.e.Redacted(); got != tt.want {
			t.Errorf("%q.Redacted() = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{"ivan@example.com", "Ivan <ivan@mail.ru>", "ivan@почта.рф", "ivan@xn--80a1acny.xn--p1ai", `"a b"@c.ru`, "a@[1.2.3.4]", "", "@", "a@b.c", "ǅ@ß.de", "0@0.Xn--2XAB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEmail(s)
		if err != nil {
			if e != "" {
				t.Fatalf("ParseEmail(%q) returned %q with error %v", s, e, err)
			}
			switch id := msgID(t, err); id {
			case "email.required", "email.invalid", "email.too_long":
			default:
				t.Fatalf("ParseEmail(%q): unexpected message %q", s, id)
			}
			return
		}
		// Accepted output is a bare, lower-case addr-spec with a dotted domain.
		if utf8.RuneCountInString(string(e)) > MaxEmailLen {
			t.Fatalf("ParseEmail(%q) = %q, too long", s, e)
		}
		if a, err := mail.ParseAddress(string(e)); err != nil || a.Address != string(e) || a.Name != "" {
			t.Fatalf("ParseEmail(%q) = %q, which net/mail reads as %v, %v", s, e, a, err)
		}
		if !strings.Contains(e.Domain(), ".") {
			t.Fatalf("ParseEmail(%q) = %q, domain without a dot", s, e)
		}
		if again, err := ParseEmail(string(e)); err != nil || again != e {
			t.Fatalf("not idempotent: ParseEmail(%q) = %q, %v; first %q from %q", e, again, err, e, s)
		}
		// ASCII case never matters. (Unicode upper-casing does not round-trip:
		// final sigma "ς" upper-cases to "Σ", which lower-cases to "σ".)
		upper := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r - 'a' + 'A'
			}
			return r
		}, string(e))
		if again, err := ParseEmail(upper); err != nil || again != e {
			t.Fatalf("case matters: ParseEmail(%q) = %q, %v; want %q", upper, again, err, e)
		}
		if m := e.Masked(); !strings.HasSuffix(m, "@"+e.Domain()) || !strings.Contains(m, "***") {
			t.Fatalf("%q.Masked() = %q", e, m)
		}
		if m := e.Redacted(); strings.Contains(m, e.Domain()) || !strings.HasSuffix(m, "***@***") {
			t.Fatalf("%q.Redacted() = %q", e, m)
		}
	})
}
