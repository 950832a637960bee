package letterpdf

import (
	"fmt"
	"strings"
)

// Reason is a stable, machine-readable code for why a letter or a batch was
// refused; the caller translates it (with Detail) for the citizen or the
// post operator.
type Reason string

// The reasons an *Error can carry.
const (
	ReasonRequired     Reason = "required"       // the field is empty
	ReasonTooLong      Reason = "too_long"       // longer than Detail characters (bytes for URLs)
	ReasonTooManyLines Reason = "too_many_lines" // wrapped to more lines than its block holds (Detail: the most)
	ReasonBadChar      Reason = "bad_char"       // a control or invisible character, or invalid UTF-8 (Detail: U+XXXX)
	ReasonNoGlyph      Reason = "no_glyph"       // the Go fonts cannot print this character (Detail: the character)
	ReasonCodeChar     Reason = "code_char"      // the code has a character outside the letter package's CodeAlphabet and '-' (Detail: it)
	ReasonCodeFormat   Reason = "code_format"    // the code starts or ends with '-', or has "--"
	ReasonPostcode     Reason = "postcode"       // not six digits
	ReasonID           Reason = "id"             // the letter ID has a character other than A-Z a-z 0-9 . _ / -
	ReasonURL          Reason = "url"            // not an absolute http(s) URL without spaces
	ReasonDates        Reason = "dates"          // ValidUntil is not after OrderedAt
	ReasonDuplicateID  Reason = "duplicate_id"   // two letters of a batch share an ID (Detail: the other's index)
	ReasonEmptyBatch   Reason = "empty_batch"    // no letters
	ReasonBatchSize    Reason = "batch_size"     // more than MaxBatch letters (Detail: MaxBatch)
	ReasonOverflow     Reason = "page_overflow"  // the text does not fit on one page
	ReasonRender       Reason = "render"         // the PDF engine failed; a bug, see Err
)

// Error is a refused letter, sender or batch. Letter is the letter's index
// in the batch (-1 for the sender or the batch as a whole) and LetterID its
// ID; Field names the input, with the Go field's name in snake case
// ("recipient", "address.street", "code", "sender.address"); Detail is what
// the message needs (a limit, a character).
type Error struct {
	Letter   int
	LetterID string
	Field    string
	Reason   Reason
	Detail   string
	Err      error // the cause, for ReasonRender; for logs only
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("letterpdf: ")
	if e.Letter >= 0 {
		fmt.Fprintf(&b, "letter %d", e.Letter)
		if e.LetterID != "" {
			fmt.Fprintf(&b, " (%s)", e.LetterID)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(string(e.Reason))
	if e.Detail != "" {
		b.WriteString(" (" + e.Detail + ")")
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// fieldErr is the error for one field, before its letter is known.
func fieldErr(field string, r Reason, detail string) *Error {
	return &Error{Letter: -1, Field: field, Reason: r, Detail: detail}
}

// inLetter places err, when it is an *Error, in letter i of a batch.
func inLetter(err error, i int, id string) error {
	if e, ok := err.(*Error); ok {
		e.Letter, e.LetterID = i, strings.TrimSpace(id)
		return e
	}
	return err
}
