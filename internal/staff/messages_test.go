package staff

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text and that staff.*.toml define nothing else.
func TestMessages(t *testing.T) {
	i18ntest.CheckArea(t, "staff", map[string]map[string]any{
		"staff.login_required": nil, "staff.password_required": nil, "staff.wrong": nil, "staff.pending_expired": nil,
		"staff.wrong_stage": nil, "staff.code_required": nil, "staff.code_wrong": nil, "staff.code_used": nil,
		"staff.code_rate_limited": {"Wait": "5 минут"}, "staff.too_many_codes": nil, "staff.signed_out": nil, "staff.idle": nil,
		"staff.changed": nil, "staff.forbidden": nil, "staff.no_center": nil, "staff.not_your_center": nil, "staff.not_found": nil,
		"staff.session_not_found": nil, "staff.login_format": nil, "staff.login_taken": nil, "staff.name_required": nil,
		"staff.name_long": nil, "staff.role_required": nil, "staff.role_unknown": {"Role": "x"}, "staff.center_required": nil,
		"staff.center_unknown": {"Center": "x"}, "staff.not_yourself": nil, "staff.change_unknown": nil, "staff.reauth_required": nil,
	})
}
