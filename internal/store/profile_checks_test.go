package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/store"
)

// TestStuckChecks: the checks pending since before a moment are counted and
// listed oldest first with their attempts and last error; named checks are
// returned while pending, in the order named, and skipped once finished.
func TestStuckChecks(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := s.Profiles()
		if err := s.Accounts().CreateAccount(ctx, newAccount("acc", "+79161234567", "")); err != nil {
			t.Fatal(err)
		}
		born, _ := time.Parse(time.DateOnly, "1990-03-15")
		v := &profile.Verification{ID: "ver", AccountID: "acc", State: profile.Pending, SubmittedAt: t0,
			Data: profile.Data{Identity: person.Identity{Surname: "Иванов", Name: "Иван", BirthDate: born}, SNILS: "11223344595"}}
		for i, reg := range []registry.ID{registry.SFR, registry.MVD} {
			at := t0.Add(time.Duration(i) * time.Minute)
			v.Checks = append(v.Checks, profile.Check{ID: "c-" + string(reg), VerificationID: "ver", AccountID: "acc", Registry: reg, State: profile.Pending, CreatedAt: at, UpdatedAt: at})
		}
		if err := p.CreateVerification(ctx, v); err != nil {
			t.Fatal(err)
		}
		if _, err := p.NoteAttempt(ctx, "c-mvd", "mvd: 503 the registry is down", "", t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			before time.Time
			want   []string
		}{
			{t0, nil},
			{t0.Add(time.Second), []string{"c-sfr"}},
			{t0.Add(time.Hour), []string{"c-sfr", "c-mvd"}},
		}
		for _, tt := range tests {
			n, err := p.CountStuckChecks(ctx, tt.before)
			if err != nil || n != len(tt.want) {
				t.Errorf("CountStuckChecks(%v) = %d, %v; want %d", tt.before, n, err, len(tt.want))
			}
			got, err := p.StuckChecks(ctx, tt.before, 10)
			if err != nil || !slices.Equal(checkIDs(got), tt.want) {
				t.Errorf("StuckChecks(%v) = %v, %v; want %v", tt.before, checkIDs(got), err, tt.want)
			}
		}
		got, _ := p.StuckChecks(ctx, t0.Add(time.Hour), 1)
		if len(got) != 1 || got[0].VerificationID != "ver" || got[0].AccountID != "acc" || got[0].Registry != registry.SFR || !got[0].CreatedAt.Equal(t0) {
			t.Errorf("StuckChecks limited to 1 = %+v", got)
		}
		mvd, err := p.PendingChecks(ctx, []string{"c-mvd", "nope", "c-sfr"})
		if err != nil || !slices.Equal(checkIDs(mvd), []string{"c-mvd", "c-sfr"}) {
			t.Fatalf("PendingChecks = %v, %v", checkIDs(mvd), err)
		}
		if c := mvd[0]; c.Attempts != 1 || c.LastError != "mvd: 503 the registry is down" || c.Registry != registry.MVD {
			t.Errorf("pending mvd check = %+v", c)
		}
		if ok, err := p.FinishCheck(ctx, &profile.Check{ID: "c-sfr", State: profile.Passed, UpdatedAt: t0.Add(3 * time.Minute)}); !ok || err != nil {
			t.Fatalf("FinishCheck = %v, %v", ok, err)
		}
		if got, err := p.PendingChecks(ctx, []string{"c-sfr", "c-mvd"}); err != nil || !slices.Equal(checkIDs(got), []string{"c-mvd"}) {
			t.Errorf("PendingChecks after the SFR check passed = %v, %v", checkIDs(got), err)
		}
		if n, err := p.CountStuckChecks(ctx, t0.Add(time.Hour)); n != 1 || err != nil {
			t.Errorf("CountStuckChecks after the SFR check passed = %d, %v", n, err)
		}
	})
}

func checkIDs(cs []store.StuckCheck) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestLastCheckSeesTheOthers: when two runs record checks of one
// verification in transactions that overlap, each first taking the
// verification's lock (LockVerification, as profile's record does), the
// later one's read after FinishCheck sees the earlier one's answer, so that
// one of them finishes the verification. Under PostgreSQL's read committed,
// without the lock, each would see the other pending.
func TestLastCheckSeesTheOthers(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := s.Profiles()
		if err := s.Accounts().CreateAccount(ctx, newAccount("acc", "+79161234567", "")); err != nil {
			t.Fatal(err)
		}
		born, _ := time.Parse(time.DateOnly, "1990-03-15")
		v := &profile.Verification{ID: "ver", AccountID: "acc", State: profile.Pending, SubmittedAt: t0,
			Data:   profile.Data{Identity: person.Identity{Surname: "Иванов", Name: "Иван", BirthDate: born}, SNILS: "11223344595"},
			Checks: []profile.Check{{ID: "c1", Registry: registry.SFR, State: profile.Pending, CreatedAt: t0}, {ID: "c2", Registry: registry.MVD, State: profile.Pending, CreatedAt: t0}}}
		for i := range v.Checks {
			v.Checks[i].VerificationID, v.Checks[i].AccountID, v.Checks[i].UpdatedAt = "ver", "acc", t0
		}
		if err := p.CreateVerification(ctx, v); err != nil {
			t.Fatal(err)
		}
		finish := func(ctx context.Context, id string) (pending int, err error) {
			if err := p.LockVerification(ctx, "ver"); err != nil {
				return 0, err
			}
			if ok, err := p.FinishCheck(ctx, &profile.Check{ID: id, State: profile.Passed, UpdatedAt: t0}); !ok || err != nil {
				return 0, fmt.Errorf("FinishCheck(%s) = %v, %v", id, ok, err)
			}
			fresh, err := p.Verification(ctx, "ver")
			if err != nil {
				return 0, err
			}
			for _, c := range fresh.Checks {
				if c.State == profile.Pending {
					pending++
				}
			}
			return pending, nil
		}
		second := make(chan int, 1)
		err := s.Transact(ctx, func(ctx context.Context) error {
			first, err := finish(ctx, "c1")
			if err != nil || first != 1 {
				return fmt.Errorf("the first check sees %d pending, %v; want 1", first, err)
			}
			go func() {
				n := -1
				err := s.Transact(context.Background(), func(ctx context.Context) error {
					var err error
					n, err = finish(ctx, "c2")
					return err
				})
				if err != nil {
					t.Error(err)
				}
				second <- n
			}()
			time.Sleep(200 * time.Millisecond) // the second runs as far as it can
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := <-second; n != 0 {
			t.Errorf("the second check, finished while the first's transaction was open, sees %d checks pending; want 0", n)
		}
	})
}
