package contact

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text, that contact.*.toml define nothing else, and
// that the texts render with the arguments the package passes.
func TestMessages(t *testing.T) {
	used := map[string]map[string]any{
		"phone.required":   nil,
		"phone.invalid":    nil,
		"phone.not_mobile": nil,
		"email.required":   nil,
		"email.invalid":    nil,
		"email.too_long":   {"Max": MaxEmailLen},
		"login.invalid":    nil,

		"phone.home.invalid":      nil,
		"phone.home.no_code":      nil,
		"phone.home.foreign":      nil,
		"phone.home.mobile":       nil,
		"phone.home.not_landline": nil,
	}
	i18ntest.CheckArea(t, "contact", used)
}
