package deletion

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text and that deletion.*.toml define nothing else.
func TestMessages(t *testing.T) {
	i18ntest.CheckArea(t, "deletion", map[string]map[string]any{"deletion.none": nil})
}
