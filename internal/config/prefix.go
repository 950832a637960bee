package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PrefixBudget is the SMS budget of a range of phone numbers.
type PrefixBudget struct {
	Prefix    string
	Unlimited bool
	Max       int
	Window    time.Duration
}

// ParsePrefixBudgets reads "+79=none,+=30/1h,+979=0": a prefix of an
// E.164 number ("+" and digits), then "none", "0", or max/window.
func ParsePrefixBudgets(v string) ([]PrefixBudget, error) {
	var out []PrefixBudget
	seen := map[string]bool{}
	for _, item := range splitList(v) {
		prefix, spec, ok := strings.Cut(item, "=")
		prefix, spec = strings.TrimSpace(prefix), strings.TrimSpace(spec)
		if !ok || !validPrefix(prefix) {
			return nil, fmt.Errorf("want prefix=max/window, prefix=none or prefix=0 with a prefix such as +7 or +, got %q", item)
		}
		if seen[prefix] {
			return nil, fmt.Errorf("prefix %s given twice", prefix)
		}
		seen[prefix] = true
		b := PrefixBudget{Prefix: prefix}
		switch {
		case spec == "none":
			b.Unlimited = true
		case spec == "0":
		default:
			n, w, ok := strings.Cut(spec, "/")
			max, err := strconv.Atoi(n)
			d, derr := time.ParseDuration(w)
			if !ok || err != nil || max < 0 || derr != nil || d <= 0 {
				return nil, fmt.Errorf("%s: want max/window such as 30/1h, none or 0, got %q", prefix, spec)
			}
			b.Max, b.Window = max, d
		}
		out = append(out, b)
	}
	return out, nil
}

func validPrefix(p string) bool {
	if !strings.HasPrefix(p, "+") || len(p) > 16 {
		return false
	}
	for _, c := range p[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// FormatPrefixBudgets writes budgets back in the form ParsePrefixBudgets reads.
func FormatPrefixBudgets(list []PrefixBudget) string {
	parts := make([]string, 0, len(list))
	for _, b := range list {
		switch {
		case b.Unlimited:
			parts = append(parts, b.Prefix+"=none")
		case b.Max == 0:
			parts = append(parts, b.Prefix+"=0")
		default:
			parts = append(parts, fmt.Sprintf("%s=%d/%s", b.Prefix, b.Max, shortDuration(b.Window)))
		}
	}
	return strings.Join(parts, ",")
}
