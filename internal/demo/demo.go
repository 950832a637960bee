// Package demo fills a new demo deployment with data a newcomer can try at
// once: a simplified citizen account with a known phone and password, a
// standard one whose personal data is verified (it signs in by SNILS too),
// and a confirmed one, confirmed in person at the Kaluga MFC.
// It runs only in demo mode (KABINET_ENV=development) and never overwrites
// anything.
//
// It also adds the service centers the seeds name (SeedCenters, centers.go),
// the demo staff (SeedStaff) and a standard citizen whose registered letter
// with a code is on its way (SeedLetter, letter.go).
//
// demo imports account, address, audit, centers, contact, desk, document,
// letter, otp, password, person, profile, staff and problem.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/desk"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/staff"
)

// The demo citizens' credentials, shown in the log and on the demo banner:
// a simplified account, and a standard one that also signs in with its
// SNILS. Both have the same password.
const (
	Phone         = "+79000000001"
	Password      = "Demo-Kabinet-2026"
	StandardPhone = "+79000000002"
	StandardSNILS = document.SNILS("15748293607")
	// ConfirmedPhone is the confirmed demo citizen's: identity confirmed
	// in person at the Kaluga MFC, so the demo has a citizen at each level.
	ConfirmedPhone = "+79000000003"
	ConfirmedSNILS = document.SNILS("16350428752")
)

// Confirmed is the confirmed demo citizen's verified personal data; like
// Standard's, nobody in the registry simulator's file has it.
func Confirmed() profile.Data {
	return profile.Data{
		Identity: person.Identity{Surname: "Соколов", Name: "Дмитрий", Patronymic: "Игоревич", Gender: person.Male,
			BirthDate: time.Date(1979, 3, 14, 0, 0, 0, 0, time.UTC), BirthPlace: "г. Калуга", Citizenship: person.Russia},
		Passport: document.Passport{Series: "2904", Number: "318265", IssueDate: time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC),
			IssuedBy: "УМВД России по Калужской области", DivisionCode: "400-001"},
		SNILS: ConfirmedSNILS,
	}
}

// Standard is the standard demo citizen's verified personal data. Nobody
// in the registry simulator's file has this SNILS or passport, so a
// newcomer typing one of the simulator's people never collides with it.
func Standard() profile.Data {
	return profile.Data{
		Identity: person.Identity{Surname: "Петрова", Name: "Светлана", Patronymic: "Андреевна", Gender: person.Female,
			BirthDate: time.Date(1987, 9, 23, 0, 0, 0, 0, time.UTC), BirthPlace: "г. Калуга", Citizenship: person.Russia},
		Passport: document.Passport{Series: "2909", Number: "512874", IssueDate: time.Date(2007, 10, 12, 0, 0, 0, 0, time.UTC),
			IssuedBy: "ОВД Ленинского округа г. Калуги", DivisionCode: "402-001"},
		SNILS: StandardSNILS,
	}
}

// Store is what seeding needs.
type Store interface {
	AccountByPhone(ctx context.Context, p contact.Phone) (*account.Account, error)
	CreateAccount(ctx context.Context, a *account.Account) error
	SaveVerified(ctx context.Context, accountID string, d profile.Data, at time.Time) error
	SaveConfirmation(ctx context.Context, c *desk.Confirmation) error
}

// Seed creates the demo citizens whose phones are not registered yet. It
// reports whether it created any.
func Seed(ctx context.Context, st Store, h *password.Hasher, now time.Time, newID func() (string, error)) (bool, error) {
	created := false
	for _, c := range []struct {
		phone   contact.Phone
		level   account.Level
		surname string
		name    string
	}{
		{Phone, account.Simplified, "Демонстрационная", "Анна"},
		{StandardPhone, account.Standard, Standard().Identity.Surname, Standard().Identity.Name},
		{ConfirmedPhone, account.Confirmed, Confirmed().Identity.Surname, Confirmed().Identity.Name},
	} {
		if _, err := st.AccountByPhone(ctx, c.phone); err == nil {
			continue
		} else if problem.KindOf(err) != problem.NotFound {
			return created, err
		}
		hash, err := h.Hash(ctx, Password)
		if err != nil {
			return created, err
		}
		id, err := newID()
		if err != nil {
			return created, err
		}
		a := &account.Account{ID: id, Level: c.level, Status: account.Active, Surname: c.surname, Name: c.name,
			Phone: c.phone, PasswordHash: hash, PasswordChangedAt: now, Lang: "ru", CreatedAt: now, UpdatedAt: now}
		if err := st.CreateAccount(ctx, a); err != nil {
			if problem.KindOf(err) == problem.Conflict {
				continue // another node seeded it a moment ago
			}
			return created, fmt.Errorf("demo: seed: %w", err)
		}
		switch c.level {
		case account.Standard:
			if err := st.SaveVerified(ctx, id, Standard(), now); err != nil {
				return created, fmt.Errorf("demo: seed personal data: %w", err)
			}
		case account.Confirmed:
			if err := st.SaveVerified(ctx, id, Confirmed(), now); err != nil {
				return created, fmt.Errorf("demo: seed personal data: %w", err)
			}
			// Confirmed at the demo operator's center, by the seed.
			if err := st.SaveConfirmation(ctx, &desk.Confirmation{AccountID: id, Method: desk.MethodInPerson, CenterID: CenterKalugaMFC,
				StaffID: "demo-seed", At: now}); err != nil {
				return created, fmt.Errorf("demo: seed confirmation: %w", err)
			}
		}
		created = true
	}
	return created, nil
}

// The demo staff: an administrator, an operator of the Kaluga region's
// MFC, a post operator who prints the letters with codes and a catalog
// editor, all with the citizens' password and an authenticator already
// enrolled with a secret the demo banner shows (with its current code), so
// a newcomer signs in to /staff without a phone.
var Staff = []StaffMember{
	{Login: "admin", Name: "Администратор Демонстрационный", Role: staff.RoleAdministrator, Secret: "DEMOADMINKABINETKALUGAMFCADMINAA"},
	{Login: "operator", Name: "Оператор МФЦ Калуги", Role: staff.RoleOperator, Secret: "DEMOOPERATORKABINETKALUGAMFCOPER", Center: CenterKalugaMFC},
	{Login: "post", Name: "Оператор печати писем", Role: staff.RolePostOperator, Secret: "DEMOPOSTKABINETLETTERSPRINTOPERA"},
	{Login: "editor", Name: "Редактор каталога услуг", Role: staff.RoleCatalogEditor, Secret: "DEMOEDITORKABINETCATALOGSERVICES"},
}

// CenterKalugaMFC is the directory's ID of the Kaluga region MFC's main
// office (ул. Хрустальная, 34а), where the demo operator works.
const CenterKalugaMFC = "kaluga-mfc"

// StaffMember is one demo staff member.
type StaffMember struct {
	Login, Name, Role, Secret, Center string
}

// StaffSeeder creates staff members (staff.Service.Bootstrap).
type StaffSeeder interface {
	Bootstrap(ctx context.Context, nm staff.NewMember, pw, secret string, exists staff.CenterCheck) (*staff.Member, string, error)
	LoginTaken(ctx context.Context, login string) (bool, error)
}

// SeedStaff creates the demo staff whose logins are free. It reports
// whether it created any.
func SeedStaff(ctx context.Context, s StaffSeeder, exists staff.CenterCheck) (bool, error) {
	created := false
	for _, m := range Staff {
		if taken, err := s.LoginTaken(ctx, m.Login); err != nil || taken {
			if err != nil {
				return created, err
			}
			continue
		}
		nm := staff.NewMember{Login: m.Login, Name: m.Name, Roles: []string{m.Role}}
		if m.Center != "" {
			nm.Centers = []string{m.Center}
		}
		_, _, err := s.Bootstrap(ctx, nm, Password, m.Secret, exists)
		if err != nil {
			if pe, ok := problem.As(err); ok {
				if msg, taken := pe.Field("login"); taken && msg.ID == "staff.login_taken" {
					continue
				}
			}
			return created, fmt.Errorf("demo: seed staff: %w", err)
		}
		created = true
	}
	return created, nil
}
