package password

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text, that password.*.toml define nothing else, and
// that the texts render with the arguments the package passes.
func TestMessages(t *testing.T) {
	used := map[string]map[string]any{
		"password.required":              nil,
		"password.cyrillic":              nil,
		"password.space":                 nil,
		"password.invalid_char":          {"Char": "€"},
		"password.too_short":             {"Min": MinLen},
		"password.too_long":              {"Max": MaxLen},
		"password.common":                nil,
		"password.too_weak":              nil,
		"password.mismatch":              nil,
		"password.same_as_old":           nil,
		"password_confirmation.required": nil,
		"password.hint.case":             nil,
		"password.hint.digit":            nil,
		"password.hint.special":          nil,
		"password.hint.repeat":           {"Max": repeatRun - 1},
		"password.hint.length":           {"Min": RecommendedLen},
		ErrBusy.Message.ID:               ErrBusy.Message.Args,
	}
	i18ntest.CheckArea(t, "password", used)
}
