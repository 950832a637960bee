package app

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/sso"
	"github.com/kabinet/kabinet/internal/store"
)

// TestReleaseLedger: releases that arrive while a batch is being written
// join the next batch, written in one transaction; every release is
// recorded as its own sso.data_released event, the chain stays whole, and
// each caller returns only once its record has committed.
func TestReleaseLedger(t *testing.T) {
	ctx := context.Background()
	keys, err := pii.NewKeyring(bytes.Repeat([]byte{7}, 32), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{SQLitePath: filepath.Join(t.TempDir(), "k.db")}, keys)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	l := newReleaseLedger(st, sso.New(sso.Deps{Store: st.SSO(), Clients: st.RelyingParties(), Now: time.Now}))

	// A batch being written: the releases wait, all in the next batch.
	l.write.Lock()
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- l.record(ctx, fmt.Sprintf("acc%02d", i), "school", []string{"fullname", "mobile"}) })
	}
	for waited := 0; ; waited++ {
		l.mu.Lock()
		joined := 0
		if l.open != nil {
			joined = len(l.open.releases)
		}
		l.mu.Unlock()
		if joined == n {
			break
		}
		if waited > 1000 {
			t.Fatalf("%d of %d releases in the waiting batch", joined, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if len(errs) != 0 {
		t.Fatal("a release returned before its record was written")
	}
	l.write.Unlock()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// One more, alone; and nothing for no fields.
	if err := l.record(ctx, "acc99", "court", []string{"email"}); err != nil {
		t.Fatal(err)
	}
	if err := l.record(ctx, "acc98", "court", nil); err != nil {
		t.Fatal(err)
	}

	events, err := st.AuditLog().FindAudit(ctx, audit.Query{Action: "sso.data_released", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		if seen[e.SubjectAccountID] || e.ActorKind != audit.ActorSite {
			t.Errorf("event %+v: twice, or not by the site", e)
		}
		seen[e.SubjectAccountID] = true
		want := "fullname mobile"
		if e.SubjectAccountID == "acc99" {
			want = "email"
		}
		if e.Details["fields"] != want || e.ActorID != e.Details["client_id"] {
			t.Errorf("event %+v", e)
		}
	}
	if len(events) != n+1 {
		t.Errorf("%d releases recorded, want %d", len(events), n+1)
	}
	if b, err := st.AuditLog().VerifyAudit(ctx, &audit.Verifier{}); err != nil || b != nil {
		t.Errorf("the chain: %+v %v", b, err)
	}
}
