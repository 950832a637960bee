package signin

import (
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text, that signin.*.toml define nothing else, and that
// the texts render with the arguments the package passes.
func TestMessages(t *testing.T) {
	used := map[string]map[string]any{
		"signin.ip_limit":          {"Wait": time.Minute},
		"signin.step_expired":      nil,
		"signin.password_required": nil,
	}
	i18ntest.CheckArea(t, "signin", used)
}
