package jobs_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/contactchange"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/jobs"
	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/sso"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
)

// TestSweepDeletesByAge: what an operator's retention settings delete, as
// of the given now, on both engines: each kind's rows older than its
// period go and younger ones stay; a period of zero keeps its kind however
// old; throttle rows go past store.ThrottleHorizon whatever the policy.
func TestSweepDeletesByAge(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		st, _ := open(t, "")
		testSweep(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		st, _ := open(t, testenv.NewPostgresDatabase(t))
		testSweep(t, st)
	})
}

func testSweep(t *testing.T, st *store.Store) {
	ctx := context.Background()
	const day = 24 * time.Hour
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	if err := st.Accounts().CreateAccount(ctx, newAccount("acc", ago(3000*day))); err != nil {
		t.Fatal(err)
	}
	// Flows: kept 2 days after they expire or finish.
	for id, f := range map[string]struct {
		state           flow.State
		updated, expiry time.Time
	}{
		"gone-expired":  {flow.AwaitingCode, ago(5 * day), ago(2*day + time.Minute)},
		"gone-finished": {flow.Done, ago(2*day + time.Minute), now.Add(time.Hour)},
		"kept-expired":  {flow.AwaitingCode, ago(3 * day), ago(2*day - time.Minute)},
		"kept-finished": {flow.Done, ago(2*day - time.Minute), now.Add(time.Hour)},
	} {
		if err := st.Flows().CreateFlow(ctx, &flow.Flow{ID: id, Kind: "registration", State: f.state, Channel: contact.ChannelSMS,
			Destination: "+79161234567", Lang: "ru", CreatedAt: f.updated, UpdatedAt: f.updated, ExpiresAt: f.expiry}); err != nil {
			t.Fatal(err)
		}
	}
	// Sessions: the policy keeps them (period 0), even ten years on.
	if err := st.Sessions().CreateSession(ctx, &session.Session{ID: "kept-ancient", TokenHash: session.HashToken("x"), AccountID: "acc",
		Method: "password", IP: "127.0.0.1", UserAgent: "Firefox", CreatedAt: ago(3650 * day), LastSeenAt: ago(3650 * day), ExpiresAt: ago(3649 * day)}); err != nil {
		t.Fatal(err)
	}
	// Sign-ins: kept 180 days.
	for id, at := range map[string]time.Time{"gone": ago(180*day + time.Minute), "kept": ago(180*day - time.Minute)} {
		if err := st.Sessions().RecordSignIn(ctx, &session.SignIn{ID: id, AccountID: "acc", At: at, IP: "10.0.0.1", UserAgent: "x",
			Method: "password", Outcome: "success"}); err != nil {
			t.Fatal(err)
		}
	}
	// Notifications: kept 30 days after they were written, sent or not.
	for id, at := range map[string]time.Time{"gone": ago(30*day + time.Minute), "kept": ago(30*day - time.Minute)} {
		if err := st.Notifications().InsertNotification(ctx, &notify.Record{ID: id, Channel: notify.ChannelSMS, To: "+79161234567",
			Template: "registration_code", Lang: "ru", Text: "Код: 123456", Status: notify.Queued, CreatedAt: at, UpdatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	// Contact undo links: kept 2 days (the flows' period) after they
	// expired or were used.
	for id, u := range map[string]struct{ expires, used time.Time }{
		"gone-expired": {ago(2*day + time.Minute), time.Time{}},
		"gone-used":    {now.Add(5 * day), ago(2*day + time.Minute)},
		"kept-expired": {ago(2*day - time.Minute), time.Time{}},
		"kept-used":    {now.Add(5 * day), ago(2*day - time.Minute)},
		"kept-valid":   {now.Add(5 * day), time.Time{}},
	} {
		if err := st.ContactChanges().CreateContactUndo(ctx, &contactchange.Undo{ID: id, AccountID: "acc", Channel: contact.ChannelSMS,
			OldValue: "+79161234567", TokenHash: []byte(id), CreatedAt: ago(9 * day), ExpiresAt: u.expires}); err != nil {
			t.Fatal(err)
		}
		if !u.used.IsZero() {
			if ok, err := st.ContactChanges().UseContactUndo(ctx, id, u.used); err != nil || !ok {
				t.Fatalf("use %s: %v %v", id, ok, err)
			}
		}
	}
	// Single sign-on's requests and codes: kept 2 days (the flows' period)
	// after they expire; its tokens as long as sessions (kept here).
	for id, expires := range map[string]time.Time{"gone": ago(2*day + time.Minute), "kept": ago(2*day - time.Minute)} {
		if err := st.SSO().CreateRequest(ctx, &sso.Request{ID: id, ClientID: "site", ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SSO().SaveCode(ctx, []byte("code-"+id), id, expires); err != nil {
			t.Fatal(err)
		}
	}
	if fresh, err := st.SSO().UseAssertion(ctx, "site", "jti-1", ago(3650*day)); err != nil || !fresh {
		t.Fatalf("UseAssertion: %v %v", fresh, err)
	}
	if fresh, err := st.SSO().UseAssertion(ctx, "site", "jti-1", ago(3650*day)); err != nil || fresh {
		t.Fatalf("an assertion used twice: %v %v", fresh, err)
	}
	// Throttle buckets: one past the horizon, one within it.
	for _, at := range []time.Time{ago(store.ThrottleHorizon + time.Minute), ago(store.ThrottleHorizon - time.Minute)} {
		if _, _, err := st.RateLimits().AddHits(ctx, []byte("key"), at, 1, at); err != nil {
			t.Fatal(err)
		}
	}

	p := jobs.RetentionPolicy{Flows: 2 * day, SignIns: 180 * day, Notifications: 30 * day, Batch: 1}
	n, err := p.Sweep(ctx, st.Retention(), now)
	if err != nil {
		t.Fatal(err)
	}
	if want := (jobs.Swept{Flows: 2, SignIns: 1, Notifications: 1, ContactUndos: 2, SSORequests: 2, SSOAssertions: 1, RateLimits: 1}); n != want {
		t.Errorf("swept %+v, want %+v", n, want)
	}
	for table, want := range map[string][]string{
		"flows":         {"kept-expired", "kept-finished"},
		"sessions":      {"kept-ancient"},
		"sign_ins":      {"kept"},
		"notifications": {"kept"},
		"contact_undos": {"kept-expired", "kept-used", "kept-valid"},
		"sso_requests":  {"kept"},
	} {
		if got := ids(t, st, table); !slices.Equal(got, want) {
			t.Errorf("%s left: %v, want %v", table, got, want)
		}
	}
	// Run again half a minute later: nothing more has come of age.
	if n, err := p.Sweep(ctx, st.Retention(), now.Add(30*time.Second)); err != nil || n != (jobs.Swept{}) {
		t.Errorf("second sweep: %+v %v, want nothing", n, err)
	}

	// With a period for sessions, single sign-on's tokens expired before it
	// go; the grant stays.
	if err := st.SSO().CreateGrant(ctx, &sso.Grant{ID: "g", ClientID: "site", AccountID: "acc", Subject: "s", SessionID: "kept-ancient",
		Scopes: []string{"openid"}, Level: "standard", AuthTime: ago(9 * day), CreatedAt: ago(9 * day)}); err != nil {
		t.Fatal(err)
	}
	for id, expires := range map[string]time.Time{"gone": ago(day + time.Minute), "kept": ago(day - time.Minute)} {
		if err := st.SSO().CreateAccessToken(ctx, &sso.AccessToken{ID: id, GrantID: "g", Scopes: []string{"openid"}, CreatedAt: ago(9 * day), ExpiresAt: expires}); err != nil {
			t.Fatal(err)
		}
	}
	p = jobs.RetentionPolicy{Sessions: day, Batch: 1}
	if n, err := p.Sweep(ctx, st.Retention(), now); err != nil || n != (jobs.Swept{Sessions: 1, SSOTokens: 1}) {
		t.Errorf("the sessions' sweep: %+v %v, want one session and one access token", n, err)
	}
	if got := ids(t, st, "sso_access_tokens"); !slices.Equal(got, []string{"kept"}) {
		t.Errorf("sso_access_tokens left: %v", got)
	}
	if got := ids(t, st, "sso_grants"); !slices.Equal(got, []string{"g"}) {
		t.Errorf("sso_grants left: %v", got)
	}
}

func ids(t *testing.T, st *store.Store, table string) []string {
	t.Helper()
	rows, err := st.DB().Query(`SELECT id FROM ` + table + ` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// echoArgs is a test feature's job, worked in a queue of its own.
type echoArgs struct{ Word string }

func (echoArgs) Kind() string { return "test.echo" }

func (echoArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: "echo"} }

type echoWorker struct {
	river.WorkerDefaults[echoArgs]
	heard chan string
}

func (w *echoWorker) Work(_ context.Context, j *river.Job[echoArgs]) error {
	w.heard <- j.Args.Word
	return nil
}

type unknownArgs struct{}

func (unknownArgs) Kind() string { return "test.unknown" }

// TestNewBuildsTheClientFromRegistrations: a feature's registration is all
// the runner needs to work that feature's jobs in the feature's queue; a
// job of a kind no feature registered is refused at insertion rather than
// left queued for ever; a queue of no workers is refused when the runner
// is built.
func TestNewBuildsTheClientFromRegistrations(t *testing.T) {
	st, db := open(t, "")
	ctx := context.Background()
	w := &echoWorker{heard: make(chan string, 1)}
	echo := func(r *jobs.Registry) {
		jobs.AddWorker(r, w)
		r.Queue("echo", 1)
	}
	r, err := jobs.New(jobs.Config{Engine: engine(st), DB: db, Tx: store.Tx, Poll: 50 * time.Millisecond}, echo)
	if err != nil {
		t.Fatal(err)
	}
	start(t, ctx, r)
	if err := r.Insert(ctx, echoArgs{Word: "hello"}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-w.heard:
		if got != "hello" {
			t.Errorf("worked %q, want hello", got)
		}
	case <-time.After(30 * time.Second): // a bound, not a wait
		t.Fatal("the registered worker never worked the job")
	}
	var unknown *river.UnknownJobKindError
	if err := r.Insert(ctx, unknownArgs{}); !errors.As(err, &unknown) {
		t.Errorf("insert of an unregistered kind: %v, want river.UnknownJobKindError", err)
	}

	none := func(r *jobs.Registry) { r.Queue("none", 0) }
	if _, err := jobs.New(jobs.Config{Engine: engine(st), DB: db}, none); err == nil {
		t.Error("a queue of no workers was accepted")
	}
	if _, err := jobs.New(jobs.Config{Engine: jobs.Engine(9), DB: db}); err == nil {
		t.Error("an unknown engine was accepted")
	}
}
