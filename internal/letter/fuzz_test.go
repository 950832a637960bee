package letter_test

import (
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/letter"
)

// FuzzNormalizeCode: whatever is typed, a code read back is CodeLen
// characters of the alphabet, and reads back to itself.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"ACEF-GHJK-MN", "асеf ghjk mn", "", "\xff", strings.Repeat("A", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := letter.NormalizeCode(s)
		if !ok {
			return
		}
		if len(c) != letter.CodeLen || strings.Trim(c, letter.CodeAlphabet) != "" {
			t.Fatalf("%q read as %q", s, c)
		}
		if again, ok := letter.NormalizeCode(letter.FormatCode(c)); !ok || again != c {
			t.Fatalf("%q: %q reads back as %q", s, c, again)
		}
	})
}
