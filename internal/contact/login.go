package contact

import (
	"regexp"
	"strings"

	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/problem"
)

// LoginKind says what a login identifier is.
type LoginKind int

const (
	_          LoginKind = iota // the zero Login is no login
	LoginPhone                  // a mobile phone number
	LoginEmail                  // an e-mail address
	LoginSNILS                  // a SNILS, for accounts whose personal data is verified
)

func (k LoginKind) String() string {
	switch k {
	case LoginPhone:
		return "phone"
	case LoginEmail:
		return "email"
	case LoginSNILS:
		return "snils"
	}
	return "none"
}

// Login is what a citizen signs in with: a phone number, an e-mail address
// or a SNILS, normalized. The field named by Kind is set; a phone login
// may carry SNILS too, when the digits typed are both (see ParseLogin).
type Login struct {
	Kind  LoginKind
	Phone Phone
	Email Email
	SNILS document.SNILS
}

// snilsWritten is a SNILS written with its separators: "123-456-789 01",
// "123-456-789-01", "123 456 789 01". No phone number is written so.
var snilsWritten = regexp.MustCompile(`^\d{3}[- ]\d{3}[- ]\d{3}[- ]\d{2}$`)

// ParseLogin reads the sign-in field: input containing '@' is an e-mail
// address; a SNILS written with its separators, or eleven bare digits that
// pass its checksum and are no Russian number (which starts with 7 or 8),
// is a SNILS; anything else a mobile phone number. Eleven bare digits that
// are both a mobile number and a SNILS are a phone login carrying the SNILS
// as well: the account with that phone, else the one with that SNILS.
//
// Any failure, including empty input, is the one problem.Message
// "login.invalid", which asks for a phone number, an e-mail address or a
// SNILS; the sign-in page does not explain which rule the input broke.
func ParseLogin(s string) (Login, error) {
	s = strings.TrimSpace(s)
	if snilsWritten.MatchString(s) {
		n, err := document.ParseSNILS(s)
		if err != nil {
			return Login{}, problem.M("login.invalid")
		}
		return Login{Kind: LoginSNILS, SNILS: n}, nil
	}
	if bareDigits(s, 11) {
		n, snilsErr := document.ParseSNILS(s)
		p, phoneErr := ParsePhone(s)
		switch {
		case snilsErr == nil && phoneErr == nil:
			return Login{Kind: LoginPhone, Phone: p, SNILS: n}, nil
		case snilsErr == nil && s[0] != '7' && s[0] != '8':
			return Login{Kind: LoginSNILS, SNILS: n}, nil
		}
	}
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

func bareDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String returns the normalized identifier: the E.164 number, the address
// or the SNILS as written ("123-456-789 01", which reads back as a SNILS).
// The zero Login gives "".
func (l Login) String() string {
	switch l.Kind {
	case LoginPhone:
		return string(l.Phone)
	case LoginEmail:
		return string(l.Email)
	case LoginSNILS:
		return l.SNILS.String()
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
	case LoginSNILS:
		return l.SNILS.Masked()
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
	case LoginSNILS:
		return l.SNILS.Masked()
	}
	return ""
}
