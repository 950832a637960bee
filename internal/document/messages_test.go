package document

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
)

// TestMessages checks that every message ID this package returns has a
// Russian and an English text, that document.*.toml define nothing else,
// and that the texts render with the arguments the package passes.
func TestMessages(t *testing.T) {
	used := map[string]map[string]any{"field.too_long": {"Max": MaxIssuedByLen}}
	for _, prefix := range []string{"snils", "passport.series", "passport.number", "division_code", "inn", "oms"} {
		used[prefix+".required"] = nil
		used[prefix+".symbols"] = map[string]any{"Char": "x"}
		used[prefix+".length"] = nil
	}
	for _, id := range []string{"snils.not_issued", "snils.checksum", "passport.issued_by.required", "passport.issue_date.future",
		"inn.organisation", "inn.checksum", "oms.checksum"} {
		used[id] = nil
	}
	used["passport.issued_by.symbols"] = map[string]any{"Char": "U+0007"}
	used["passport.issue_date.before_1997"] = map[string]any{"Date": "01.10.1997"}
	used["passport.issue_date.before_14"] = map[string]any{"Date": "15.06.2018"}
	used["passport.must_be_replaced"] = map[string]any{"Age": 20, "Date": "13.09.2024"}
	i18ntest.CheckArea(t, "document", used)
}
