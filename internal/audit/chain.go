package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The hash chain (docs/decisions/0013-audit-chain.md). Record n of the log
// (n = 1, 2, …, its Seq) carries
//
//	Prev_n = Hash_{n-1}   (32 zero bytes for n = 1)
//	Hash_n = SHA-256(Prev_n || Canonical(n, event_n))
//
// so changing, removing or inserting a record breaks the chain at that
// record: its own hash no longer matches, or the next record's Prev, or the
// Seq numbers jump. The chain is plain SHA-256, not keyed: anyone holding
// the rows can recompute it, an outside auditor included; what a database
// writer who rewrites the whole tail cannot change is a head already
// recorded outside the database (Anchor).

// HashSize is the size of a link's hash.
const HashSize = sha256.Size

// Hash is one link's hash.
type Hash [HashSize]byte

// Genesis is the Prev of the first record.
var Genesis Hash

// String is the hash in lower-case hex, as stored.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// ParseHash reads a hash written by String.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*HashSize {
		return h, fmt.Errorf("audit: hash %q: want %d hex digits", s, 2*HashSize)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("audit: hash %q: %w", s, err)
	}
	return h, nil
}

// canonicalTag opens every record's encoding, naming the encoding's version.
const canonicalTag = "kabinet.audit.v1"

// Canonical is the byte encoding of the record at position seq that its hash
// covers. Every text is written as its length (4 bytes, big-endian) and its
// UTF-8 bytes; integers as 8 bytes, big-endian, two's complement:
//
//	text("kabinet.audit.v1") int(seq) int(at, Unix ms; 0 when unset)
//	text(action) text(actor_kind) text(actor_id) text(actor_role)
//	text(center_id) text(subject_account_id) text(ip) text(request_id)
//	text(reason) count(details, 4 bytes) then for each detail, keys sorted
//	by their bytes: text(key) text(value)
//
// An absent value (NULL in the database) is the empty text. The record's
// database ID is not covered: Seq is its place in the chain.
func Canonical(seq int64, e *Event) []byte {
	n := 4 + len(canonicalTag) + 16 + 4
	texts := [...]string{e.Action, e.ActorKind, e.ActorID, e.ActorRole, e.CenterID, e.SubjectAccountID, e.IP, e.RequestID, e.Reason}
	for _, s := range texts {
		n += 4 + len(s)
	}
	keys := make([]string, 0, len(e.Details))
	for k, v := range e.Details {
		keys = append(keys, k)
		n += 8 + len(k) + len(v)
	}
	sort.Strings(keys)
	b := make([]byte, 0, n)
	b = appendText(b, canonicalTag)
	b = binary.BigEndian.AppendUint64(b, uint64(seq))
	var at int64
	if !e.At.IsZero() {
		at = e.At.UnixMilli()
	}
	b = binary.BigEndian.AppendUint64(b, uint64(at))
	for _, s := range texts {
		b = appendText(b, s)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(keys)))
	for _, k := range keys {
		b = appendText(b, k)
		b = appendText(b, e.Details[k])
	}
	return b
}

func appendText(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Next returns the hash of the record at position seq that follows prev.
func Next(prev Hash, seq int64, e *Event) Hash {
	h := sha256.New()
	h.Write(prev[:])
	h.Write(Canonical(seq, e))
	var out Hash
	h.Sum(out[:0])
	return out
}

// Link is a record's place in the chain as stored with it.
type Link struct {
	Seq  int64 // 0: the record is not chained
	Prev Hash
	Hash Hash
}

// Head is the chain's last link: the next record gets Seq+1 and Prev Hash.
// The empty chain's head is {0, Genesis}.
type Head struct {
	Seq  int64
	Hash Hash
}

// Chain returns the link of e appended after the head, and the new head.
func (h Head) Chain(e *Event) (Link, Head) {
	l := Link{Seq: h.Seq + 1, Prev: h.Hash}
	l.Hash = Next(l.Prev, l.Seq, e)
	return l, Head{Seq: l.Seq, Hash: l.Hash}
}

// What a broken link is.
const (
	BreakUnchained = "unchained"     // the record has no link
	BreakGap       = "gap"           // Seq is not the previous record's plus one (a record removed, or inserted)
	BreakPrev      = "prev_mismatch" // Prev is not the previous record's Hash
	BreakHash      = "hash_mismatch" // Hash is not Next(Prev, Seq, the record): the record was changed
	BreakHead      = "head_mismatch" // the chain does not end at its recorded head (records removed from the end)
	BreakAnchor    = "anchor_mismatch"
)

// Break is the first broken link the Verifier found.
type Break struct {
	ID     int64  // the record's database ID; 0 for the head
	Seq    int64  // the record's Seq as stored
	Kind   string // Break…
	Detail string // what was expected and found, for the operator
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at record %d (seq %d): %s: %s", b.ID, b.Seq, b.Kind, b.Detail)
}

// Anchor is a link recorded outside the database (its Seq and Hash, as
// `kabinet audit verify` prints the head): a chain recomputed after an edit
// no longer passes through it.
type Anchor struct {
	Seq  int64
	Hash Hash
}

// ParseAnchor reads an anchor written as "seq:hash" ("1042:9f86d0…").
func ParseAnchor(s string) (Anchor, error) {
	seq, hash, ok := strings.Cut(s, ":")
	if !ok {
		return Anchor{}, fmt.Errorf("audit: anchor %q: want seq:hash", s)
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil || n <= 0 {
		return Anchor{}, fmt.Errorf("audit: anchor %q: seq must be a positive number", s)
	}
	h, err := ParseHash(hash)
	if err != nil {
		return Anchor{}, err
	}
	return Anchor{Seq: n, Hash: h}, nil
}

// String writes the anchor as ParseAnchor reads it.
func (a Anchor) String() string { return strconv.FormatInt(a.Seq, 10) + ":" + a.Hash.String() }

// Verifier checks records given in the order of their database IDs, in
// constant memory. Use one per walk.
type Verifier struct {
	// Anchors are links the chain must pass through.
	Anchors []Anchor
	head    Head
	checked int64
	broken  *Break
}

// Checked is how many records were checked.
func (v *Verifier) Checked() int64 { return v.checked }

// Head is the last link checked.
func (v *Verifier) Head() Head { return v.head }

// Check checks the next record and returns the first break, which it
// keeps returning once found.
func (v *Verifier) Check(id int64, e *Event, l Link) *Break {
	if v.broken != nil {
		return v.broken
	}
	v.checked++
	want := v.head.Seq + 1
	switch {
	case l.Seq == 0:
		v.broken = &Break{ID: id, Kind: BreakUnchained, Detail: fmt.Sprintf("expected seq %d", want)}
	case l.Seq != want:
		v.broken = &Break{ID: id, Seq: l.Seq, Kind: BreakGap, Detail: fmt.Sprintf("expected seq %d, found %d", want, l.Seq)}
	case l.Prev != v.head.Hash:
		v.broken = &Break{ID: id, Seq: l.Seq, Kind: BreakPrev, Detail: fmt.Sprintf("prev %s, previous record's hash %s", l.Prev, v.head.Hash)}
	default:
		if got := Next(l.Prev, l.Seq, e); got != l.Hash {
			v.broken = &Break{ID: id, Seq: l.Seq, Kind: BreakHash, Detail: fmt.Sprintf("stored %s, recomputed %s", l.Hash, got)}
		}
	}
	if v.broken == nil {
		for _, a := range v.Anchors {
			if a.Seq == l.Seq && a.Hash != l.Hash {
				v.broken = &Break{ID: id, Seq: l.Seq, Kind: BreakAnchor, Detail: fmt.Sprintf("anchored %s, found %s", a.Hash, l.Hash)}
			}
		}
	}
	if v.broken != nil {
		return v.broken
	}
	v.head = Head{Seq: l.Seq, Hash: l.Hash}
	return nil
}

// Finish checks the end of the walk against the head recorded in the
// database and the anchors, and returns the first break of the walk.
func (v *Verifier) Finish(recorded Head) *Break {
	if v.broken != nil {
		return v.broken
	}
	if recorded != v.head {
		v.broken = &Break{Seq: recorded.Seq, Kind: BreakHead,
			Detail: fmt.Sprintf("recorded head seq %d %s, the records end at seq %d %s", recorded.Seq, recorded.Hash, v.head.Seq, v.head.Hash)}
		return v.broken
	}
	for _, a := range v.Anchors {
		if a.Seq > v.head.Seq {
			v.broken = &Break{Seq: a.Seq, Kind: BreakAnchor, Detail: fmt.Sprintf("anchored seq %d is past the end (seq %d)", a.Seq, v.head.Seq)}
			return v.broken
		}
	}
	return nil
}
