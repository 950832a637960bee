package config

import (
	"fmt"
	"math/bits"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A binding ties a setting to the field it fills: how a value is read into
// the field and written back, and the rules the field's value must keep.
type binding interface {
	set(v string) error // parses v into the field
	String() string     // the field's value as set reads it
	broken() []string   // what the rules want, for each rule the value breaks
	allowed() string    // the kind of value and the rules, for the docs
	wants() []string    // what each rule wants
	target() any        // the field's address
}

// bound is a binding to a field of type T.
type bound[T any] struct {
	p      *T
	kind   string // "a duration"; "" when the docs say it
	parse  func(string) (T, error)
	format func(T) string
	rules  []rule[T]
}

// A rule is one check of a setting's value. want says what it allows, after
// "want" in an error and in the docs.
type rule[T any] struct {
	want string
	ok   func(T) bool
}

func (b bound[T]) set(v string) error {
	x, err := b.parse(v)
	if err != nil {
		return err
	}
	*b.p = x
	return nil
}

func (b bound[T]) String() string { return b.format(*b.p) }
func (b bound[T]) target() any    { return b.p }

func (b bound[T]) broken() []string {
	var out []string
	for _, r := range b.rules {
		if !r.ok(*b.p) {
			out = append(out, r.want)
		}
	}
	return out
}

func (b bound[T]) wants() []string {
	out := make([]string, len(b.rules))
	for i, r := range b.rules {
		out[i] = r.want
	}
	return out
}

func (b bound[T]) allowed() string {
	parts := b.wants()
	if b.kind != "" {
		parts = append([]string{b.kind}, parts...)
	}
	return strings.Join(parts, ", ")
}

// text binds a string field, taken as it is.
func text[T ~string](p *T, rules ...rule[T]) binding {
	return bound[T]{p: p, rules: rules,
		parse:  func(v string) (T, error) { return T(v), nil },
		format: func(x T) string { return string(x) },
	}
}

// link binds a URL kept without a trailing slash.
func link(p *string, rules ...rule[string]) binding {
	return bound[string]{p: p, rules: rules,
		parse:  func(v string) (string, error) { return strings.TrimRight(v, "/"), nil },
		format: func(x string) string { return x },
	}
}

// list binds a comma-separated list; blank items are dropped.
func list(p *[]string, rules ...rule[[]string]) binding {
	return bound[[]string]{p: p, kind: "comma-separated", rules: rules,
		parse:  func(v string) ([]string, error) { return splitList(v), nil },
		format: func(x []string) string { return strings.Join(x, ",") },
	}
}

func flag(p *bool) binding {
	return bound[bool]{p: p, kind: "true or false",
		parse: func(v string) (bool, error) {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return false, fmt.Errorf("want true or false, got %q", v)
			}
			return b, nil
		},
		format: strconv.FormatBool,
	}
}

// count binds a whole number, not negative.
func count(p *int, rules ...rule[int]) binding {
	return bound[int]{p: p, kind: "whole number", rules: rules,
		parse: func(v string) (int, error) {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return 0, fmt.Errorf("want a whole number, got %q", v)
			}
			return n, nil
		},
		format: strconv.Itoa,
	}
}

// unsigned binds a narrow unsigned number; a value that does not fit is
// refused rather than wrapped (300 threads are not 44).
func unsigned[T uint8 | uint32](p *T, rules ...rule[T]) binding {
	top := uint64(^T(0))
	return bound[T]{p: p, kind: fmt.Sprintf("whole number up to %d", top), rules: rules,
		parse: func(v string) (T, error) {
			n, err := strconv.ParseUint(v, 10, bits.Len64(top))
			if err != nil {
				return 0, fmt.Errorf("want a whole number from 0 to %d, got %q", top, v)
			}
			return T(n), nil
		},
		format: func(x T) string { return strconv.FormatUint(uint64(x), 10) },
	}
}

func duration(p *time.Duration, rules ...rule[time.Duration]) binding {
	return bound[time.Duration]{p: p, kind: "duration", rules: rules,
		parse: func(v string) (time.Duration, error) {
			d, err := time.ParseDuration(v)
			if err != nil {
				return 0, fmt.Errorf("want a duration such as 300s or 15m, got %q", v)
			}
			return d, nil
		},
		format: shortDuration,
	}
}

func prefixBudgets(p *[]PrefixBudget) binding {
	return bound[[]PrefixBudget]{p: p, parse: ParsePrefixBudgets, format: FormatPrefixBudgets}
}

// shortDuration writes d as time.Duration.String does, without zero minutes
// and seconds after a larger unit: 2h, 1h30m, 5m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// The rules a setting's row may give. Each says what it wants in words that
// serve both the error ("KABINET_X: want at least 1, got "0"") and the docs.

type number interface {
	~int | ~uint8 | ~uint32 | ~int64
}

func show[T number](n T) string {
	if d, ok := any(n).(time.Duration); ok {
		return shortDuration(d)
	}
	return fmt.Sprint(n)
}

func atLeast[T number](lo T) rule[T] {
	return rule[T]{want: "at least " + show(lo), ok: func(x T) bool { return x >= lo }}
}

func between[T number](lo, hi T) rule[T] {
	return rule[T]{want: "from " + show(lo) + " to " + show(hi), ok: func(x T) bool { return lo <= x && x <= hi }}
}

var positive = rule[time.Duration]{want: "more than 0s", ok: func(d time.Duration) bool { return d > 0 }}

func oneOf[T ~string](allowed ...T) rule[T] {
	return rule[T]{
		want: "one of " + orList(allowed),
		ok:   func(x T) bool { return slices.Contains(allowed, x) },
	}
}

var hostPort = rule[string]{want: "host:port", ok: func(v string) bool {
	_, _, err := net.SplitHostPort(v)
	return err == nil
}}

var nonEmpty = rule[string]{want: "not empty", ok: func(v string) bool { return v != "" }}

// urlOf wants an absolute URL with a host and one of the schemes.
func urlOf(schemes ...string) rule[string] {
	starts := make([]string, len(schemes))
	for i, s := range schemes {
		starts[i] = s + "://"
	}
	return rule[string]{
		want: "a URL starting " + orList(starts),
		ok: func(v string) bool {
			u, err := url.Parse(v)
			return err == nil && u.Host != "" && slices.Contains(schemes, u.Scheme)
		},
	}
}

func startsWith(prefixes ...string) rule[string] {
	return rule[string]{
		want: "a value starting " + orList(prefixes),
		ok: func(v string) bool {
			for _, p := range prefixes {
				if strings.HasPrefix(v, p) {
					return true
				}
			}
			return false
		},
	}
}

// orEmpty lets a setting be empty too.
func orEmpty(r rule[string]) rule[string] {
	return rule[string]{want: "empty or " + r.want, ok: func(v string) bool { return v == "" || r.ok(v) }}
}

var cidrs = rule[[]string]{want: "CIDRs such as 10.0.0.0/8", ok: func(list []string) bool {
	for _, p := range list {
		if _, _, err := net.ParseCIDR(p); err != nil {
			return false
		}
	}
	return true
}}

// orList writes a, b or c.
func orList[T ~string](items []T) string {
	s := make([]string, len(items))
	for i, x := range items {
		s[i] = string(x)
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
