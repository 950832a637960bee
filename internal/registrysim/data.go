package registrysim

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/registry"
)

// demoData is the demo citizens: docs/registry-sim.md and the README name
// them and the path each one produces.
//
//go:embed demo.json
var demoData []byte

// DemoCitizens returns the shipped demo citizens.
func DemoCitizens() []Citizen {
	cs, err := ParseCitizens(bytes.NewReader(demoData))
	if err != nil {
		panic("registrysim: the embedded demo.json is broken: " + err.Error()) // caught by the tests
	}
	return cs
}

// Citizen is one person the simulated registries know, as the data file
// holds it (see docs/registry-sim.md). The top-level fields are the
// person's true data, what a citizen types; SocialFund says how the Social
// Fund's record differs, when it does.
type Citizen struct {
	Note        string    `json:"note,omitempty"` // what this person demonstrates
	Surname     string    `json:"surname"`
	Name        string    `json:"name"`
	Patronymic  string    `json:"patronymic,omitempty"`
	Gender      string    `json:"gender"`
	BirthDate   string    `json:"birth_date"`
	BirthPlace  string    `json:"birth_place,omitempty"`
	Citizenship string    `json:"citizenship,omitempty"`
	SNILS       string    `json:"snils,omitempty"`
	Passport    *Passport `json:"passport,omitempty"`
	INN         string    `json:"inn,omitempty"` // empty: the Tax Service finds no INN
	// SocialFund, when set, is the Social Fund's own record where it
	// differs from the top-level data.
	SocialFund *SocialFundRecord `json:"social_fund,omitempty"`
}

// Passport is a citizen's passport in the data file. Status is what the
// Ministry knows of it: valid (or empty), lost, expired, replaced or
// not_issued.
type Passport struct {
	Series       string `json:"series"`
	Number       string `json:"number"`
	IssueDate    string `json:"issue_date"`
	IssuedBy     string `json:"issued_by,omitempty"`
	DivisionCode string `json:"division_code,omitempty"`
	Status       string `json:"status,omitempty"`
}

// SocialFundRecord is how the Social Fund's record of a citizen differs
// from their true data: Unknown when it has no such SNILS, otherwise the
// fields it holds differently.
type SocialFundRecord struct {
	Unknown    bool   `json:"unknown,omitempty"`
	Surname    string `json:"surname,omitempty"`
	Name       string `json:"name,omitempty"`
	Patronymic string `json:"patronymic,omitempty"`
	Gender     string `json:"gender,omitempty"`
	BirthDate  string `json:"birth_date,omitempty"`
}

// file is the data file's shape.
type file struct {
	Citizens []Citizen `json:"citizens"`
}

var (
	seriesRE = regexp.MustCompile(`^[0-9]{4}$`)
	numberRE = regexp.MustCompile(`^[0-9]{6}$`)
	innRE    = regexp.MustCompile(`^[0-9]{12}$`)
)

// ParseCitizens reads a data file: {"citizens":[…]}. It refuses unknown
// fields, malformed values and two citizens sharing a SNILS or a passport.
func ParseCitizens(r io.Reader) ([]Citizen, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("registrysim: data file: %w", err)
	}
	if len(f.Citizens) == 0 {
		return nil, errNoCitizens
	}
	if _, err := index(f.Citizens); err != nil {
		return nil, err
	}
	return f.Citizens, nil
}

// record is a citizen as the registries compare it: normalised.
type record struct {
	person   person // true data
	sfr      person // the Social Fund's record
	sfrKnown bool
	snils    string
	passport string // series+number
	issued   string // YYYY-MM-DD
	status   registry.InvalidReason
	inn      string
}

// person is the comparable part of a person: names folded (see fold),
// the birth date as YYYY-MM-DD.
type person struct {
	surname, name, patronymic, birthDate, gender string
}

type indexed struct {
	bySNILS    map[string]*record
	byPassport map[string]*record
}

// index checks the citizens and indexes them by SNILS and passport.
func index(cs []Citizen) (indexed, error) {
	ix := indexed{bySNILS: map[string]*record{}, byPassport: map[string]*record{}}
	for i, c := range cs {
		fail := func(format string, a ...any) error {
			return fmt.Errorf("registrysim: data file: citizen %d (%s %s): %s", i+1, c.Surname, c.Name, fmt.Sprintf(format, a...))
		}
		if c.Surname == "" || c.Name == "" {
			return ix, fail("surname and name are required")
		}
		if c.Gender != string(registry.Male) && c.Gender != string(registry.Female) {
			return ix, fail("gender must be male or female")
		}
		if !isDate(c.BirthDate) {
			return ix, fail("birth_date must be YYYY-MM-DD")
		}
		r := &record{person: person{fold(c.Surname), fold(c.Name), fold(c.Patronymic), c.BirthDate, c.Gender}, sfrKnown: true}
		r.sfr = r.person
		if sf := c.SocialFund; sf != nil {
			r.sfrKnown = !sf.Unknown
			for _, o := range []struct {
				to   *string
				from string
			}{{&r.sfr.surname, fold(sf.Surname)}, {&r.sfr.name, fold(sf.Name)}, {&r.sfr.patronymic, fold(sf.Patronymic)}, {&r.sfr.gender, sf.Gender}, {&r.sfr.birthDate, sf.BirthDate}} {
				if o.from != "" {
					*o.to = o.from
				}
			}
			if sf.BirthDate != "" && !isDate(sf.BirthDate) {
				return ix, fail("social_fund.birth_date must be YYYY-MM-DD")
			}
		}
		if c.SNILS != "" {
			r.snils = digits(c.SNILS)
			if len(r.snils) != 11 {
				return ix, fail("snils must have 11 digits")
			}
			if ix.bySNILS[r.snils] != nil {
				return ix, fail("snils %s is given twice", c.SNILS)
			}
			ix.bySNILS[r.snils] = r
		}
		if p := c.Passport; p != nil {
			if !seriesRE.MatchString(p.Series) || !numberRE.MatchString(p.Number) || !isDate(p.IssueDate) {
				return ix, fail("passport needs series (4 digits), number (6 digits) and issue_date (YYYY-MM-DD)")
			}
			switch p.Status {
			case "", "valid":
			case string(registry.ReasonLost), string(registry.ReasonExpired), string(registry.ReasonReplaced), string(registry.ReasonNotIssued):
				r.status = registry.InvalidReason(p.Status)
			default:
				return ix, fail("passport status %q is not valid, lost, expired, replaced or not_issued", p.Status)
			}
			r.passport, r.issued = p.Series+p.Number, p.IssueDate
			if ix.byPassport[r.passport] != nil {
				return ix, fail("passport %s %s is given twice", p.Series, p.Number)
			}
			ix.byPassport[r.passport] = r
		}
		if c.INN != "" {
			if !innRE.MatchString(c.INN) {
				return ix, fail("inn must have 12 digits")
			}
			r.inn = c.INN
		}
	}
	return ix, nil
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// digits keeps the digits of s: SNILS may be written "123-456-789 01".
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fold makes names comparable as registries compare them: case, ё/е,
// spaces and hyphen variants do not count.
func fold(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.NewReplacer("ё", "е", "‐", "-", "‑", "-", "–", "-", "—", "-", " - ", "-").Replace(s)
}

// errNoCitizens is returned when a data file lists no one.
var errNoCitizens = errors.New("registrysim: data file lists no citizens")
