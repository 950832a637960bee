package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/throttle"
)

// TestRekeyCommand rotates a demo deployment's master secret from A to B:
// refused without an old secret; a dry run counts; the rekey re-seals and
// verifies; afterwards B alone opens everything (the demo citizen is found
// by phone, and the suspension of their password made under A holds), and a verification under an unrelated secret fails naming the
// rows, never their values.
func TestRekeyCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const (
		a = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=" // 32 × "A"
		b = "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=" // 32 × "B"
		c = "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=" // 32 × "C"
	)
	vars := func(secret, old string) func(string) string {
		return env(map[string]string{"KABINET_DATA_DIR": dir, "KABINET_SECRET_KEY": secret, "KABINET_OLD_SECRET_KEYS": old, "KABINET_ARGON2_MEMORY_KIB": "64"})
	}
	// A demo node under A seeds the demo citizen.
	start := func(getenv func(string) string) *app.App {
		t.Helper()
		cfg, err := config.Load(getenv)
		if err != nil {
			t.Fatal(err)
		}
		node, err := app.New(ctx, cfg, app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return node
	}
	first := start(vars(a, ""))
	// The demo citizen's password is suspended under A.
	keysA, _ := app.LoadKeys(first.Config, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	suspend := lockout.New(first.Store.LoginGuards(), throttle.New(first.Store.RateLimits(), time.Now, keysA.Subkeys("throttle/v1")...),
		lockout.Policy{MaxChecks: 5, Window: time.Minute, BaseLock: time.Minute, MaxLock: time.Hour, MaxConsecutive: 1}, keysA.Subkeys("lockout/v1"), time.Now, nil)
	tk, err := suspend.Before(ctx, lockout.Attempt{Login: demo.Phone})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := suspend.Failed(ctx, tk); err != nil || !out.Suspended {
		t.Fatalf("suspend: %+v %v", out, err)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	err = run(ctx, []string{"rekey"}, vars(b, ""), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "KABINET_OLD_SECRET_KEYS is empty") {
		t.Fatalf("rekey without an old secret: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"rekey", "-dry-run"}, vars(b, a), &out, &out); err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "to re-seal") || !strings.Contains(out.String(), "accounts") {
		t.Errorf("dry run output:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"rekey", "-batch", "1", "-data", dir}, vars(b, a), &out, &out); err != nil {
		t.Fatalf("rekey: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "verified: every value") || !strings.Contains(out.String(), "re-sealed") {
		t.Errorf("rekey output:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"rekey", "-verify"}, vars(b, ""), &out, &out); err != nil {
		t.Fatalf("verify under B alone: %v\n%s", err, out.String())
	}

	node := start(vars(b, ""))
	if got, err := node.Store.Accounts().AccountByPhone(ctx, demo.Phone); err != nil || got.Name == "" {
		t.Errorf("the demo citizen under B alone: %+v %v", got, err)
	}
	keysB, _ := app.LoadKeys(node.Config, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	locks := lockout.New(node.Store.LoginGuards(), throttle.New(node.Store.RateLimits(), time.Now, keysB.Subkeys("throttle/v1")...),
		lockout.Policy{MaxChecks: 5, Window: time.Minute}, keysB.Subkeys("lockout/v1"), time.Now, nil)
	if _, err := locks.Before(ctx, lockout.Attempt{Login: demo.Phone}); problem.KindOf(err) != problem.Forbidden {
		t.Errorf("the suspension under B alone: %v", err)
	}
	if err := node.Close(ctx); err != nil {
		t.Fatal(err)
	}

	out.Reset()
	err = run(ctx, []string{"rekey", "-verify"}, vars(c, ""), &out, &out)
	if err == nil || !strings.Contains(out.String(), "not done: accounts.surname of row ") {
		t.Errorf("verify under another secret: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), demo.Phone) {
		t.Error("a value in the report")
	}
}
