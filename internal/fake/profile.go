package fake

import (
	"context"
	"slices"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
)

// Personal data (profile.Store).

type verifiedData struct {
	d  profile.Data
	at time.Time
}

func copyVerification(v profile.Verification) *profile.Verification {
	v.Checks = append([]profile.Check(nil), v.Checks...)
	for i := range v.Checks {
		v.Checks[i].Fields = slices.Clone(v.Checks[i].Fields)
	}
	return &v
}

// PersonalData returns the account's verified data and latest verification.
func (s *Store) PersonalData(ctx context.Context, accountID string) (*profile.Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := &profile.Record{AccountID: accountID}
	if v, ok := s.st.verified[accountID]; ok {
		d := v.d
		rec.Verified, rec.VerifiedAt = &d, v.at
	}
	for _, v := range s.st.vers {
		if v.AccountID == accountID && (rec.Latest == nil || rec.Latest.State != profile.Pending && (v.State == profile.Pending ||
			v.SubmittedAt.After(rec.Latest.SubmittedAt) || v.SubmittedAt.Equal(rec.Latest.SubmittedAt) && v.ID > rec.Latest.ID)) {
			rec.Latest = copyVerification(v)
		}
	}
	return rec, nil
}

// CreateVerification stores a verification with its checks.
func (s *Store) CreateVerification(ctx context.Context, v *profile.Verification) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v.State == profile.Pending {
		for _, o := range s.st.vers {
			if o.AccountID == v.AccountID && o.State == profile.Pending {
				return problem.New(problem.Conflict, "verification.in_progress") // the unique index
			}
		}
	}
	s.st.vers[v.ID] = *copyVerification(*v)
	return nil
}

// SupersedePending marks the account's pending verification superseded.
func (s *Store) SupersedePending(ctx context.Context, accountID string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, v := range s.st.vers {
		if v.AccountID != accountID || v.State != profile.Pending {
			continue
		}
		v.State, v.FinishedAt = profile.Superseded, at
		v.Checks = append([]profile.Check(nil), v.Checks...)
		for i := range v.Checks {
			if v.Checks[i].State == profile.Pending {
				v.Checks[i].State, v.Checks[i].UpdatedAt = profile.Superseded, at
			}
		}
		s.st.vers[id] = v
	}
	return nil
}

func (s *Store) checkAt(checkID string) (string, int) {
	for id, v := range s.st.vers {
		for i, c := range v.Checks {
			if c.ID == checkID {
				return id, i
			}
		}
	}
	return "", -1
}

// Verification returns a verification with its checks.
func (s *Store) Verification(ctx context.Context, id string) (*profile.Verification, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.st.vers[id]
	if !ok {
		return nil, problem.New(problem.NotFound, "verification.not_found")
	}
	return copyVerification(v), nil
}

// LockVerification does nothing: the fake's transactions are sequential.
func (s *Store) LockVerification(ctx context.Context, id string) error { return nil }

// updateCheck changes a pending check; false when it is not pending.
func (s *Store) updateCheck(checkID string, change func(c *profile.Check)) (*profile.Check, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, i := s.checkAt(checkID)
	if id == "" || s.st.vers[id].Checks[i].State != profile.Pending {
		return nil, false
	}
	v := *copyVerification(s.st.vers[id])
	change(&v.Checks[i])
	s.st.vers[id] = v
	return &v.Checks[i], true
}

// NoteAttempt counts a pending check's failed attempt.
func (s *Store) NoteAttempt(ctx context.Context, checkID, lastError, ref string, at time.Time) (int, error) {
	c, ok := s.updateCheck(checkID, func(c *profile.Check) { c.Attempts++; c.LastError, c.Ref, c.UpdatedAt = lastError, ref, at })
	if !ok {
		return 0, nil
	}
	return c.Attempts, nil
}

// FinishCheck records a pending check's outcome.
func (s *Store) FinishCheck(ctx context.Context, c *profile.Check) (bool, error) {
	_, ok := s.updateCheck(c.ID, func(o *profile.Check) {
		o.State, o.Reason, o.Fields, o.LastError, o.UpdatedAt, o.Ref = c.State, c.Reason, slices.Clone(c.Fields), c.LastError, c.UpdatedAt, ""
		o.Attempts++
	})
	return ok, nil
}

// FinishVerification moves a pending verification to state.
func (s *Store) FinishVerification(ctx context.Context, id string, state profile.State, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.st.vers[id]
	if !ok || v.State != profile.Pending {
		return false, nil
	}
	v.State, v.FinishedAt = state, at
	s.st.vers[id] = v
	return true, nil
}

// SaveVerified makes d the account's verified data; Conflict when another
// account has the SNILS.
func (s *Store) SaveVerified(ctx context.Context, accountID string, d profile.Data, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, v := range s.st.verified {
		if id != accountID && v.d.SNILS == d.SNILS {
			return problem.New(problem.Conflict, "verification.snils_taken")
		}
	}
	s.st.verified[accountID] = verifiedData{d: d, at: at}
	return nil
}

// SNILSHolder returns the account whose verified data holds the SNILS.
func (s *Store) SNILSHolder(ctx context.Context, snils document.SNILS) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, v := range s.st.verified {
		if v.d.SNILS == snils {
			return id, nil
		}
	}
	return "", nil
}

// RaiseLevel raises an active account's level when it is lower.
func (s *Store) RaiseLevel(ctx context.Context, id string, level account.Level, at time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.accounts[id]
	if !ok || a.Status != account.Active || a.Level.Rank() >= level.Rank() {
		return false, nil
	}
	a.Level, a.UpdatedAt = level, at
	s.st.accounts[id] = a
	return true, nil
}

var _ profile.Store = (*Store)(nil)

func (s *Store) accountBySNILS(ctx context.Context, snils document.SNILS) (*account.Account, error) {
	id, _ := s.SNILSHolder(ctx, snils)
	if id == "" {
		return nil, problem.New(problem.NotFound, "account.not_found")
	}
	return s.AccountByID(ctx, id)
}

// SetNames replaces an account's surname and name.
func (s *Store) SetNames(ctx context.Context, id, surname, name string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.st.accounts[id]
	if !ok {
		return problem.New(problem.NotFound, "account.not_found")
	}
	a.Surname, a.Name, a.UpdatedAt = surname, name, at
	s.st.accounts[id] = a
	return nil
}
