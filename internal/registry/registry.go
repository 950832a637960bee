package registry

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ID names a registry; the names are the ones the API and the logs use.
type ID string

const (
	SFR ID = "sfr" // the Social Fund (Социальный фонд России): SNILS
	MVD ID = "mvd" // the Ministry of Internal Affairs (МВД): passports
	FNS ID = "fns" // the Tax Service (ФНС): INN
)

// IDs lists the registries in the order pages and reports show them.
var IDs = []ID{SFR, MVD, FNS}

// SocialFund checks a SNILS against the person it was issued to.
type SocialFund interface {
	CheckSNILS(ctx context.Context, q SNILSQuery) (SNILSAnswer, error)
}

// Interior checks a Russian passport's validity and holder.
type Interior interface {
	CheckPassport(ctx context.Context, q PassportQuery) (PassportAnswer, error)
}

// Tax finds a person's INN.
type Tax interface {
	FindINN(ctx context.Context, q INNQuery) (INNAnswer, error)
}

// Registries is every registry kabinet reaches.
type Registries interface {
	SocialFund
	Interior
	Tax
}

// Gender is a person's gender as registries record it.
type Gender string

const (
	Male   Gender = "male"
	Female Gender = "female"
)

// Person is who a question is about. BirthDate is a calendar date: only
// its year, month and day count.
type Person struct {
	Surname    string
	Name       string
	Patronymic string // empty for a person without one
	BirthDate  time.Time
	Gender     Gender
}

// Passport is a Russian internal passport: series (4 digits), number (6
// digits) and the date it was issued.
type Passport struct {
	Series    string
	Number    string
	IssueDate time.Time
}

// Field names a part of a question a registry found not to match its
// record.
type Field string

const (
	FieldSurname    Field = "surname"
	FieldName       Field = "name"
	FieldPatronymic Field = "patronymic"
	FieldBirthDate  Field = "birth_date"
	FieldGender     Field = "gender"
	FieldIssueDate  Field = "issue_date"
)

// SNILSQuery asks the Social Fund whether SNILS (11 digits) is Person's.
type SNILSQuery struct {
	SNILS  string
	Person Person
	// Ref collects the answer to this question asked before, when the
	// registry took it to answer later (Error.Ref).
	Ref string
}

// SNILSResult is the Social Fund's verdict.
type SNILSResult string

const (
	SNILSMatches  SNILSResult = "match"    // the SNILS is this person's
	SNILSMismatch SNILSResult = "mismatch" // the SNILS is someone's, but the data differ in Mismatch
	SNILSUnknown  SNILSResult = "unknown"  // no such SNILS was issued
)

// SNILSAnswer is the Social Fund's answer; Mismatch lists the fields that
// differ when Result is SNILSMismatch.
type SNILSAnswer struct {
	Result   SNILSResult
	Mismatch []Field
}

// PassportQuery asks the Ministry whether a passport is valid. Holder is
// checked too when its surname is set.
type PassportQuery struct {
	Passport Passport
	Holder   Person
	Ref      string // as SNILSQuery.Ref
}

// PassportResult is the Ministry's verdict.
type PassportResult string

const (
	PassportValid    PassportResult = "valid"    // issued, in force, and the holder's data match
	PassportInvalid  PassportResult = "invalid"  // not in force, for Reason
	PassportMismatch PassportResult = "mismatch" // in the register, but with other data (Mismatch)
)

// InvalidReason is why a passport is not in force.
type InvalidReason string

const (
	ReasonLost      InvalidReason = "lost"       // declared lost or stolen
	ReasonExpired   InvalidReason = "expired"    // its holder turned 20 or 45 and did not replace it
	ReasonReplaced  InvalidReason = "replaced"   // a newer passport was issued in its place
	ReasonNotIssued InvalidReason = "not_issued" // no passport with this series and number was issued
)

// InvalidReasons lists every reason, for the adapters' checks.
var InvalidReasons = []InvalidReason{ReasonLost, ReasonExpired, ReasonReplaced, ReasonNotIssued}

// PassportAnswer is the Ministry's answer: Reason is set when Result is
// PassportInvalid, Mismatch when it is PassportMismatch.
type PassportAnswer struct {
	Result   PassportResult
	Reason   InvalidReason
	Mismatch []Field
}

// INNQuery asks the Tax Service for the INN of the person holding the
// passport.
type INNQuery struct {
	Person   Person
	Passport Passport
	Ref      string // as SNILSQuery.Ref
}

// INNAnswer is the Tax Service's answer: the 12-digit INN when Found.
type INNAnswer struct {
	Found bool
	INN   string
}

// ErrTemporary and ErrPermanent are the two kinds of Error, for errors.Is.
var (
	// ErrTemporary: no answer now (a timeout, a 5xx, an outage); the same
	// question may be asked again later.
	ErrTemporary = errors.New("registry: temporarily unavailable")
	// ErrPermanent: the registry refused the question (malformed, or an
	// answer kabinet cannot read); asking again will not help.
	ErrPermanent = errors.New("registry: request refused")
)

// Error is a question that got no answer. errors.Is(err, ErrTemporary) or
// errors.Is(err, ErrPermanent) tells which kind; Err is the cause.
type Error struct {
	Registry  ID
	Temporary bool
	// RetryAfter is how long the registry asked to wait, when it said
	// (zero otherwise).
	RetryAfter time.Duration
	// Ref, on a temporary error, is the registry's reference for a
	// question it has taken to answer later (minutes or days): the caller
	// asks again with it in the query's Ref after RetryAfter, instead of
	// asking anew. A temporary error without Ref while collecting one means
	// the registry no longer knows the question: ask it anew.
	Ref    string
	Detail string // for operators: the status or the registry's message
	Err    error
}

func (e *Error) Error() string {
	kind := "permanent"
	if e.Temporary {
		kind = "temporary"
	}
	msg := fmt.Sprintf("registry %s: %s error", e.Registry, kind)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Pending returns the reference of a question the registry has taken to
// answer later, when err says so.
func Pending(err error) (ref string, ok bool) {
	var e *Error
	if errors.As(err, &e) && e.Temporary && e.Ref != "" {
		return e.Ref, true
	}
	return "", false
}

// Is makes errors.Is(err, ErrTemporary) and errors.Is(err, ErrPermanent)
// true for the matching kind.
func (e *Error) Is(target error) bool {
	return (target == ErrTemporary && e.Temporary) || (target == ErrPermanent && !e.Temporary)
}

func (e *Error) Unwrap() error { return e.Err }
