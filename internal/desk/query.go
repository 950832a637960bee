package desk

import (
	"strings"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/problem"
)

// By is what a search is by.
type By string

// What a citizen is found by.
const (
	BySNILS    By = "snils"
	ByPhone    By = "phone"
	ByPassport By = "passport"
)

// Reason is why an operator looks at a citizen's data; it goes to the
// audit log and the citizen's «Кто смотрел мои данные».
type Reason string

// The reasons an operator may give.
const (
	ReasonConfirmation Reason = "identity_confirmation"
	ReasonRecovery     Reason = "access_recovery"
	ReasonRegistration Reason = "registration_help"
)

// Reasons lists the reasons, in the order the form offers them.
var Reasons = []Reason{ReasonConfirmation, ReasonRecovery, ReasonRegistration}

// Query is one parsed search: exactly one of SNILS, Phone or the passport's
// Series and Number, by By.
type Query struct {
	By     By
	SNILS  document.SNILS
	Phone  contact.Phone
	Series string // four digits
	Number string // six digits
	Reason Reason
}

// ParseQuery reads a search as typed: by (snils, phone or passport), the
// value in any written form (a passport as "2909 512874", "29 09 512874"
// or ten digits) and the reason. Invalid fields are reported on "by",
// "value" and "reason" (Invalid).
func ParseQuery(by, value, reason string) (Query, error) {
	var f problem.Fields
	q := Query{By: By(strings.TrimSpace(by)), Reason: Reason(strings.TrimSpace(reason))}
	value = strings.TrimSpace(value)
	switch {
	case q.By != BySNILS && q.By != ByPhone && q.By != ByPassport:
		f.Add("by", problem.M("desk.by.invalid"))
	case value == "":
		f.Add("value", problem.M("desk.value.required"))
	case q.By == BySNILS:
		s, err := document.ParseSNILS(value)
		f.Add("value", err)
		q.SNILS = s
	case q.By == ByPhone:
		p, err := contact.ParsePhone(value)
		f.Add("value", err)
		q.Phone = p
	default:
		series, number, err := ParsePassport(value)
		f.Add("value", err)
		q.Series, q.Number = series, number
	}
	if !validReason(q.Reason) {
		f.Add("reason", problem.M("desk.reason.invalid"))
	}
	if err := f.Err(); err != nil {
		return Query{}, err
	}
	return q, nil
}

func validReason(r Reason) bool {
	for _, x := range Reasons {
		if r == x {
			return true
		}
	}
	return false
}

// ParsePassport reads a Russian passport's series and number typed
// together: ten digits, with spaces, hyphens or the «№» sign between
// groups. Anything else is the Message "desk.passport.invalid".
func ParsePassport(s string) (series, number string, err error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '№' || r == '\u00a0':
		default:
			return "", "", problem.M("desk.passport.invalid")
		}
	}
	d := b.String()
	if len(d) != 10 {
		return "", "", problem.M("desk.passport.invalid")
	}
	return d[:4], d[4:], nil
}
