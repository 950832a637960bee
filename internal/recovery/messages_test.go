package recovery

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text and that recovery.*.toml define nothing else.
func TestMessages(t *testing.T) {
	i18ntest.CheckArea(t, "recovery", map[string]map[string]any{"recovery.snils": nil})
}
