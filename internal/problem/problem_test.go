package problem

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestKindNames(t *testing.T) {
	want := map[Kind]string{Internal: "internal", Invalid: "invalid", BadRequest: "bad_request", Unauthorized: "unauthorized",
		Forbidden: "forbidden", NotFound: "not_found", Conflict: "conflict", Expired: "expired", TooMany: "too_many",
		Unavailable: "unavailable", TooLarge: "too_large", MethodNotAllowed: "method_not_allowed", Kind(40): "kind(40)"}
	seen := map[string]bool{}
	for k, s := range want {
		if k.String() != s {
			t.Errorf("Kind(%d) = %q, want %q", int(k), k.String(), s)
		}
		if seen[s] {
			t.Errorf("two kinds named %q", s)
		}
		seen[s] = true
	}
}

func TestM(t *testing.T) {
	m := M("code.wrong", "Count", 2, "Max", 5)
	if m.ID != "code.wrong" || m.Args["Count"] != 2 || m.Args["Max"] != 5 || len(m.Args) != 2 {
		t.Fatalf("M = %+v", m)
	}
	if m.Error() != "code.wrong" {
		t.Errorf("Error() = %q", m.Error())
	}
	if M("x").Args != nil || M("x", "odd").Args != nil {
		t.Error("no pairs should give no arguments")
	}
	if got := M("x", "a", 1, "dangling").Args; len(got) != 1 || got["a"] != 1 {
		t.Errorf("a dangling key: %v", got)
	}
}

// TestTooManyUntil: the wait is rounded up to whole seconds and never
// below one, so Retry-After never tells a client to retry too early.
func TestTooManyUntil(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		until time.Duration
		want  time.Duration
	}{
		{0, time.Second},
		{-time.Minute, time.Second},
		{time.Millisecond, time.Second},
		{time.Second, time.Second},
		{time.Second + time.Nanosecond, 2 * time.Second},
		{1500 * time.Millisecond, 2 * time.Second},
		{59*time.Second + 999*time.Millisecond, time.Minute},
		{time.Hour, time.Hour},
	} {
		e := TooManyUntil("code.interval", now, now.Add(tc.until))
		if e.Kind != TooMany || e.RetryAfter != tc.want || e.Message.ID != "code.interval" {
			t.Errorf("until +%v: %v, retry after %v; want %v", tc.until, e, e.RetryAfter, tc.want)
		}
		if e.Message.Args["Wait"] != tc.want || e.Message.Args["Until"] != now.Add(tc.until) {
			t.Errorf("until +%v: args %v", tc.until, e.Message.Args)
		}
	}
}

// TestFields: the first message per field wins, in form order; a plain
// error becomes "field.invalid"; no messages, no error.
func TestFields(t *testing.T) {
	var f Fields
	if f.Err() != nil {
		t.Fatal("empty Fields gave an error")
	}
	f.Add("surname", nil)
	if f.Err() != nil {
		t.Fatal("a nil error was recorded")
	}
	f.Add("surname", M("name.required"))
	f.Add("phone", errors.New("bad"))
	f.Add("surname", M("name.too_long"))
	f.Add("accept_terms", fmt.Errorf("wrapped: %w", M("terms.required")))
	err := f.Err()
	p, ok := As(err)
	if !ok || p.Kind != Invalid || p.Message.ID != "form.invalid" || KindOf(err) != Invalid {
		t.Fatalf("Err() = %v", err)
	}
	var got []string
	for _, fe := range p.Fields {
		got = append(got, fe.Field+"="+fe.ID)
	}
	if want := []string{"surname=name.required", "phone=field.invalid", "accept_terms=terms.required"}; !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	if m, ok := p.Field("phone"); !ok || m.ID != "field.invalid" {
		t.Errorf("Field(phone) = %v, %v", m, ok)
	}
	if _, ok := p.Field("email"); ok {
		t.Error("Field(email) found")
	}
	if names := p.SortedFieldNames(); !slices.Equal(names, []string{"accept_terms", "phone", "surname"}) {
		t.Errorf("SortedFieldNames = %v", names)
	}
	// Err hands out a copy: adding later does not change an error returned.
	f.Add("email", M("email.invalid"))
	if len(p.Fields) != 3 {
		t.Error("a returned error changed after Add")
	}
}

func TestInvalidField(t *testing.T) {
	e := InvalidField("code", M("code.wrong", "Count", 2))
	if e.Kind != Invalid || len(e.Fields) != 1 || e.Fields[0].Field != "code" || e.Fields[0].Args["Count"] != 2 {
		t.Fatalf("InvalidField = %+v", e)
	}
	if e.Error() != "invalid: form.invalid [code: code.wrong]" {
		t.Errorf("Error() = %q", e.Error())
	}
}

func TestAsAndKindOf(t *testing.T) {
	cause := errors.New("disk on fire")
	e := &Error{Kind: Unavailable, Message: M("db.down"), Err: cause}
	wrapped := fmt.Errorf("store: %w", e)
	if p, ok := As(wrapped); !ok || p != e {
		t.Fatal("As did not find the problem in the chain")
	}
	if KindOf(wrapped) != Unavailable || KindOf(cause) != Internal || KindOf(nil) != Internal {
		t.Error("KindOf")
	}
	if !errors.Is(wrapped, cause) {
		t.Error("Unwrap does not reach the cause")
	}
	if e.Error() != "unavailable: db.down: disk on fire" {
		t.Errorf("Error() = %q", e.Error())
	}
	if n := New(NotFound, "flow.not_found", "ID", "x"); n.Kind != NotFound || n.Message.Args["ID"] != "x" {
		t.Errorf("New = %+v", n)
	}
}
