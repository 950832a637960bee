// Package demo fills a new demo deployment with data a newcomer can try at
// once: a citizen account with a known phone and password. It runs only in
// demo mode (KABINET_ENV=development) and never overwrites anything.
//
// demo imports account, contact, password and problem.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/problem"
)

// The demo citizen's credentials, shown in the log and on the demo banner.
const (
	Phone    = "+79000000001"
	Password = "Demo-Kabinet-2026"
)

// Store is what seeding needs.
type Store interface {
	AccountByPhone(ctx context.Context, p contact.Phone) (*account.Account, error)
	CreateAccount(ctx context.Context, a *account.Account) error
}

// Seed creates the demo citizen unless the phone is already registered. It
// reports whether it created anything.
func Seed(ctx context.Context, st Store, h *password.Hasher, now time.Time, newID func() (string, error)) (bool, error) {
	if _, err := st.AccountByPhone(ctx, Phone); err == nil {
		return false, nil
	} else if problem.KindOf(err) != problem.NotFound {
		return false, err
	}
	hash, err := h.Hash(ctx, Password)
	if err != nil {
		return false, err
	}
	id, err := newID()
	if err != nil {
		return false, err
	}
	a := &account.Account{ID: id, Level: account.Simplified, Status: account.Active, Surname: "Демонстрационная", Name: "Анна",
		Phone: Phone, PasswordHash: hash, PasswordChangedAt: now, Lang: "ru", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateAccount(ctx, a); err != nil {
		if problem.KindOf(err) == problem.Conflict {
			return false, nil // another node seeded it a moment ago
		}
		return false, fmt.Errorf("demo: seed: %w", err)
	}
	return true, nil
}
