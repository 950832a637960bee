package contact

import (
	"strings"

	"github.com/kabinet/kabinet/internal/problem"
)

// LoginKind says what a login identifier is.
type LoginKind int

const (
	_          LoginKind = iota // the zero Login is no login
	LoginPhone                  // a mobile phone number
	LoginEmail                  // an e-mail address
	// LoginSNILS will follow when SNILS validation lands in person.
)

func (k LoginKind) String() string {
	switch k {
	case LoginPhone:
		return "phone"
	case LoginEmail:
		return "email"
	}
	return "none"
}

// Login is what a citizen signs in with: a phone number or an e-mail
// address, normalized. Exactly the field named by Kind is set.
type Login struct {
	Kind  LoginKind
	Phone Phone
	Email Email
}

// ParseLogin reads the sign-in field: input containing '@' is an e-mail
// address, anything else a mobile phone number. Any failure, including
// empty input, is the one problem.Message "login.invalid", which asks for a
// phone number or an e-mail address; the sign-in page does not explain
// which rule the input broke.
func ParseLogin(s string) (Login, error) {
	s = strings.TrimSpace(s)
	// SNILS as a login goes here, before the phone: eleven digits in the
	// form "123-456-789 01" (or bare) that pass the SNILS checksum. A bare
	// 11-digit string starting with 7 or 8 is also a phone number, so the
	// order and the tie-break must be decided then.
	if strings.Contains(s, "@") {
		e, err := ParseEmail(s)
		if err != nil {
			return Login{}, problem.M("login.invalid")
		}
		return Login{Kind: LoginEmail, Email: e}, nil
	}
	p, err := ParsePhone(s)
	if err != nil {
		return Login{}, problem.M("login.invalid")
	}
	return Login{Kind: LoginPhone, Phone: p}, nil
}

// String returns the normalized identifier: the E.164 number or the
// address. The zero Login gives "".
func (l Login) String() string {
	switch l.Kind {
	case LoginPhone:
		return string(l.Phone)
	case LoginEmail:
		return string(l.Email)
	}
	return ""
}

// Masked returns the identifier masked for pages: the phone as
// Phone.Masked, the address as Email.Masked (domain shown).
func (l Login) Masked() string {
	switch l.Kind {
	case LoginPhone:
		return l.Phone.Masked()
	case LoginEmail:
		return l.Email.Masked()
	}
	return ""
}

// Redacted returns the identifier masked for the audit log and logs: the
// phone as Phone.Masked, the address as Email.Redacted (no domain).
func (l Login) Redacted() string {
	switch l.Kind {
	case LoginPhone:
		return l.Phone.Masked()
	case LoginEmail:
		return l.Email.Redacted()
	}
	return ""
}
