package contactchange

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text, and that contactchange.*.toml define
// nothing else.
func TestMessages(t *testing.T) {
	used := map[string]map[string]any{
		"contacts.same":        nil,
		"contacts.taken":       nil,
		"contacts.one_channel": nil, // the API's answer to both a phone and an e-mail
		"reauth.required":      nil,
		"undo.invalid":         nil,
		"undo.expired":         nil,
		"undo.taken":           nil,
	}
	i18ntest.CheckArea(t, "contactchange", used)
}
