package jobs_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/jobs"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
)

type noChecks struct{}

func (noChecks) RunVerification(context.Context, string) (time.Duration, error) { return 0, nil }

// TestVerificationJobs: the verifications whose job will still run are
// listed with its state, on both engines, in a transaction or not; a
// finished or discarded job is not (its verification, if still pending,
// lost its job).
func TestVerificationJobs(t *testing.T) {
	for _, tt := range []struct {
		name string
		url  func(testing.TB) string
	}{
		{"sqlite", func(testing.TB) string { return "" }},
		{"postgres", testenv.NewPostgresDatabase},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, db := open(t, tt.url(t))
			ctx := context.Background()
			r, err := jobs.New(jobs.Config{Engine: engine(st), DB: db, Tx: store.Tx}, jobs.Verification(noChecks{}, 1, nil))
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"live", "snoozed", "discarded", "done"} {
				if err := r.EnqueueVerification(ctx, id); err != nil {
					t.Fatal(err)
				}
			}
			arg := `json_extract(args, '$.verification_id')`
			if st.Dialect() == store.Postgres {
				arg = `args->>'verification_id'`
			}
			for id, state := range map[string]string{"snoozed": "scheduled", "discarded": "discarded", "done": "completed"} {
				finalized := "NULL"
				if state != "scheduled" {
					finalized = "scheduled_at"
				}
				q := `UPDATE river_job SET state = '` + state + `', finalized_at = ` + finalized + ` WHERE kind = 'verification.run' AND ` + arg + ` = '` + id + `'`
				if res, err := db.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				} else if n, _ := res.RowsAffected(); n != 1 {
					t.Fatalf("%s: %d jobs updated", id, n)
				}
			}
			want := map[string]string{"live": "available", "snoozed": "scheduled"}
			got, err := r.VerificationJobs(ctx)
			if err != nil || !maps.Equal(got, want) {
				t.Errorf("VerificationJobs = %v, %v; want %v", got, err, want)
			}
			err = st.Transact(ctx, func(ctx context.Context) error {
				got, err = r.VerificationJobs(ctx)
				return err
			})
			if err != nil || !maps.Equal(got, want) {
				t.Errorf("VerificationJobs in a transaction = %v, %v; want %v", got, err, want)
			}
		})
	}
}
