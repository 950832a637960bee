package desk

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text and that desk.*.toml define nothing else.
func TestMessages(t *testing.T) {
	i18ntest.CheckArea(t, "desk", map[string]map[string]any{
		"desk.by.invalid": nil, "desk.value.required": nil, "desk.reason.invalid": nil, "desk.passport.invalid": nil,
		"desk.passport.mismatch": nil, "desk.not_found": nil, "desk.not_verified": nil, "desk.already_confirmed": nil,
		"desk.not_confirmed": nil, "desk.search_rate_limited": {"Wait": "5 минут"}, "desk.confirm_rate_limited": {"Wait": "5 минут"},
		"desk.phone_taken": nil, "desk.contact_taken": nil, "desk.contact_one": nil,
	})
}
