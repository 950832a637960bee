package textsearch

import (
	"math/bits"
	"slices"
	"unicode/utf8"
)

// hashIndex is a static multimap from the hash of a string to term ids,
// built once. It stores no strings: a lookup returns every id filed under
// the same hash, and Correct verifies each candidate against the real
// string, so a collision costs a comparison, never a wrong answer.
//
// Layout, for memory: the entries sorted by hash, as parallel slices of the
// low 32 bits of the hash and the id; dir[b] is where the entries whose
// hash has top bits b begin (about two entries per bucket). That is 8 bytes
// an entry plus about 2 for the directory, against 50 and more for a
// map[string][]int32 of the same deletions.
type hashIndex struct {
	shift uint     // 64 minus the directory's bits
	dir   []uint32 // len 1<<bits + 1
	low   []uint32 // low 32 bits of each entry's hash
	ids   []uint32
}

type hashEntry struct {
	h  uint64
	id uint32
}

func newHashIndex(entries []hashEntry) hashIndex {
	slices.SortFunc(entries, func(a, b hashEntry) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		}
		return int(a.id) - int(b.id)
	})
	entries = slices.Compact(entries) // a term with a doubled letter has equal deletions
	n := bits.Len(uint(len(entries) / 2))
	ix := hashIndex{
		shift: uint(64 - n),
		dir:   make([]uint32, 1<<n+1),
		low:   make([]uint32, len(entries)),
		ids:   make([]uint32, len(entries)),
	}
	for i, e := range entries {
		ix.low[i], ix.ids[i] = uint32(e.h), e.id
		ix.dir[ix.bucket(e.h)+1]++
	}
	for b := 1; b < len(ix.dir); b++ {
		ix.dir[b] += ix.dir[b-1]
	}
	return ix
}

// bucket is h's directory entry: its top bits (none, and bucket 0, for a
// one-bucket directory: in Go a shift by 64 gives 0).
func (ix *hashIndex) bucket(h uint64) uint64 {
	return h >> ix.shift
}

// each calls fn with every id filed under h.
func (ix *hashIndex) each(h uint64, fn func(id uint32)) {
	if len(ix.dir) == 0 {
		return
	}
	b := ix.bucket(h)
	for i := ix.dir[b]; i < ix.dir[b+1]; i++ {
		if ix.low[i] == uint32(h) {
			fn(ix.ids[i])
		}
	}
}

// FNV-1a, 64 bits, then a finalizer so that the top bits (the directory's)
// depend on every byte of a short string.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func hashString(s string) uint64 {
	return mix(fnvAdd(fnvOffset, s))
}

// eachDeletion calls fn with the hash of every string made from s by
// deleting one rune, without building the strings: FNV runs left to
// right, so the hash of the part before the deleted rune is carried on.
func eachDeletion(s string, fn func(h uint64)) {
	prefix := uint64(fnvOffset)
	for i := 0; i < len(s); {
		_, size := utf8.DecodeRuneInString(s[i:])
		fn(mix(fnvAdd(prefix, s[i+size:])))
		prefix = fnvAdd(prefix, s[i:i+size])
		i += size
	}
}
