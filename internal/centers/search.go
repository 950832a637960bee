package centers

import (
	"strings"
	"unicode"

	"github.com/kabinet/kabinet/internal/problem"
)

// Match is how a center's locality matched the query, best first.
type Match int

const (
	MatchAll    Match = iota // no query: every center matches
	MatchExact               // the locality is the query
	MatchPrefix              // the locality starts with the query
	MatchTypo                // one typo away (Damerau-Levenshtein 1)
	MatchNone
)

// MinTypoLen is the shortest query (in letters, folded) a typo is allowed
// in: in shorter names one typo leads too far ("Тула" and "Тура").
const MinTypoLen = 5

// typePrefixes are the abbreviations of a locality's kind that people type
// before its name and the directory does not store ("г. Калуга").
var typePrefixes = map[string]bool{"г": true, "город": true, "с": true, "село": true, "п": true, "пос": true, "поселок": true,
	"д": true, "деревня": true, "пгт": true, "рп": true, "ст": true, "x": true, "х": true}

// Fold is how locality names compare: lower case, ё as е, hyphens and
// runs of spaces or punctuation as one space, a leading kind of locality
// ("г.", "с.", "пгт") dropped when a name follows.
func Fold(s string) string {
	var words []string
	word := strings.Builder{}
	flush := func() {
		if word.Len() > 0 {
			words = append(words, word.String())
			word.Reset()
		}
	}
	for _, r := range strings.ToLower(s) {
		switch {
		case r == 'ё':
			word.WriteRune('е')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			word.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	// Every leading kind goes ("г. п. Калуга" as much as "г. Калуга"), so
	// that a folded name folds to itself.
	for len(words) > 1 && typePrefixes[words[0]] {
		words = words[1:]
	}
	return strings.Join(words, " ")
}

// Distance is the Damerau-Levenshtein distance (optimal string alignment)
// between a and b in runes, capped: any distance over max is max+1.
func Distance(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		low := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			low = min(low, v)
		}
		if low > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	if prev[len(rb)] > max {
		return max + 1
	}
	return prev[len(rb)]
}

// Rank says how a locality matches a query (both as typed): exact, prefix,
// one typo, or not at all. The empty query matches everything (MatchAll).
func Rank(q, locality string) Match {
	fq, fl := Fold(q), Fold(locality)
	switch {
	case fq == "":
		return MatchAll
	case fl == fq:
		return MatchExact
	case strings.HasPrefix(fl, fq):
		return MatchPrefix
	case len([]rune(fq)) >= MinTypoLen && Distance(fq, fl, 1) <= 1:
		return MatchTypo
	}
	return MatchNone
}

// Variants returns a folded key and the keys one deletion away from it,
// without repeats: two names one typo apart share a variant (the
// "symmetric delete" index), so storage finds the candidates of a typo by
// equality and Distance confirms them.
func Variants(key string) []string {
	r := []rune(key)
	seen := map[string]bool{key: true}
	out := []string{key}
	for i := range r {
		v := string(r[:i]) + string(r[i+1:])
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// Query is a search as asked.
type Query struct {
	Q       string // the locality as typed
	Service string // "" or one of Services
	Region  string // "" or a region's code
	Limit   int    // 0: DefaultLimit; at most MaxLimit
	Offset  int
	// IncludeInactive finds inactive centers too: for staff, never from a
	// public request.
	IncludeInactive bool
}

// Paging bounds.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	maxQuery     = 100
	maxOffset    = 10000
)

// Filter is a search as storage runs it: the query folded, the typo
// candidates already confirmed.
type Filter struct {
	Key     string   // the folded query; "" for every locality
	Typos   []string // locality keys one typo from Key (not starting with it)
	Service Set      // 0: any
	Region  string   // "": any
	Limit   int
	Offset  int
	// IncludeInactive: inactive centers match too (staff).
	IncludeInactive bool
}

// The query's parameter names, as in the API and the form.
const (
	ParamQ       = "q"
	ParamService = "service"
	ParamRegion  = "region"
	ParamLimit   = "limit"
	ParamOffset  = "offset"
)

// NormalizeQuery checks a query: an unknown service or region, a query
// over 100 characters or paging out of bounds is a problem.Invalid with a
// message on that parameter.
func NormalizeQuery(q Query, regions Regions) (Filter, error) {
	var f problem.Fields
	out := Filter{Key: Fold(q.Q), Region: strings.TrimSpace(q.Region), Limit: q.Limit, Offset: q.Offset, IncludeInactive: q.IncludeInactive}
	if len([]rune(q.Q)) > maxQuery {
		f.Add(ParamQ, problem.M("center.query_too_long", "Max", maxQuery))
	}
	if sv := strings.TrimSpace(q.Service); sv != "" {
		if out.Service = Service(sv).Bit(); out.Service == 0 {
			f.Add(ParamService, problem.M("center.service_unknown", "Service", sv))
		}
	}
	if out.Region != "" && (regions == nil || !regions.HasRegion(out.Region)) {
		f.Add(ParamRegion, problem.M("center.region_unknown"))
	}
	switch {
	case out.Limit == 0:
		out.Limit = DefaultLimit
	case out.Limit < 0 || out.Limit > MaxLimit:
		f.Add(ParamLimit, problem.M("center.limit_range", "Max", MaxLimit))
	}
	if out.Offset < 0 || out.Offset > maxOffset {
		f.Add(ParamOffset, problem.M("center.offset_range", "Max", maxOffset))
	}
	if err := f.Err(); err != nil {
		return Filter{}, err
	}
	return out, nil
}

// Result is one page of a search.
type Result struct {
	Centers []Found
	Total   int // every match, over all pages
	Limit   int
	Offset  int
}

// Found is a center of the results with how its locality matched.
type Found struct {
	Center
	Match Match
}
