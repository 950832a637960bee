package demo_test

import (
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/profile"

	. "github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/password"
)

// The demo password must pass the rules it shows to newcomers.
func TestDemoPasswordPassesTheRules(t *testing.T) {
	if err := password.Validate(Password, Password, "Анна", "Демонстрационная", Phone); err != nil {
		t.Fatalf("demo password refused by the password rules: %v", err)
	}
}

// The standard demo citizen's data passes the form's own rules, and its
// SNILS is written as a SNILS login reads it.
func TestStandardCitizenIsWellFormed(t *testing.T) {
	for _, c := range []struct {
		name  string
		d     profile.Data
		snils document.SNILS
	}{{"standard", Standard(), StandardSNILS}, {"confirmed", Confirmed(), ConfirmedSNILS}} {
		t.Run(c.name, func(t *testing.T) { wellFormed(t, c.d, c.snils) })
	}
}

func wellFormed(t *testing.T, d profile.Data, snils document.SNILS) {
	in := profile.Input{
		IdentityInput: person.IdentityInput{Surname: d.Identity.Surname, Name: d.Identity.Name, Patronymic: d.Identity.Patronymic,
			Gender: string(d.Identity.Gender), BirthDate: d.Identity.BirthDate.Format("2006-01-02"), BirthPlace: d.Identity.BirthPlace,
			Citizenship: d.Identity.Citizenship},
		Passport: document.PassportInput{Series: d.Passport.Series, Number: d.Passport.Number, IssueDate: d.Passport.IssueDate.Format("2006-01-02"),
			IssuedBy: d.Passport.IssuedBy, DivisionCode: d.Passport.DivisionCode},
		SNILS: snils.String(),
	}
	got, _, err := profile.Normalize(in, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || !profile.Equal(got, d) {
		t.Fatalf("Normalize = %+v, %v", got, err)
	}
	if l, err := contact.ParseLogin(snils.String()); err != nil || l.Kind != contact.LoginSNILS || l.SNILS != snils {
		t.Errorf("SNILS login %+v, %v", l, err)
	}
}
