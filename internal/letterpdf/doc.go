// Package letterpdf renders the registered letter with a confirmation code
// (заказное письмо с кодом подтверждения личности, SPEC §5.2) as a printable
// A4 PDF, one page per letter and one PDF per batch, and writes the batch's
// register for the Post (a simplified form 103) as CSV or JSON.
//
// The page is laid out for a DL (E65, 110×220 mm) envelope with a window on
// the right, the sheet folded in three: the sender in the top-left corner,
// the addressee in the right half from 45 mm below the top edge, all of it
// in the top third (above the first fold at 99 mm). The text below explains
// what the code is for and how to enter it; the code is printed large in Go
// Mono, next to a QR code that opens the confirmation page with the code
// filled in.
//
// Fonts are the Go fonts (golang.org/x/image), embedded, so every page's text
// is extractable and no system font is needed. Inputs are checked before
// anything is drawn: a field that is empty, too long for its place on the
// page or holds a character the fonts cannot print is an *Error with a
// stable Reason; Validate lets the ordering page refuse such a letter when
// the citizen orders it, not weeks later at the post operator's desk.
//
// letterpdf holds no rules of the portal beyond the letter's wording; it
// reads no clock and does no I/O.
package letterpdf
