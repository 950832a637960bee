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

		"patronymic.required":    nil,
		"patronymic.with_none":   nil,
		"gender.required":        nil,
		"gender.unknown":         nil,
		"date.required":          nil,
		"date.format":            nil,
		"date.no_such_day":       nil,
		"birth_date.too_early":   {"Year": MinBirthYear},
		"birth_date.future":      nil,
		"birth_date.too_young":   {"Age": MinPassportAge},
		"birth_place.required":   nil,
		"birth_place.symbols":    {"Char": "U+0007"},
		"birth_place.no_letters": nil,
		"citizenship.required":   nil,
		"citizenship.format":     nil,
		"citizenship.unknown":    {"Code": "XYZ"},
	}
	i18ntest.CheckArea(t, "person", used)
}
