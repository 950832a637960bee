package profile

import (
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text and that profile.*.toml define nothing else.
func TestMessages(t *testing.T) {
	fields := map[string]any{"Fields": "surname"}
	i18ntest.CheckArea(t, "profile", map[string]map[string]any{
		"document.type_unknown": nil, "citizenship.passport_rf": nil, "verification.not_found": nil,
		"personal_data.rate_limited": {"Wait": time.Hour}, "verification.in_progress": nil,
		"verification.snils_mismatch": fields, "verification.snils_unknown": nil, "verification.snils_taken": nil,
		"verification.passport_mismatch": fields, "verification.passport_lost": nil, "verification.passport_expired": nil,
		"verification.passport_replaced": nil, "verification.passport_not_issued": nil, "verification.refused": nil,
	})
}
