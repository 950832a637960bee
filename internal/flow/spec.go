package flow

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Spec declares one kind of process. A feature defines its spec once, at
// package level, with Define; the mechanics read it by kind.
type Spec struct {
	Kind Kind
	// Title says in a few words what the process does (for docs/flows.md).
	Title string
	// Initial is the state a new flow starts in, and Start what happened
	// to get it there ("form accepted, code sent").
	Initial State
	Start   string
	// Steps are the only moves a flow of this kind may make.
	Steps []Step
	// TTL is how long a new flow may stay unfinished (a code issued later
	// may lengthen it to the code's own expiry).
	TTL time.Duration
	// Audience says who can make a flow of this kind send a code, which
	// decides the hourly budget its codes are counted in.
	Audience Audience
}

// Step is one allowed move and what makes it.
type Step struct {
	From, To State
	On       string
}

// Audience is who can make a flow send a code to a phone or address.
type Audience string

const (
	// Anyone who types the number or address (registration, recovery).
	Anyone Audience = "anyone"
	// Owner: only the holder of the account's password (the second
	// sign-in step), so strangers never use up the owner's codes.
	Owner Audience = "owner"
)

var (
	specsMu sync.RWMutex
	specs   = map[Kind]*Spec{}
)

// Define registers a feature's spec and returns it. It panics on a kind
// defined twice or a spec that does not hold together, which are
// programming errors found when the package loads.
func Define(s Spec) *Spec {
	if err := s.check(); err != nil {
		panic("flow: " + err.Error())
	}
	specsMu.Lock()
	defer specsMu.Unlock()
	if _, dup := specs[s.Kind]; dup {
		panic(fmt.Sprintf("flow: kind %q defined twice", s.Kind))
	}
	specs[s.Kind] = &s
	return &s
}

func (s *Spec) check() error {
	switch {
	case s.Kind == "" || s.Initial == "" || s.TTL <= 0:
		return fmt.Errorf("spec %q needs a kind, an initial state and a TTL", s.Kind)
	case s.Audience != Anyone && s.Audience != Owner:
		return fmt.Errorf("spec %q: audience %q", s.Kind, s.Audience)
	}
	reached := map[State]bool{s.Initial: true}
	for _, st := range s.Steps {
		if st.From == "" || st.To == "" || st.From == st.To || st.On == "" {
			return fmt.Errorf("spec %q: step %s → %s needs two different states and what makes it", s.Kind, st.From, st.To)
		}
		reached[st.To] = true
	}
	for _, st := range s.Steps {
		if !reached[st.From] {
			return fmt.Errorf("spec %q: no step reaches %s", s.Kind, st.From)
		}
	}
	return nil
}

// SpecOf returns the spec of a kind.
func SpecOf(k Kind) (*Spec, bool) {
	specsMu.RLock()
	defer specsMu.RUnlock()
	s, ok := specs[k]
	return s, ok
}

// Specs lists every defined spec, by kind.
func Specs() []*Spec {
	specsMu.RLock()
	defer specsMu.RUnlock()
	out := make([]*Spec, 0, len(specs))
	for _, s := range specs {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *Spec) int { return strings.Compare(string(a.Kind), string(b.Kind)) })
	return out
}

// CanMove reports whether a flow of this kind may move from one state to
// another.
func (s *Spec) CanMove(from, to State) bool {
	return slices.ContainsFunc(s.Steps, func(st Step) bool { return st.From == from && st.To == to })
}

// States lists the spec's states: the initial one, then in the order the
// steps first name them.
func (s *Spec) States() []State {
	out := []State{s.Initial}
	for _, st := range s.Steps {
		for _, x := range []State{st.From, st.To} {
			if !slices.Contains(out, x) {
				out = append(out, x)
			}
		}
	}
	return out
}

// New returns a flow of this kind in its initial state, created now and
// expiring after the spec's TTL. The caller fills in the rest.
func (s *Spec) New(id string, now time.Time) *Flow {
	return &Flow{ID: id, Kind: s.Kind, State: s.Initial, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(s.TTL)}
}

// Diagram is the spec as a Mermaid state block, for docs/flows.md.
func (s *Spec) Diagram() string {
	var b strings.Builder
	fmt.Fprintf(&b, "    state %s {\n", s.Kind)
	fmt.Fprintf(&b, "        [*] --> %s: %s\n", s.Initial, s.Start)
	for _, st := range s.Steps {
		fmt.Fprintf(&b, "        %s --> %s: %s\n", st.From, st.To, st.On)
	}
	b.WriteString("    }\n")
	return b.String()
}

// Document is docs/flows.md's generated part: a table of every defined
// process and its state diagram.
func Document() string {
	var b strings.Builder
	b.WriteString("| Kind | What it does | Unfinished flows live | Codes count as asked by |\n|---|---|---|---|\n")
	all := Specs()
	for _, s := range all {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", s.Kind, s.Title, s.TTL, s.Audience)
	}
	b.WriteString("\n```mermaid\nstateDiagram-v2\n")
	for _, s := range all {
		b.WriteString(s.Diagram())
	}
	b.WriteString("```\n")
	return b.String()
}
