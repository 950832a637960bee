package flow

import (
	"testing"
	"time"
)

// TestTransitionTable walks every pair of states for every kind, so a
// wrong jump fails here rather than in front of a citizen.
func TestTransitionTable(t *testing.T) {
	allowed := map[Kind][][2]State{
		Registration: {{AwaitingCode, SetPassword}, {SetPassword, Done}},
		SignIn:       {{AwaitingCode, Done}},
		Recovery:     {{AwaitingCode, SetPassword}, {SetPassword, Done}},
	}
	for _, k := range Kinds() {
		for _, from := range States() {
			for _, to := range States() {
				want := false
				for _, p := range allowed[k] {
					if p == [2]State{from, to} {
						want = true
					}
				}
				f := &Flow{Kind: k, State: from}
				err := f.Move(to)
				if got := err == nil; got != want {
					t.Errorf("%s: %s → %s allowed=%v, want %v", k, from, to, got, want)
				}
				if err != nil && f.State != from {
					t.Errorf("%s: refused move changed the state", k)
				}
			}
		}
	}
}

func TestResendAt(t *testing.T) {
	sent := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	f := &Flow{CodeSentAt: sent, CodeExpiresAt: sent.Add(300 * time.Second)}
	if got := f.ResendAt(60*time.Second, 5); !got.Equal(sent.Add(60 * time.Second)) {
		t.Errorf("cooldown: %v", got)
	}
	if got := f.ResendAt(time.Hour, 5); !got.Equal(f.CodeExpiresAt) {
		t.Errorf("expiry before cooldown: %v", got)
	}
	f.CodeAttempts = 5
	if got := f.ResendAt(time.Hour, 5); !got.Equal(sent) {
		t.Errorf("used-up code: %v", got)
	}
}

func TestBinding(t *testing.T) {
	f := &Flow{Binding: []byte("abc")}
	if !f.BoundTo([]byte("abc")) || f.BoundTo([]byte("abd")) || f.BoundTo(nil) {
		t.Error("browser binding not enforced")
	}
	api := &Flow{}
	if !api.BoundTo(nil) || !api.BoundTo([]byte("x")) {
		t.Error("API flow refused")
	}
}
