package lockout

import (
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text, that lockout.*.toml define nothing else, and that
// the texts render with the arguments the package passes.
func TestMessages(t *testing.T) {
	used := map[string]map[string]any{
		"signin.wrong":      nil,
		"signin.wrong_left": {"Count": 2},
		"signin.locked":     {"Wait": 15 * time.Minute},
		"signin.suspended":  nil,
	}
	i18ntest.CheckArea(t, "lockout", used)
}
