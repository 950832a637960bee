package contact

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"github.com/kabinet/kabinet/internal/problem"
)

// MaxEmailLen is the longest address accepted, in characters (RFC 5321's
// limit on a forward path, less the angle brackets).
const MaxEmailLen = 254

// Email is an e-mail address in canonical form: lower-case, with an
// internationalized domain in its Unicode form ("ivan@почта.рф"). The zero
// value is no address. Values come from ParseEmail or from storage.
type Email string

// domainProfile validates and canonicalizes domain names the way a
// resolver would look them up (UTS #46 non-transitional mapping, STD3
// rules, bidi rule, DNS label and name lengths).
var domainProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
	idna.Transitional(false),
)

// ParseEmail reads an e-mail address and returns it in canonical form:
// trimmed, the local part NFC-normalized and lower-cased, the domain
// mapped to lower case and kept in Unicode form (a domain typed as
// punycode, "xn--80a1acny.xn--p1ai", becomes "почта.рф"), so one mailbox has
// one spelling.
//
// Only a bare address is accepted: no display name ("Иван <ivan@mail.ru>"),
// no angle brackets, comments or quoted local parts, and the domain must be
// a host name with a dot (no "localhost", no "[1.2.3.4]").
//
// Errors, all problem.Message: "email.required", "email.too_long" (more
// than MaxEmailLen characters), "email.invalid".
func ParseEmail(s string) (Email, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", problem.M("email.required")
	}
	if utf8.RuneCountInString(s) > MaxEmailLen {
		return "", problem.M("email.too_long", "Max", MaxEmailLen)
	}
	if !utf8.ValidString(s) {
		return "", problem.M("email.invalid")
	}
	// net/mail accepts "Name <addr>", "<addr>", comments and quoted local
	// parts; requiring the parsed address to be the whole input leaves
	// only the bare dot-atom addr-spec.
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", problem.M("email.invalid")
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return "", problem.M("email.invalid")
	}
	local, domain := s[:at], s[at+1:]
	if strings.ContainsAny(local, `"\`) {
		return "", problem.M("email.invalid")
	}
	local = strings.ToLower(norm.NFC.String(local))
	domain, ok := canonicalDomain(domain)
	if !ok {
		return "", problem.M("email.invalid")
	}
	out := local + "@" + domain
	if utf8.RuneCountInString(out) > MaxEmailLen {
		return "", problem.M("email.too_long", "Max", MaxEmailLen)
	}
	// The canonical form must still be an address net/mail accepts as it
	// is: lower-casing or NFC must not have produced anything odd.
	if a, err := mail.ParseAddress(out); err != nil || a.Address != out {
		return "", problem.M("email.invalid")
	}
	return Email(out), nil
}

// canonicalDomain returns the Unicode form of a host name that has at
// least two labels and a top-level label that is not all digits.
func canonicalDomain(d string) (string, bool) {
	if d == "" || strings.HasPrefix(d, "[") {
		return "", false
	}
	ascii, err := domainProfile.ToASCII(d)
	if err != nil {
		return "", false
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, l := range labels {
		if l == "" {
			return "", false
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", false
	}
	u, err := domainProfile.ToUnicode(ascii)
	if err != nil {
		return "", false
	}
	return u, true
}

// String returns the address.
func (e Email) String() string { return string(e) }

// Domain returns the part after the '@'.
func (e Email) Domain() string {
	if i := strings.LastIndexByte(string(e), '@'); i >= 0 {
		return string(e)[i+1:]
	}
	return ""
}

// Masked returns the address with the local part hidden but its first
// character: "i***@example.com". It is what the citizen sees on the page
// where they type the code sent there; records that outlive the page (the
// audit log, logs) take Redacted, which hides the domain too.
func (e Email) Masked() string {
	i := strings.LastIndexByte(string(e), '@')
	if i <= 0 {
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(string(e))
	return string(r) + "***" + string(e)[i:]
}

// Redacted returns the address with everything but its first character
// hidden, the domain included: "i***@***". A domain alone often names the
// employer or the person (a one-user domain), so the audit log and logs keep
// only this form.
func (e Email) Redacted() string {
	if strings.LastIndexByte(string(e), '@') <= 0 {
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(string(e))
	return string(r) + "***@***"
}
