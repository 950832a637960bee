package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/loadgen"
)

// TestOIDCRatios: the token endpoint's ratio to the bare handler is
// reported without a goal; userinfo's has /me's goal, 0.5.
func TestOIDCRatios(t *testing.T) {
	res := func(ops int64) *loadgen.Result {
		r := &loadgen.Result{Ops: ops, Elapsed: 10 * time.Second, Latency: &loadgen.Histogram{}}
		r.Latency.Record(time.Millisecond)
		return r
	}
	rep := &benchReport{Phases: []phaseReport{}, Ratios: []ratioReport{}}
	rep.addPhase("bare", 4, res(100_000))
	rep.addPhase("oidc-token", 4, res(2_000))
	rep.addPhase("oidc-userinfo", 4, res(20_000))
	rep.finish()
	if len(rep.Ratios) != 2 || rep.Ratios[0].Numerator != "oidc-token" || rep.Ratios[1].Numerator != "oidc-userinfo" {
		t.Fatalf("ratios: %+v", rep.Ratios)
	}
	if r := rep.Ratios[1]; r.Value != 0.2 || r.Goal != 0.5 || r.Pass {
		t.Errorf("userinfo: %+v", r)
	}
	var buf bytes.Buffer
	rep.writeTable(&buf)
	for _, want := range []string{"OIDC token exchange / bare handler                   0.02", "reported (no goal)",
		"OIDC userinfo / bare handler                         0.20", "≥ 0.50", "BELOW GOAL"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestBenchOIDCSmoke runs the provider's phases in three short rounds on
// SQLite: the bench's site registered, consent given, a pool of codes
// minted before each token round and every code exchanged, userinfo
// answered for every account's token, with no error.
func TestBenchOIDCSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kabinet")
	}
	var out, progress bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	err := Run(ctx, []string{"-phases", "bare,oidc-token,oidc-userinfo", "-duration", "600ms", "-rounds", "3", "-warmup", "50ms",
		"-concurrency", "2", "-accounts", "2", "-json"}, &out, &progress)
	if err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, progress.String(), out.String())
	}
	var rep benchReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("JSON summary: %v\n%s", err, out.String())
	}
	if !rep.OK || len(rep.Phases) != 3 || len(rep.Ratios) != 2 {
		t.Fatalf("summary: %+v", rep)
	}
	for _, p := range rep.Phases {
		if p.Ops == 0 || len(p.RoundOpsPerSecond) != 3 {
			t.Errorf("phase %s: %d ops, rounds %v", p.Name, p.Ops, p.RoundOpsPerSecond)
		}
	}
	if n := strings.Count(progress.String(), "codes minted in"); n != 3 {
		t.Errorf("codes minted %d times, want before each of 3 rounds:\n%s", n, progress.String())
	}
}
