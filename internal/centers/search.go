package centers

import (
	"slices"
	"strconv"
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

// The typo index. A locality one typo from a query — a letter inserted,
// dropped or replaced, or two neighbours swapped: Distance 1 — is found
// by equality alone: storage keeps each locality's TypoTerms and looks up
// the query's TypoProbes, and a locality other than the query shares a
// term with it exactly when the distance is 1 (FuzzTypoTerms holds it to
// Distance). No candidate needs checking afterwards, so a search is one
// statement. A term's first character says its kind, so kinds never meet:
//
//	"=" + the key: met by "=" + the query less a letter (a letter too many);
//	"~i:" + the key less its i-th letter: met by "~i:" + the query less
//	  its i-th letter (a letter replaced), and by "~i:" + the query (a
//	  letter missing at i);
//	"x" + the key with letters i and i+1 swapped: met by "x" + the query.
//
// Positions count runes; the digits end at the first colon, so two terms
// are equal only with equal positions.

// TypoTerms returns the index terms of a folded locality, without repeats.
func TypoTerms(key string) []string {
	r := []rune(key)
	out := []string{"=" + key}
	for i := range r {
		out = append(out, deletionTerm(r, i))
	}
	for i := 0; i+1 < len(r); i++ {
		if r[i] != r[i+1] {
			out = append(out, swapTerm(r, i))
		}
	}
	return dedupe(out)
}

// TypoProbes returns the terms a folded query looks up to find the
// localities one typo from it, without repeats.
func TypoProbes(q string) []string {
	r := []rune(q)
	out := []string{"x" + q}
	for i := range r {
		out = append(out, "="+string(r[:i])+string(r[i+1:]), deletionTerm(r, i))
	}
	for i := 0; i <= len(r); i++ {
		out = append(out, "~"+strconv.Itoa(i)+":"+q)
	}
	return dedupe(out)
}

func deletionTerm(r []rune, i int) string {
	return "~" + strconv.Itoa(i) + ":" + string(r[:i]) + string(r[i+1:])
}

func swapTerm(r []rune, i int) string {
	s := slices.Clone(r)
	s[i], s[i+1] = s[i+1], s[i]
	return "x" + string(s)
}

// dedupe drops repeats, keeping the first of each.
func dedupe(terms []string) []string {
	seen := make(map[string]bool, len(terms))
	out := terms[:0]
	for _, t := range terms {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
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

// Filter is a search as storage runs it: the query folded, with the
// terms its typos are looked up by.
type Filter struct {
	Key     string   // the folded query; "" for every locality
	Probes  []string // TypoProbes(Key) when a typo is allowed in it (MinTypoLen), else none
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
