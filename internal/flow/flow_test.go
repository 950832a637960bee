package flow

import (
	"strings"
	"testing"
	"time"
)

// TestMoveFollowsTheSpec walks every pair of states of a spec, so a wrong
// jump fails here rather than in front of a citizen.
func TestMoveFollowsTheSpec(t *testing.T) {
	s := Define(Spec{Kind: "test.moves", Title: "test", Initial: AwaitingCode, Start: "form accepted", TTL: time.Hour, Audience: Anyone,
		Steps: []Step{{AwaitingCode, SetPassword, "code accepted"}, {SetPassword, Done, "password set"}}})
	allowed := map[[2]State]bool{{AwaitingCode, SetPassword}: true, {SetPassword, Done}: true}
	for _, from := range s.States() {
		for _, to := range s.States() {
			f := s.New("f", time.Now())
			f.State = from
			err := f.Move(to)
			if got := err == nil; got != allowed[[2]State{from, to}] {
				t.Errorf("%s → %s allowed=%v", from, to, got)
			}
			if err != nil && f.State != from {
				t.Errorf("refused move %s → %s changed the state", from, to)
			}
		}
	}
	if f := (&Flow{Kind: "never.defined", State: AwaitingCode}); f.Move(Done) == nil {
		t.Error("a kind without a spec moved")
	}
}

// TestDefineRefusesBrokenSpecs: mistakes in a spec stop the program when
// its package loads, not when a citizen reaches the step.
func TestDefineRefusesBrokenSpecs(t *testing.T) {
	ok := Spec{Kind: "test.ok", Title: "t", Initial: AwaitingCode, Start: "s", TTL: time.Hour, Audience: Owner,
		Steps: []Step{{AwaitingCode, Done, "code accepted"}}}
	Define(ok)
	cases := map[string]func(s *Spec){
		"defined twice":        func(s *Spec) {},
		"no TTL":               func(s *Spec) { s.Kind, s.TTL = "test.nottl", 0 },
		"no audience":          func(s *Spec) { s.Kind, s.Audience = "test.noaud", "" },
		"unreachable state":    func(s *Spec) { s.Kind, s.Steps = "test.unreach", []Step{{SetPassword, Done, "x"}} },
		"step to itself":       func(s *Spec) { s.Kind, s.Steps = "test.self", []Step{{AwaitingCode, AwaitingCode, "x"}} },
		"step without a cause": func(s *Spec) { s.Kind, s.Steps = "test.nocause", []Step{{AwaitingCode, Done, ""}} },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			s := ok
			mutate(&s)
			defer func() {
				if recover() == nil {
					t.Error("accepted")
				}
			}()
			Define(s)
		})
	}
	if got := ok.Diagram(); !strings.Contains(got, "[*] --> awaiting_code: s") || !strings.Contains(got, "awaiting_code --> done: code accepted") {
		t.Errorf("diagram:\n%s", got)
	}
}

func TestDataRoundTrips(t *testing.T) {
	type data struct {
		Surname string `json:"surname"`
		Next    string `json:"next,omitempty"`
	}
	f := &Flow{ID: "f"}
	if d, err := DataOf[data](f); err != nil || d != (data{}) {
		t.Fatalf("no data: %+v %v", d, err)
	}
	if err := f.SetData(data{Surname: "Иванова"}); err != nil {
		t.Fatal(err)
	}
	if d, err := DataOf[data](f); err != nil || d.Surname != "Иванова" {
		t.Fatalf("got %+v %v", d, err)
	}
	f.Data = []byte(`{"surname": 5}`)
	if _, err := DataOf[data](f); err == nil {
		t.Error("wrong data decoded")
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
