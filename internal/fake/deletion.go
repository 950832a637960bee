package fake

import (
	"context"
	"sort"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/problem"
)

// Account deletion (internal/deletion's Store).

// ScheduleDeletion sets when an active account is erased.
func (s *Store) ScheduleDeletion(ctx context.Context, id string, effective, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.accounts[id]
	if !ok || a.Status != account.Active {
		return problem.New(problem.NotFound, "account.not_found")
	}
	a.DeletionEffectiveAt, a.UpdatedAt = effective, at
	s.st.accounts[id] = a
	return nil
}

// CancelDeletion forgets a pending deletion; false when none was.
func (s *Store) CancelDeletion(ctx context.Context, id string, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.accounts[id]
	if !ok || a.DeletionEffectiveAt.IsZero() {
		return false, nil
	}
	a.DeletionEffectiveAt, a.UpdatedAt = time.Time{}, at
	s.st.accounts[id] = a
	return true, nil
}

// AccountsDueForErasure lists the accounts whose deletion is due at now.
func (s *Store) AccountsDueForErasure(ctx context.Context, now time.Time, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, a := range s.st.accounts {
		if !a.DeletionEffectiveAt.IsZero() && !a.DeletionEffectiveAt.After(now) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	if len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

// EraseAccount clears a due account's personal data and marks it deleted,
// and deletes its flows.
func (s *Store) EraseAccount(ctx context.Context, id string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.accounts[id]
	if !ok || a.DeletionEffectiveAt.IsZero() || a.DeletionEffectiveAt.After(now) {
		return problem.New(problem.NotFound, "account.not_found")
	}
	s.st.accounts[id] = account.Account{ID: id, Level: a.Level, Status: account.Deleted, Lang: a.Lang, CreatedAt: a.CreatedAt, UpdatedAt: now}
	for fid, f := range s.st.flows {
		if f.f.AccountID == id {
			delete(s.st.flows, fid)
		}
	}
	return nil
}
