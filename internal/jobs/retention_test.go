package jobs_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/jobs"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
)

// sweeps records the cut-offs the sweep asked for and passes the calls on
// to the store.
type sweeps struct {
	*store.Retention
	mu      sync.Mutex
	got     map[string]time.Time
	batches map[string]int
	done    chan struct{}
}

func (s *sweeps) note(name string, t time.Time, batch int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got[name], s.batches[name] = t, batch
}

func (s *sweeps) DeleteFlowsEndedBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	s.note("flows", before, batch)
	return s.Retention.DeleteFlowsEndedBefore(ctx, before, batch)
}

func (s *sweeps) DeleteSessionsEndedBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	s.note("sessions", before, batch)
	return s.Retention.DeleteSessionsEndedBefore(ctx, before, batch)
}

func (s *sweeps) DeleteSignInsBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	s.note("sign_ins", before, batch)
	return s.Retention.DeleteSignInsBefore(ctx, before, batch)
}

func (s *sweeps) DeleteNotificationsCreatedBefore(ctx context.Context, before time.Time, batch int) (int64, error) {
	s.note("notifications", before, batch)
	return s.Retention.DeleteNotificationsCreatedBefore(ctx, before, batch)
}

func (s *sweeps) DeleteRateLimitsPastHorizon(ctx context.Context, now time.Time, batch int) (int64, error) {
	s.note("throttles", now, batch)
	n, err := s.Retention.DeleteRateLimitsPastHorizon(ctx, now, batch)
	close(s.done) // the last sweep of the job
	return n, err
}

// TestRetentionRunsThroughRiver: the sweep registered by jobs.Retention is
// inserted by the leader when the runner starts, worked through River, and
// takes "now" from the injected clock, not the machine's.
func TestRetentionRunsThroughRiver(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, db := open(t, "")
		testRetention(t, st, db)
	})
	t.Run("postgres", func(t *testing.T) {
		st, db := open(t, testenv.NewPostgresDatabase(t))
		testRetention(t, st, db)
	})
}

func testRetention(t *testing.T, st *store.Store, db *sql.DB) {
	ctx := context.Background()
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC) // years after the machine's clock
	const day = 24 * time.Hour
	p := jobs.RetentionPolicy{Flows: day, Sessions: 90 * day, SignIns: 180 * day, Notifications: 30 * day, Batch: 7}
	// A sign-in older than its period under the injected clock, and one
	// within it; under the machine's clock both would be kept.
	if err := st.Accounts().CreateAccount(ctx, newAccount("acc", now)); err != nil {
		t.Fatal(err)
	}
	for id, at := range map[string]time.Time{"old": now.Add(-181 * day), "new": now.Add(-179 * day)} {
		if err := st.Sessions().RecordSignIn(ctx, &session.SignIn{ID: id, AccountID: "acc", At: at, IP: "10.0.0.1", UserAgent: "x", Method: "password", Outcome: "success"}); err != nil {
			t.Fatal(err)
		}
	}

	sw := &sweeps{Retention: st.Retention(), got: map[string]time.Time{}, batches: map[string]int{}, done: make(chan struct{})}
	r, err := jobs.New(jobs.Config{Engine: engine(st), DB: db, Tx: store.Tx, Poll: 50 * time.Millisecond},
		jobs.Retention(sw, p, func() time.Time { return now }, nil))
	if err != nil {
		t.Fatal(err)
	}
	start(t, ctx, r)
	select {
	case <-sw.done:
	case <-time.After(30 * time.Second): // leader election takes a few seconds; a bound, not a wait
		t.Fatal("the retention sweep did not run")
	}
	sw.mu.Lock()
	defer sw.mu.Unlock()
	want := map[string]time.Time{"flows": now.Add(-day), "sessions": now.Add(-90 * day), "sign_ins": now.Add(-180 * day),
		"notifications": now.Add(-30 * day), "throttles": now}
	for name, w := range want {
		if got := sw.got[name]; !got.Equal(w) || sw.batches[name] != 7 {
			t.Errorf("%s swept with %v (batch %d), want %v (batch 7)", name, got, sw.batches[name], w)
		}
	}
	list, err := st.Sessions().ListSignIns(ctx, "acc", 10)
	if err != nil || len(list) != 1 || list[0].ID != "new" {
		t.Errorf("sign-ins left: %+v %v", list, err)
	}
}

func newAccount(id string, at time.Time) *account.Account {
	return &account.Account{ID: id, Level: account.Simplified, Status: account.Active, Surname: "Иванов", Name: "Иван",
		Phone: contact.Phone("+79161234567"), PasswordHash: "$argon2id$x", PasswordChangedAt: at, Lang: "ru", CreatedAt: at, UpdatedAt: at}
}
