package credential

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text, that credential.*.toml define nothing else,
// and that the texts render with the arguments the package passes.
func TestMessages(t *testing.T) {
	used := map[string]map[string]any{
		"credential.required":   nil,
		"credential.wrong":      nil,
		"credential.wrong_left": {"Count": 2},
		"credential.same":       nil,
	}
	i18ntest.CheckArea(t, "credential", used)
}
