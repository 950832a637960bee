package store_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/store"
)

// TestEndedSessionIsNotCachedAgain is the race of decision record 5 made
// deterministic: a transaction ends a session (as password recovery does)
// and, before it commits, a request from that session's browser arrives. It
// sees the committed rows, where the session is still active, so it gets
// in — and must not leave them in the cache: after the commit the session
// is refused at once, though the cache keeps entries for a minute.
func TestEndedSessionIsNotCachedAgain(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Accounts().CreateAccount(ctx, newAccount("acc", "+79161234567", "")); err != nil {
			t.Fatal(err)
		}
		svc := session.NewService(s.Sessions(), func() time.Time { return t0 }, rand.Reader, 12*time.Hour, 30*time.Minute)
		svc.CacheFor(time.Minute, 100)
		token, _, err := svc.Issue(ctx, "acc", "password", session.Client{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Authenticate(ctx, token); err != nil {
			t.Fatal(err)
		}
		err = s.Transact(ctx, func(ctx context.Context) error {
			if _, err := svc.EndOthers(ctx, "acc", "", session.EndedRecovery); err != nil {
				return err
			}
			// Between the drop and the commit: a request outside the
			// transaction.
			if _, _, err := svc.Authenticate(context.Background(), token); err != nil {
				t.Errorf("before the commit, the session is still active for others: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.Authenticate(ctx, token)
		if p, ok := problem.As(err); !ok || p.Kind != problem.Unauthorized || p.Message.ID != session.MsgEndedPassword {
			t.Errorf("after the commit: %v, want Unauthorized %s", err, session.MsgEndedPassword)
		}
	})
}
