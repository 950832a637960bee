package contact

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kabinet/kabinet/internal/i18n"
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
	}
	fsys := fstest.MapFS{}
	for _, name := range []string{"common.ru.toml", "common.en.toml", "contact.ru.toml", "contact.en.toml"} {
		data, err := os.ReadFile("../i18n/locales/" + name)
		if err != nil {
			t.Fatal(err)
		}
		fsys["locales/"+name] = &fstest.MapFile{Data: data}
	}
	c, err := i18n.LoadFS(fsys, "locales")
	if err != nil {
		t.Fatal(err)
	}
	if ru, en := c.Keys(i18n.RU), c.Keys(i18n.EN); !slices.Equal(ru, en) {
		t.Errorf("ru and en keys differ:\nru %v\nen %v", ru, en)
	}
	for id, args := range used {
		for _, l := range i18n.Langs {
			if !c.Has(l, id) {
				t.Errorf("%s: no %s text", id, l)
				continue
			}
			s := c.T(l, id, args)
			if s == id || strings.Contains(s, "<no value>") || strings.Contains(s, "{{") {
				t.Errorf("%s (%s) renders as %q", id, l, s)
			}
			for _, v := range args {
				if !strings.Contains(s, fmt.Sprint(v)) {
					t.Errorf("%s (%s) = %q does not show %v", id, l, s, v)
				}
			}
		}
	}
	for _, id := range c.Keys(i18n.RU) {
		if _, ok := used[id]; !ok && !strings.HasPrefix(id, "form.") && !strings.HasPrefix(id, "field.") {
			t.Errorf("%s is defined in contact.*.toml but not used", id)
		}
	}
}
