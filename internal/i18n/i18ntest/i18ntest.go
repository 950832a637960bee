// Package i18ntest checks one area's message catalog from that area's own
// tests: both languages, every ID the package uses, the texts rendering
// with the package's arguments, and nothing defined but unused.
//
// i18ntest imports i18n and the standard library; only tests import it.
package i18ntest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kabinet/kabinet/internal/i18n"
)

// CheckArea loads problem.*.toml (the generic form and field messages) and
// <area>.*.toml alone (so another area's unfinished catalog cannot break
// this one) and checks them against used: message ID → the arguments the
// package passes with it. Every ID in <area>.*.toml must belong to the area
// (i18n.Area).
func CheckArea(t *testing.T, area string, used map[string]map[string]any) {
	t.Helper()
	_, self, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(self), "..", "locales")
	fsys := fstest.MapFS{}
	for _, name := range []string{"problem.ru.toml", "problem.en.toml", area + ".ru.toml", area + ".en.toml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
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
				want := fmt.Sprint(v)
				if d, ok := v.(time.Duration); ok {
					want = i18n.Duration(l, d) // as the catalog writes a wait
				}
				if !strings.Contains(s, want) {
					t.Errorf("%s (%s) = %q does not show %v", id, l, s, v)
				}
			}
		}
	}
	for _, id := range c.Keys(i18n.RU) {
		if src := c.Source(i18n.RU, id); strings.HasPrefix(src, area+".") && i18n.Area(id) != area {
			t.Errorf("%s is defined in %s but belongs to the %s area", id, src, i18n.Area(id))
		}
		if _, ok := used[id]; !ok && !strings.HasPrefix(id, "form.") && !strings.HasPrefix(id, "field.") {
			t.Errorf("%s is defined in %s.*.toml but not used", id, area)
		}
	}
}
