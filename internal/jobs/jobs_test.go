package jobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/kabinet/kabinet/internal/jobs"
	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/notify/transport"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func open(t *testing.T, url string) (*store.Store, *sql.DB) {
	t.Helper()
	keys, err := pii.NewKeyring(bytes.Repeat([]byte{7}, 32), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "k.db")
	st, err := store.Open(context.Background(), store.Options{URL: url, SQLitePath: path}, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db, err := st.JobsDB(path)
	if err != nil {
		t.Fatal(err)
	}
	if db != st.DB() {
		t.Cleanup(func() { db.Close() })
	}
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(context.Background(), engine(st), db); err != nil {
		t.Fatal(err)
	}
	return st, db
}

func engine(st *store.Store) jobs.Engine {
	if st.Dialect() == store.Postgres {
		return jobs.Postgres
	}
	return jobs.SQLite
}

// TestStartTakesBackOrphans: a node restarted after kill -9 works at once
// the jobs its previous process (same node ID) left running, and takes over
// its leadership; another node's running job is left to River's rescuer.
func TestStartTakesBackOrphans(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		st, db := open(t, "")
		testTakeBack(t, st, db, riversqlite.New(db))
	})
	t.Run("postgres", func(t *testing.T) {
		st, db := open(t, testenv.NewPostgresDatabase(t))
		testTakeBack(t, st, db, riverdatabasesql.New(db))
	})
}

func testTakeBack(t *testing.T, st *store.Store, db *sql.DB, drv riverdriver.Driver[*sql.Tx]) {
	ctx := context.Background()
	sim, sendURL := testenv.StartSMSSim(t, "tok")
	d := notify.NewDeliverer(st.Notifications(), transport.SMSGateway{URL: sendURL, Token: "tok"}, nil, time.Now, notify.DeliverMaxAttempts, nil)
	inserter, err := jobs.New(jobs.Config{Engine: engine(st), DB: db, Tx: store.Tx}, notify.Jobs(d))
	if err != nil {
		t.Fatal(err)
	}
	exec := drv.GetExecutor()
	// The dead process of node-a had fetched the first job and marked its
	// notification Sending; node-b, alive elsewhere, runs the second.
	phones := map[string]string{"ours": "+79161110001", "theirs": "+79161110002"}
	jobIDs := map[string]int64{}
	for _, who := range []string{"ours", "theirs"} {
		r := &notify.Record{ID: who, Channel: notify.ChannelSMS, To: phones[who], Template: "registration_code", Lang: "ru",
			Text: "Код: 1", Status: notify.Queued, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := st.Notifications().InsertNotification(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := (notify.JobQueue{Runner: inserter}).EnqueueDelivery(ctx, who); err != nil {
			t.Fatal(err)
		}
		client := map[string]string{"ours": "node-a", "theirs": "node-b"}[who]
		res, err := exec.JobGetAvailable(ctx, &riverdriver.JobGetAvailableParams{ClientID: client, MaxAttemptedBy: 100, MaxToLock: 1, Queue: notify.QueueName})
		if err != nil || len(res.Jobs) != 1 {
			t.Fatalf("fetch as %s: %v %v", client, res, err)
		}
		jobIDs[who] = res.Jobs[0].ID
		if _, err := st.Notifications().ClaimNotification(ctx, who, 1, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := exec.LeaderInsert(ctx, &riverdriver.LeaderInsertParams{LeaderID: "node-a", TTL: time.Hour}); err != nil {
		t.Fatal(err)
	}

	started := time.Now()
	r, err := jobs.New(jobs.Config{Engine: engine(st), DB: db, Tx: store.Tx, NodeID: "node-a", Poll: 50 * time.Millisecond}, notify.Jobs(d))
	if err != nil {
		t.Fatal(err)
	}
	start(t, ctx, r)
	wait, cancel := context.WithTimeout(ctx, 15*time.Second) // River's rescuer alone would need 45 s or more
	defer cancel()
	if _, err := sim.WaitFor(wait, phones["ours"], time.Time{}); err != nil {
		t.Fatalf("the orphaned delivery was not taken back: %v", err)
	}
	t.Logf("orphaned delivery sent %v after the start", time.Since(started).Round(time.Millisecond))
	if n := r.Reclaimed(); n != 1 {
		t.Errorf("Reclaimed() = %d, want 1", n)
	}
	job, err := exec.JobGetByID(ctx, &riverdriver.JobGetByIDParams{ID: jobIDs["ours"]})
	if err != nil || len(job.Errors) == 0 || job.Errors[0].Error != jobs.ReclaimedError {
		t.Errorf("taken-back job: %+v %v", job, err)
	}
	if job, err := exec.JobGetByID(ctx, &riverdriver.JobGetByIDParams{ID: jobIDs["theirs"]}); err != nil || job.State != rivertype.JobStateRunning {
		t.Errorf("node-b's job was touched: %+v %v", job, err)
	}
	if len(sim.Messages(phones["theirs"])) != 0 {
		t.Error("node-b's message was sent by node-a")
	}
	// The stale leadership was given up and won anew by this process.
	for {
		l, err := exec.LeaderGetElectedLeader(ctx, &riverdriver.LeaderGetElectedLeaderParams{})
		if err == nil && l.LeaderID == "node-a" && !l.ElectedAt.Before(started.Add(-time.Second)) {
			break
		}
		if wait.Err() != nil {
			t.Fatalf("leadership not retaken: %+v %v", l, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestNode(t *testing.T) {
	dir := t.TempDir()
	id, release, err := jobs.Node(dir)
	if err != nil || id == "" {
		t.Fatalf("Node: %q %v", id, err)
	}
	// A second process (here: a second lock) on the same directory gets no ID.
	if id2, _, err := jobs.Node(dir); err != nil || id2 != "" {
		t.Errorf("second Node while locked: %q %v, want \"\"", id2, err)
	}
	release()
	id3, release3, err := jobs.Node(dir)
	if err != nil || id3 != id {
		t.Errorf("Node after release: %q %v, want the same %q", id3, err, id)
	}
	release3()
}

// start works r's jobs until the test ends.
func start(t *testing.T, ctx context.Context, r *jobs.Runner) {
	t.Helper()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = r.Stop(stop)
	})
}
