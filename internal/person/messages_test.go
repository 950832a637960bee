package person

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text, that person.*.toml define nothing else, and
// that the texts render with the arguments the package passes.
func TestMessages(t *testing.T) {
	used := map[string]map[string]any{
		"name.required":     nil,
		"name.digits":       nil,
		"name.symbols":      {"Char": "!"},
		"name.mixed_script": nil,
		"name.separators":   nil,
		"field.too_long":    {"Max": MaxNameLen},
	}
	i18ntest.CheckArea(t, "person", used)
}
