// Package profile owns the citizen's personal data («Мои данные») and its
// verification against the state registries, which raises an account from
// simplified to standard.
//
// The data has two states: what was last verified, which relying parties
// and the level rest on, and what was last submitted, which is being
// checked or failed a check. A submission starts a verification with one
// check per registry whose part of the data changed (the Social Fund for
// the person and the SNILS, the Ministry of Internal Affairs for the
// passport and its holder). The verification is durable background work
// (RunVerification, called by one job, which asks its registries at once
// and records their answers in one transaction) that may take minutes or
// days — a registry may take the question to answer later — and survives
// restarts and outages: a registry that does not answer is asked again
// with backoff, the answers already in are kept. When every check has passed, the submitted data
// becomes the verified data and a simplified account becomes standard; a
// failure leaves the verified data as it was and tells the citizen why.
//
// Every state change happens by compare-and-set inside one transaction with
// its notification and audit event, so a check's result is recorded once,
// the level raised once and the citizen told once, however often a job
// runs and on however many nodes.
//
// profile imports account, person, document, registry, message, audit and
// problem; it knows nothing of HTTP, SQL or River.
package profile

import (
	"slices"
	"time"

	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/registry"
)

// PassportRF is the only identity document type a standard account takes
// for now: the Russian internal passport.
const PassportRF = "passport_rf"

// Input is «Мои данные» as typed, named as in the API.
type Input struct {
	person.IdentityInput
	DocumentType string // "passport_rf"; empty means it
	Passport     document.PassportInput
	SNILS        string
}

// Data is the personal data once checked for form: canonical names, dates
// as days, the passport and the SNILS.
type Data struct {
	Identity person.Identity
	Passport document.Passport
	SNILS    document.SNILS
}

// Normalize checks every field of in on today and returns the canonical
// Data and the passport's validity (its grace before replacement, when in
// it), or a problem.Invalid error with one message per wrong field, named as
// in the API: surname, name, patronymic, gender, birth_date, birth_place,
// citizenship, document.type, document.series, document.number,
// document.issue_date, document.issued_by, document.division_code, snils.
func Normalize(in Input, today time.Time) (Data, document.Validity, error) {
	var f problem.Fields
	var d Data
	id, err := person.NormalizeIdentity(in.IdentityInput, today)
	f.Merge(err)
	d.Identity = id
	if t := in.DocumentType; t != "" && t != PassportRF {
		f.Add("document.type", problem.M("document.type_unknown"))
	}
	// A Russian passport is issued to Russian citizens only.
	if id.Citizenship != "" && id.Citizenship != person.Russia {
		f.Add("citizenship", problem.M("citizenship.passport_rf"))
	}
	p, v, err := document.NormalizePassport(in.Passport, id.BirthDate, today)
	f.Merge(err)
	d.Passport = p
	d.SNILS, err = document.ParseSNILS(in.SNILS)
	f.Add("snils", err)
	if err := f.Err(); err != nil {
		return Data{}, v, err
	}
	return d, v, nil
}

// Registries returns the registries that must check next, given what was
// verified before (nil when nothing was): the Social Fund when the person
// or the SNILS changed, the Ministry of Internal Affairs when the passport
// or its holder did. Nothing when next equals verified.
func Registries(verified *Data, next Data) []registry.ID {
	if verified == nil {
		return []registry.ID{registry.SFR, registry.MVD}
	}
	var ids []registry.ID
	if verified.SNILS != next.SNILS || identityKey(verified.Identity) != identityKey(next.Identity) {
		ids = append(ids, registry.SFR)
	}
	if passportKey(verified.Passport) != passportKey(next.Passport) || holderKey(verified.Identity) != holderKey(next.Identity) {
		ids = append(ids, registry.MVD)
	}
	return ids
}

// Equal reports whether two submissions are the same data.
func Equal(a, b Data) bool {
	return a.SNILS == b.SNILS && identityKey(a.Identity) == identityKey(b.Identity) && passportKey(a.Passport) == passportKey(b.Passport)
}

// The keys compare dates as days: a time.Time read back from storage may
// carry another location than the one parsed from the form.
func identityKey(id person.Identity) person.Identity {
	id.BirthDate = person.Day(id.BirthDate)
	return id
}

func holderKey(id person.Identity) registry.Person {
	h := holderOf(id)
	h.BirthDate = person.Day(h.BirthDate)
	return h
}

func passportKey(p document.Passport) document.Passport {
	p.IssueDate = person.Day(p.IssueDate)
	return p
}

func holderOf(id person.Identity) registry.Person {
	return registry.Person{Surname: id.Surname, Name: id.Name, Patronymic: id.Patronymic, BirthDate: id.BirthDate, Gender: registry.Gender(id.Gender)}
}

func passportOf(p document.Passport) registry.Passport {
	return registry.Passport{Series: p.Series, Number: p.Number, IssueDate: p.IssueDate}
}

// State is where a verification or one of its checks stands.
type State string

const (
	Pending State = "pending"
	Passed  State = "passed"
	Failed  State = "failed"
	// Superseded: the citizen submitted other data before this verification
	// finished; its remaining checks are not run.
	Superseded State = "superseded"
)

// Check is one registry's part of a verification.
type Check struct {
	ID             string
	VerificationID string
	AccountID      string
	Registry       registry.ID
	State          State
	// Reason says why a check failed: a message ID under "verification."
	// (the API's reason_code) with Fields naming the parts a registry found
	// different.
	Reason   string
	Fields   []registry.Field
	Attempts int
	// LastError is the last temporary failure, for operators: a status or
	// a registry's message, never personal data.
	LastError string
	// Ref is the registry's reference for the question while it takes it
	// to answer later (hours or days); the next attempt collects the
	// answer with it instead of asking anew.
	Ref       string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Verification is one submission of personal data and its checks.
type Verification struct {
	ID          string
	AccountID   string
	State       State
	Data        Data
	SubmittedAt time.Time
	FinishedAt  time.Time // zero while pending
	Checks      []Check
}

// Check returns the verification's check of one registry, if it has one.
func (v *Verification) Check(id registry.ID) (Check, bool) {
	i := slices.IndexFunc(v.Checks, func(c Check) bool { return c.Registry == id })
	if i < 0 {
		return Check{}, false
	}
	return v.Checks[i], true
}

// Record is an account's personal data: the verified data (nil before the
// first verification passes) and the latest verification.
type Record struct {
	AccountID  string
	Verified   *Data
	VerifiedAt time.Time
	Latest     *Verification
}

// Draft is what the form shows: the latest submission when it is pending
// or failed (the citizen's own typing, kept), else the verified data; ok is
// false when there is neither.
func (r *Record) Draft() (Data, bool) {
	if r.Latest != nil && r.Latest.State != Passed && r.Latest.State != Superseded {
		return r.Latest.Data, true
	}
	if r.Verified != nil {
		return *r.Verified, true
	}
	return Data{}, false
}
