// Package account owns the citizen's account: its identity, contacts,
// password hash and level of trust (simplified, standard, confirmed), and the
// rules that tie levels to what an account may do.
//
// account imports contact and problem; it knows nothing of HTTP or SQL.
package account

import (
	"time"

	"github.com/kabinet/kabinet/internal/contact"
)

// Level is how far the account's owner has proven who they are.
type Level string

const (
	// Simplified: surname, name, a confirmed phone or e-mail, a password.
	Simplified Level = "simplified"
	// Standard: personal data verified against the Pension Fund and the
	// Ministry of Internal Affairs.
	Standard Level = "standard"
	// Confirmed: identity confirmed in person, by a mailed code or by a
	// qualified electronic signature.
	Confirmed Level = "confirmed"
)

// Rank orders levels: an account meets a requirement when its rank is at
// least the required one.
func (l Level) Rank() int {
	switch l {
	case Simplified:
		return 1
	case Standard:
		return 2
	case Confirmed:
		return 3
	}
	return 0
}

// Meets reports whether an account at level l may use something that
// requires level need.
func (l Level) Meets(need Level) bool { return l.Rank() >= need.Rank() }

// Status says whether the account can be used.
type Status string

const (
	Active  Status = "active"
	Blocked Status = "blocked"
	// Deleted: erased at its owner's request once the grace period ended;
	// only the ID is left.
	Deleted Status = "deleted"
)

// Account is one person's single account.
type Account struct {
	ID                string
	Level             Level
	Status            Status
	Surname           string
	Name              string
	Phone             contact.Phone // empty when the account has no phone
	Email             contact.Email // empty when the account has no e-mail
	PasswordHash      string
	PasswordChangedAt time.Time
	Lang              string // the language notifications are sent in
	// DeletionEffectiveAt is when the account is erased at its owner's
	// request; zero when no deletion is pending.
	DeletionEffectiveAt time.Time
	// Region is the region the citizen chose («Выбрать регион»), its
	// code ("" until chosen), and Locality the town they chose it by.
	Region    string
	Locality  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DisplayName is the name shown in the page header: "Иван Иванов".
func (a *Account) DisplayName() string { return a.Name + " " + a.Surname }

// CodeChannel says where one-time codes for this account go: the phone when
// it has one, the e-mail otherwise.
func (a *Account) CodeChannel() (contact.Channel, string) {
	if a.Phone != "" {
		return contact.ChannelSMS, string(a.Phone)
	}
	return contact.ChannelEmail, string(a.Email)
}
