// Package letter confirms a citizen's identity by a registered letter
// (issue 13 §1, SPEC.md §5.2): a standard-level citizen orders a letter to
// a postal address; a post operator prints the ordered letters in batches,
// each with a code that exists only on paper (kabinet keeps its keyed
// hash), and hands them to the post; the citizen types the code from the
// letter and the account becomes confirmed.
//
// The code is made when the letter is printed, not when it is ordered: it
// is never stored in the clear, so the batch's PDF is the only place it
// exists, and a letter printed again gets a new code (the old one stops
// working). It is ten characters of an alphabet without look-alikes
// (CodeAlphabet: about 44 bits), valid Validity from printing, with
// MaxWrong wrong entries per code and CodeLimit entries a day per account.
//
// An account has at most one letter in play: a new order replaces the
// previous one (its code stops working), and so does a confirmation by
// another method. Orders are limited to one a day and four in 30 days
// (OrderRules), counted from the letters themselves.
//
// letter imports account, address, audit, message, otp, problem, staff and
// throttle.
package letter

import (
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/address"
)

// Status is where a letter is.
type Status string

const (
	Ordered  Status = "ordered"  // waiting for a post operator's batch
	Printed  Status = "printed"  // in a printed batch: its code exists, on paper
	Sent     Status = "sent"     // handed to the post
	Returned Status = "returned" // came back undelivered
	Used     Status = "used"     // its code confirmed the account
	Locked   Status = "locked"   // MaxWrong wrong codes: order again
	Replaced Status = "replaced" // a newer order, a cancellation or another confirmation voided it
)

// InPlay reports whether a letter of this status may still confirm the
// account (or will, once printed).
func (s Status) InPlay() bool {
	return s == Ordered || s == Printed || s == Sent || s == Returned
}

// Letter is one ordered letter.
type Letter struct {
	ID        string
	AccountID string
	// Recipient is the addressee's full name as verified when ordered, and
	// Address where it goes: both personal data, sealed at rest.
	Recipient string
	Address   address.Address
	Status    Status
	BatchID   string // "" until printed
	// CodeHash is the keyed hash of the code (otp.Hasher, purpose
	// CodePurpose, owner the letter's ID); nil until printed.
	CodeHash  []byte
	Wrong     int // wrong codes entered since it was printed
	OrderedAt time.Time
	PrintedAt time.Time // zero until printed
	SentAt    time.Time
	// ReturnedAt is when the post returned it, UsedAt when its code
	// confirmed the account, ClosedAt when it left play otherwise
	// (replaced or locked).
	ReturnedAt time.Time
	UsedAt     time.Time
	ClosedAt   time.Time
	ExpiresAt  time.Time // PrintedAt + Validity; zero until printed
}

// Expired reports whether the letter's code no longer works at now.
func (l *Letter) Expired(now time.Time) bool {
	return !l.ExpiresAt.IsZero() && !now.Before(l.ExpiresAt)
}

// Batch is a post operator's print run: letters printed together, handed
// to the post together.
type Batch struct {
	ID        string
	StaffID   string
	CenterID  string // the post operator's office, "" when none
	Letters   int
	PrintedAt time.Time
	SentAt    time.Time // zero until handed to the post
}

// CodeAlphabet is the code's alphabet: digits and Latin capitals without
// the ones people confuse (0 O Q D, 1 I L, 2 Z, 5 S, 8 B, U V). Typed
// codes are folded to it (NormalizeCode).
const CodeAlphabet = "34679ACEFGHJKMNPRTWXY"

// CodeLen is the code's length in characters.
const CodeLen = 10

// CodePurpose binds a code's hash to letters (otp.Hasher).
const CodePurpose = "letter.code"

// FormatCode writes a code as printed and shown: three groups, "7KQ4-M9TX-2P".
func FormatCode(code string) string {
	if len(code) != CodeLen {
		return code
	}
	return code[:4] + "-" + code[4:8] + "-" + code[8:]
}

// lookalikes maps the Cyrillic letters that look like the alphabet's Latin
// ones (a Russian keyboard layout left on) to them.
var lookalikes = strings.NewReplacer(
	"А", "A", "В", "B", "С", "C", "Е", "E", "Н", "H", "К", "K", "М", "M", "Р", "P", "Т", "T", "Х", "X", "У", "Y",
	"а", "A", "в", "B", "с", "C", "е", "E", "н", "H", "к", "K", "м", "M", "р", "P", "т", "T", "х", "X", "у", "Y",
)

// NormalizeCode reads a code as people type it — any case, Cyrillic
// look-alikes, spaces and dashes anywhere — and returns it in the
// alphabet, or false when it cannot be a code.
func NormalizeCode(s string) (string, bool) {
	if len(s) > 64 {
		return "", false
	}
	s = strings.ToUpper(lookalikes.Replace(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == ' ' || r == '-' || r == '\u00a0' || r == '\t':
			continue
		case r < 128 && strings.ContainsRune(CodeAlphabet, r):
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != CodeLen {
		return "", false
	}
	return b.String(), true
}
