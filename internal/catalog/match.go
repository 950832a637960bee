package catalog

import (
	"iter"
	"math/bits"

	"github.com/kabinet/kabinet/internal/account"
)

// The search matches in memory (decision 19): every node's lexicon holds
// each published service's terms and filters, numbered in the cheap order
// — by popularity, then by ID — so that a query is a few operations on
// sets of those numbers (a 20 000-service catalog's set is 2.5 kB) and
// the database is asked nothing but the catalog's generation.

// bitset is a set of services by their numbers.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

// full returns the set of the numbers 0 … n−1.
func full(n int) bitset {
	b := newBitset(n)
	for i := range b {
		b[i] = ^uint64(0)
	}
	if r := n % 64; r != 0 {
		b[len(b)-1] = 1<<r - 1
	}
	return b
}

func (b bitset) add(i uint32)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i uint32) bool { return b[i/64]&(1<<(i%64)) != 0 }

func (b bitset) addAll(ids []uint32) {
	for _, i := range ids {
		b.add(i)
	}
}

func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}

func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}

func (b bitset) andNot(o bitset) {
	for i := range b {
		b[i] &^= o[i]
	}
}

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// members yields the numbers in the set, in ascending order.
func (b bitset) members() iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for i, w := range b {
			for w != 0 {
				if !yield(uint32(i*64 + bits.TrailingZeros64(w))) {
					return
				}
				w &= w - 1
			}
		}
	}
}

// docTerms are each service's terms as dictionary numbers, flat: service
// d's are ids[at[d]:at[d+1]], in any order, repeats allowed.
type docTerms struct {
	at  []uint32
	ids []uint32
}

// postings are the services that hold each term of the dictionary, by
// the term's number: at[t] … at[t+1] in ids, ascending. Flat, so that the
// garbage collector has nothing to scan in them.
type postings struct {
	at  []uint32
	ids []uint32
}

func (p *postings) of(t uint32) []uint32 { return p.ids[p.at[t]:p.at[t+1]] }

// newPostings inverts the terms of n services (each calls visit with each
// of service d's term numbers, repeats allowed) over a dictionary of size
// terms.
func newPostings(n, size int, each func(d int, visit func(t uint32))) postings {
	p := postings{at: make([]uint32, size+1)}
	last := make([]uint32, size) // the last service counted for each term, plus one
	for d := range n {
		each(d, func(t uint32) {
			if last[t] != uint32(d)+1 {
				last[t] = uint32(d) + 1
				p.at[t+1]++
			}
		})
	}
	for t := range size {
		p.at[t+1] += p.at[t]
	}
	p.ids = make([]uint32, p.at[size])
	next := make([]uint32, size)
	copy(next, p.at[:size])
	clear(last)
	for d := range n {
		each(d, func(t uint32) {
			if last[t] != uint32(d)+1 {
				last[t] = uint32(d) + 1
				p.ids[next[t]] = uint32(d)
				next[t]++
			}
		})
	}
	return p
}

// matchIndex is what a query is matched against: which services hold each
// term, anywhere (every) or in the title or keywords (titled), and the
// filters' sets.
type matchIndex struct {
	n          int
	every      postings
	titled     postings
	popularity []int
	federal    bitset
	levels     map[account.Level]bitset
	categories map[string]bitset
	in, out    map[string]bitset // by region: the variants available there, withdrawn there
}

// newMatchIndex indexes services, numbered in their order: all their
// terms, and their ranked fields (the title and keywords) over a
// dictionary of size terms.
func newMatchIndex(services []ServiceTerms, all *docTerms, ranked *rankIndex, size int) matchIndex {
	n := len(services)
	x := matchIndex{n: n, popularity: make([]int, n), federal: newBitset(n),
		levels: map[account.Level]bitset{}, categories: map[string]bitset{}, in: map[string]bitset{}, out: map[string]bitset{}}
	set := func(m map[string]bitset, k string, d int) {
		b, ok := m[k]
		if !ok {
			b = newBitset(n)
			m[k] = b
		}
		b.add(uint32(d))
	}
	for d, s := range services {
		x.popularity[d] = s.Popularity
		h := s.Summary
		if h.Federal {
			x.federal.add(uint32(d))
		}
		if _, ok := x.levels[h.Level]; !ok {
			x.levels[h.Level] = newBitset(n)
		}
		x.levels[h.Level].add(uint32(d))
		set(x.categories, h.Category, d)
		for _, r := range s.Regions {
			if r.Available {
				set(x.in, r.Region, d)
			} else {
				set(x.out, r.Region, d)
			}
		}
	}
	titled := func(d int, visit func(uint32)) {
		f := ranked.fieldsOf(uint32(d))
		for _, t := range f[0] {
			visit(t)
		}
		for _, t := range f[1] {
			visit(t)
		}
	}
	x.titled = newPostings(n, size, titled)
	// The title and keywords' terms are among All's; a service that says
	// otherwise still matches by them.
	x.every = newPostings(n, size, func(d int, visit func(uint32)) {
		for _, t := range all.ids[all.at[d]:all.at[d+1]] {
			visit(t)
		}
		titled(d, visit)
	})
	return x
}

// filter is the set of the services that pass q's filters: in the region
// (a federal service unless withdrawn there, any other where available),
// of the category, opened by the level.
func (x *matchIndex) filter(q Query) bitset {
	b := full(x.n)
	if q.Region != "" {
		r := newBitset(x.n)
		r.or(x.federal)
		if out, ok := x.out[q.Region]; ok {
			r.andNot(out)
		}
		if in, ok := x.in[q.Region]; ok {
			r.or(in)
		}
		b.and(r)
	}
	if q.Category != "" {
		c, ok := x.categories[q.Category]
		if !ok {
			return newBitset(x.n)
		}
		b.and(c)
	}
	if q.Level != "" {
		opened := newBitset(x.n)
		for _, l := range []account.Level{account.Simplified, account.Standard, account.Confirmed} {
			if s, ok := x.levels[l]; ok && q.Level.Meets(l) {
				opened.or(s)
			}
		}
		b.and(opened)
	}
	return b
}

// Match finds the published services q matches — every group, the prefix
// and the filters — and returns n of them from the from-th in the cheap
// order (Matches), with their count up to CountCap. A query of no words
// matches every service that passes the filters.
func (l *Lexicon) Match(q Query, from, n int) Matches {
	x := &l.match
	every := x.filter(q)
	for _, g := range q.Groups {
		every.and(l.group(g, &x.every))
	}
	if q.Prefix != "" {
		every.and(l.prefix(q.Prefix, &x.every))
	}
	count := every.count()
	m := Matches{Total: min(count, CountCap), More: count > CountCap}
	if n <= 0 || from >= count {
		return m
	}
	skip := from
	take := func(d uint32) bool {
		if skip > 0 {
			skip--
			return true
		}
		m.Candidates = append(m.Candidates, Candidate{Key: l.ids[d], Popularity: x.popularity[d]})
		return len(m.Candidates) < n
	}
	if from == 0 && count <= n {
		for d := range every.members() {
			take(d)
		}
		return m
	}
	first := newBitset(x.n)
	first.or(every)
	for _, g := range q.Groups {
		first.and(l.group(g, &x.titled))
	}
	if q.Prefix != "" {
		first.and(l.prefix(q.Prefix, &x.titled))
	}
	for d := range first.members() {
		if !take(d) {
			return m
		}
	}
	for d := range every.members() {
		if !first.has(d) && !take(d) {
			return m
		}
	}
	return m
}

// group is the set of the services that hold all the terms of one of g's
// alternatives, by p.
func (l *Lexicon) group(g [][]string, p *postings) bitset {
	out := newBitset(l.match.n)
	var alt, term bitset
	for _, terms := range g {
		for i, t := range terms {
			id, ok := l.lookup(t)
			if !ok {
				alt = nil
				break
			}
			if i == 0 {
				alt = newBitset(l.match.n)
				alt.addAll(p.of(id))
				continue
			}
			if term == nil {
				term = newBitset(l.match.n)
			}
			clear(term)
			term.addAll(p.of(id))
			alt.and(term)
		}
		if alt != nil {
			out.or(alt)
		}
		alt = nil
	}
	return out
}

// prefix is the set of the services that hold a term beginning with
// prefix, by p.
func (l *Lexicon) prefix(prefix string, p *postings) bitset {
	out := newBitset(l.match.n)
	lo, hi := l.prefixed(prefix)
	for t := lo; t < hi; t++ {
		out.addAll(p.of(t))
	}
	return out
}
