package registration

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text, that registration.*.toml define nothing else, and that
// the texts render with the arguments the package passes.
func TestMessages(t *testing.T) {
	used := map[string]map[string]any{
		"terms.required":           nil,
		"registration.raced":       nil,
		"registration.one_channel": nil, // the API's answer to both a phone and an e-mail
	}
	i18ntest.CheckArea(t, "registration", used)
}
