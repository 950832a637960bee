package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/store"
)

// TestAfterCommit: a function given to AfterCommit inside a transaction
// runs once, after the commit, when the rows are visible outside it; never
// on a rollback; at once without a transaction. A nested Transact hands its
// functions to the outer one.
func TestAfterCommit(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ran := 0
		err := s.Transact(ctx, func(ctx context.Context) error {
			if err := s.Accounts().CreateAccount(ctx, newAccount("ac1", "+79160000011", "")); err != nil {
				return err
			}
			return s.Transact(ctx, func(ctx context.Context) error {
				s.AfterCommit(ctx, func() {
					ran++
					// Outside the transaction the account is visible.
					if _, err := s.Accounts().AccountByID(context.Background(), "ac1"); err != nil {
						t.Errorf("after commit, the account is not visible: %v", err)
					}
				})
				if ran != 0 {
					t.Error("AfterCommit ran inside the transaction")
				}
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if ran != 1 {
			t.Errorf("after commit: ran %d times, want 1", ran)
		}

		boom := errors.New("boom")
		err = s.Transact(ctx, func(ctx context.Context) error {
			if err := s.Accounts().CreateAccount(ctx, newAccount("ac2", "+79160000012", "")); err != nil {
				return err
			}
			s.AfterCommit(ctx, func() { t.Error("AfterCommit ran after a rollback") })
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transact = %v", err)
		}
		if _, err := s.Accounts().AccountByID(ctx, "ac2"); problem.KindOf(err) != problem.NotFound {
			t.Errorf("rolled back account: %v", err)
		}

		now := false
		s.AfterCommit(ctx, func() { now = true })
		if !now {
			t.Error("without a transaction, AfterCommit did not run at once")
		}
	})
}
