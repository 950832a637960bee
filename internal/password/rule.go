package password

import (
	"fmt"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/problem"
)

// The rule from the portal's regulations: at least MinLen characters, only
// Latin letters, digits and punctuation (printable ASCII, 0x21–0x7E). MaxLen
// bounds the work of hashing and scoring.
const (
	MinLen = 8
	MaxLen = 128
)

// CheckRule checks the required rule and returns the first broken part, the
// most specific first, as a problem.Message:
//
//   - "password.cyrillic": a Cyrillic letter, most likely typed with the
//     Russian keyboard layout on;
//   - "password.space": a space (or any other white space);
//   - "password.invalid_char" (Char): any other character outside 0x21–0x7E;
//   - "password.too_short" (Min): fewer than MinLen characters;
//   - "password.too_long" (Max): more than MaxLen characters.
//
// The recommendations (mixed case, digits, special characters, no runs)
// are not required; see Strength.
func CheckRule(pw string) error {
	var space, other bool
	var char rune
	n := 0
	for _, r := range pw {
		n++
		switch {
		case r >= 0x21 && r <= 0x7e:
		case unicode.Is(unicode.Cyrillic, r):
			return problem.M("password.cyrillic")
		case unicode.IsSpace(r):
			space = true
		case !other:
			other, char = true, r
		}
	}
	switch {
	case space:
		return problem.M("password.space")
	case other:
		return problem.M("password.invalid_char", "Char", visible(char))
	case n < MinLen:
		return problem.M("password.too_short", "Min", MinLen)
	case n > MaxLen:
		return problem.M("password.too_long", "Max", MaxLen)
	}
	return nil
}

// visible returns r as a user can see it in a message: the character, or
// its code point when it would be invisible.
func visible(r rune) string {
	if r == utf8.RuneError || !unicode.IsGraphic(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Zs, r) {
		return fmt.Sprintf("U+%04X", r)
	}
	return string(r)
}

// SameAsOld is the refusal of a new password equal to the one it
// replaces (recovery, a change): field "password", "password.same_as_old".
// The caller finds out by verifying the new password against the old hash.
func SameAsOld() error { return problem.InvalidField("password", problem.M("password.same_as_old")) }

// Validate checks a new password and its confirmation as a form does and
// returns a problem.Invalid error (built with problem.Fields) or nil.
//
// Field "password": "password.required" when empty, else CheckRule's
// message, else "password.common" when Strength finds it common, else
// "password.too_weak" when its score is below 2. Field
// "password_confirmation": "password_confirmation.required" when empty,
// "password.mismatch" when it differs from the password.
//
// userInputs are passed to Strength: the user's name, phone, e-mail.
func Validate(pw, confirmation string, userInputs ...string) error {
	var f problem.Fields
	switch {
	case pw == "":
		f.Add("password", problem.M("password.required"))
	default:
		if err := CheckRule(pw); err != nil {
			f.Add("password", err)
			break
		}
		v := Strength(pw, userInputs...)
		switch {
		case v.Common:
			f.Add("password", problem.M("password.common"))
		case v.Score < 2:
			f.Add("password", problem.M("password.too_weak"))
		}
	}
	switch {
	case confirmation == "":
		f.Add("password_confirmation", problem.M("password_confirmation.required"))
	case confirmation != pw:
		f.Add("password_confirmation", problem.M("password.mismatch"))
	}
	return f.Err()
}
