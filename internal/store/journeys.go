package store

import (
	"context"

	"github.com/kabinet/kabinet/internal/credential"
	"github.com/kabinet/kabinet/internal/deletion"
	"github.com/kabinet/kabinet/internal/recovery"
	"github.com/kabinet/kabinet/internal/registration"
	"github.com/kabinet/kabinet/internal/signin"
)

// Journeys is the storage of a citizen's journey through registration,
// sign-in or recovery: the accounts, the flows that carry the journey and
// the audit log, whose calls made with the context Transact passes commit
// together. Each of those services' Store interfaces is a part of it.
type Journeys struct {
	transactions
	*Accounts
	*Flows
	*AuditLog
}

// Journeys returns the repository of registration, sign-in and recovery.
func (s *Store) Journeys() *Journeys {
	return &Journeys{transactions: transactions{st: s}, Accounts: s.Accounts(), Flows: s.Flows(), AuditLog: s.AuditLog()}
}

var (
	_ registration.Store = (*Journeys)(nil)
	_ signin.Store       = (*Journeys)(nil)
	_ recovery.Store     = (*Journeys)(nil)
	_ credential.Store   = (*Journeys)(nil)
	_ deletion.Store     = (*Journeys)(nil)
)

// transactions gives a repository the store's Transact.
type transactions struct{ st *Store }

// Transact is Store.Transact: calls made on any repository with the
// context fn receives join one transaction.
func (t transactions) Transact(ctx context.Context, fn func(ctx context.Context) error) error {
	return t.st.Transact(ctx, fn)
}
