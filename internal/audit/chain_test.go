package audit

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
)

// TestCanonicalKnownAnswer pins the encoding and the hash that decision 13
// documents, byte for byte, so an outside auditor's implementation and ours
// cannot drift apart unnoticed.
func TestCanonicalKnownAnswer(t *testing.T) {
	e := &Event{At: time.UnixMilli(1700000000000), Action: "staff.citizen_viewed", ActorKind: "staff", ActorID: "s1",
		ActorRole: "operator", CenterID: "c1", SubjectAccountID: "a1", Reason: "identity_confirmation",
		Details: map[string]string{"z": "1", "a": "2"}}
	var want bytes.Buffer
	text := func(s string) {
		want.Write([]byte{0, 0, 0, byte(len(s))})
		want.WriteString(s)
	}
	text("kabinet.audit.v1")
	want.Write([]byte{0, 0, 0, 0, 0, 0, 0, 7})
	want.Write([]byte{0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00}) // 1700000000000
	for _, s := range []string{"staff.citizen_viewed", "staff", "s1", "operator", "c1", "a1", "", "", "identity_confirmation"} {
		text(s)
	}
	want.Write([]byte{0, 0, 0, 2})
	text("a")
	text("2")
	text("z")
	text("1")
	if got := Canonical(7, e); !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("Canonical =\n%x\nwant\n%x", got, want.Bytes())
	}
	// The value in docs/decisions/0013-audit-chain.md, computed there by
	// an independent implementation of the encoding (Python).
	if got := Next(Genesis, 7, e).String(); got != "f7930568e115bb55988e3deaf83e6e5a17ae03e6a2f3a47d363e2760b33ba1ec" {
		t.Errorf("Next = %s", got)
	}
}

// TestCanonicalSeparatesFields: moving bytes from one field to the next,
// or a detail into another, changes the encoding.
func TestCanonicalSeparatesFields(t *testing.T) {
	base := Event{At: time.UnixMilli(1), Action: "a.b", ActorKind: "staff"}
	variants := []Event{
		base,
		{At: base.At, Action: "a.bs", ActorKind: "taff"},
		{At: base.At, Action: "a.b", ActorKind: "staff", ActorID: "x"},
		{At: base.At, Action: "a.b", ActorKind: "staff", ActorRole: "x"},
		{At: base.At, Action: "a.b", ActorKind: "staff", CenterID: "x"},
		{At: base.At, Action: "a.b", ActorKind: "staff", Reason: "x"},
		{At: base.At, Action: "a.b", ActorKind: "staff", Details: map[string]string{"k": "v"}},
		{At: base.At, Action: "a.b", ActorKind: "staff", Details: map[string]string{"kv": ""}},
		{At: base.At.Add(time.Millisecond), Action: "a.b", ActorKind: "staff"},
	}
	seen := map[string]int{}
	for i, e := range variants {
		k := string(Canonical(1, &e))
		if j, ok := seen[k]; ok {
			t.Errorf("variants %d and %d encode the same", j, i)
		}
		seen[k] = i
	}
	if bytes.Equal(Canonical(1, &base), Canonical(2, &base)) {
		t.Error("seq not covered")
	}
}

func TestVerifier(t *testing.T) {
	events := []Event{{Action: "a"}, {Action: "b"}, {Action: "c"}}
	var links []Link
	var h Head
	for i := range events {
		var l Link
		l, h = h.Chain(&events[i])
		links = append(links, l)
	}
	for _, tc := range []struct {
		name    string
		change  func(es []Event, ls []Link) ([]Event, []Link)
		head    Head
		anchors []Anchor
		kind    string
		id      int64
	}{
		{"whole", nil, h, nil, "", 0},
		{"changed", func(es []Event, ls []Link) ([]Event, []Link) { es[1].Action = "x"; return es, ls }, h, nil, BreakHash, 2},
		{"removed", func(es []Event, ls []Link) ([]Event, []Link) { return append(es[:1:1], es[2]), append(ls[:1:1], ls[2]) }, h, nil, BreakGap, 3},
		{"unchained", func(es []Event, ls []Link) ([]Event, []Link) { ls[0] = Link{}; return es, ls }, h, nil, BreakUnchained, 1},
		{"prev", func(es []Event, ls []Link) ([]Event, []Link) { ls[2].Prev[0] ^= 1; return es, ls }, h, nil, BreakPrev, 3},
		{"tail cut", func(es []Event, ls []Link) ([]Event, []Link) { return es[:2], ls[:2] }, h, nil, BreakHead, 0},
		{"anchor kept", nil, h, []Anchor{{Seq: 2, Hash: links[1].Hash}}, "", 0},
		{"anchor broken", nil, h, []Anchor{{Seq: 2, Hash: links[0].Hash}}, BreakAnchor, 2},
		{"anchor past the end", nil, h, []Anchor{{Seq: 9, Hash: links[0].Hash}}, BreakAnchor, 0},
	} {
		es, ls := append([]Event(nil), events...), append([]Link(nil), links...)
		if tc.change != nil {
			es, ls = tc.change(es, ls)
		}
		v := Verifier{Anchors: tc.anchors}
		var b *Break
		for i := range es {
			// IDs 1, 2, 3 as in the table; a removed record keeps the others' IDs.
			id := ls[i].Seq
			if id == 0 {
				id = int64(i + 1)
			}
			if b = v.Check(id, &es[i], ls[i]); b != nil {
				break
			}
		}
		b = v.Finish(tc.head)
		switch {
		case tc.kind == "" && b != nil:
			t.Errorf("%s: %v", tc.name, b)
		case tc.kind != "" && (b == nil || b.Kind != tc.kind || b.ID != tc.id):
			t.Errorf("%s: %+v, want %s at %d", tc.name, b, tc.kind, tc.id)
		}
	}
}

func TestParseAnchor(t *testing.T) {
	h := Next(Genesis, 1, &Event{Action: "a"})
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"1:" + h.String(), true},
		{"42:" + strings.ToUpper(h.String()), true},
		{"0:" + h.String(), false},
		{"-1:" + h.String(), false},
		{"1:" + h.String()[:10], false},
		{h.String(), false},
		{"x:" + h.String(), false},
		{"1:" + strings.Repeat("g", 64), false},
	} {
		a, err := ParseAnchor(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseAnchor(%q) = %v, %v", tc.in, a, err)
		}
		if err == nil && !strings.EqualFold(a.String(), tc.in) {
			t.Errorf("ParseAnchor(%q).String() = %q", tc.in, a.String())
		}
	}
}

func TestFilterCheck(t *testing.T) {
	from := time.UnixMilli(1000)
	for _, tc := range []struct {
		name   string
		f      Filter
		field  string // "" when valid
		action string
		prefix string
		limit  int
	}{
		{"empty", Filter{}, "", "", "", DefaultPageSize},
		{"exact action", Filter{Action: "staff.citizen_viewed"}, "", "staff.citizen_viewed", "", DefaultPageSize},
		{"prefix with star", Filter{Action: "staff.*"}, "", "", "staff.", DefaultPageSize},
		{"prefix with dot", Filter{Action: "staff."}, "", "", "staff.", DefaultPageSize},
		{"bare star prefix", Filter{Action: "staff*"}, "", "", "staff.", DefaultPageSize},
		{"star inside", Filter{Action: "st*ff.x"}, "action", "", "", 0},
		{"capitals", Filter{Action: "Staff.viewed"}, "action", "", "", 0},
		{"empty word", Filter{Action: "staff..x"}, "action", "", "", 0},
		{"only a star", Filter{Action: "*"}, "action", "", "", 0},
		{"range backwards", Filter{From: from, To: from}, "to", "", "", 0},
		{"limit", Filter{Limit: 7}, "", "", "", 7},
		{"limit too big", Filter{Limit: MaxPageSize + 1}, "limit", "", "", 0},
		{"negative limit", Filter{Limit: -1}, "limit", "", "", 0},
		{"long actor", Filter{ActorID: strings.Repeat("x", 201)}, "actor_id", "", "", 0},
		{"negative cursor", Filter{Cursor: -3}, "cursor", "", "", 0},
	} {
		q, err := tc.f.Check()
		if tc.field != "" {
			p, ok := problem.As(err)
			if !ok || p.Kind != problem.Invalid {
				t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
			} else if _, ok := p.Field(tc.field); !ok {
				t.Errorf("%s: %v, want a message on %s", tc.name, err, tc.field)
			}
			continue
		}
		if err != nil || q.Action != tc.action || q.ActionPrefix != tc.prefix || q.Limit != tc.limit {
			t.Errorf("%s: %+v %v", tc.name, q, err)
		}
	}
}

func TestParseCursor(t *testing.T) {
	for in, want := range map[string]Cursor{"": 0, "1": 1, "9223372036854775807": 1<<63 - 1} {
		if c, err := ParseCursor(in); err != nil || c != want || c.String() != in {
			t.Errorf("ParseCursor(%q) = %d %v", in, c, err)
		}
	}
	for _, in := range []string{"0", "-1", "01", "+1", "1e3", "x", " 1", "9223372036854775808"} {
		if _, err := ParseCursor(in); problem.KindOf(err) != problem.Invalid {
			t.Errorf("ParseCursor(%q) = %v, want invalid", in, err)
		}
	}
}

func FuzzParseAnchor(f *testing.F) {
	f.Add("1:" + Genesis.String())
	f.Add("12:" + hex.EncodeToString(bytes.Repeat([]byte{0xab}, 32)))
	f.Add(":")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAnchor(s)
		if err != nil {
			return
		}
		b, err := ParseAnchor(a.String())
		if err != nil || a != b {
			t.Fatalf("%q → %v → %v %v", s, a, b, err)
		}
	})
}

func FuzzParseCursor(f *testing.F) {
	for _, s := range []string{"", "1", "0", "-5", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCursor(s)
		if err != nil {
			var p *problem.Error
			if !errors.As(err, &p) || p.Kind != problem.Invalid {
				t.Fatalf("ParseCursor(%q): %v", s, err)
			}
			return
		}
		if c < 0 || c.String() != s {
			t.Fatalf("ParseCursor(%q) = %d", s, c)
		}
	})
}

func FuzzFilterCheck(f *testing.F) {
	f.Add("staff.*", "op", 10)
	f.Add("a..b", "", -1)
	f.Fuzz(func(t *testing.T, action, actor string, limit int) {
		q, err := Filter{Action: action, ActorID: actor, Limit: limit}.Check()
		if err != nil {
			if problem.KindOf(err) != problem.Invalid {
				t.Fatalf("%v", err)
			}
			return
		}
		if q.Limit <= 0 || q.Limit > MaxPageSize || (q.Action != "" && q.ActionPrefix != "") {
			t.Fatalf("%+v", q)
		}
		if q.ActionPrefix != "" && (!strings.HasSuffix(q.ActionPrefix, ".") || !validAction(strings.TrimSuffix(q.ActionPrefix, "."))) {
			t.Fatalf("prefix %q", q.ActionPrefix)
		}
	})
}

// FuzzCanonical: the chain is a function of the record, and a change of
// any text changes the hash.
func FuzzCanonical(f *testing.F) {
	f.Add("a", "b", "k", "v", int64(3))
	f.Fuzz(func(t *testing.T, action, actor, k, v string, seq int64) {
		e := Event{Action: action, ActorID: actor, Details: map[string]string{k: v}}
		h := Next(Genesis, seq, &e)
		if h != Next(Genesis, seq, &e) {
			t.Fatal("not a function")
		}
		e2 := e
		e2.ActorID += "x"
		if Next(Genesis, seq, &e2) == h {
			t.Fatal("actor not covered")
		}
	})
}
