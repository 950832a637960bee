package app_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/i18n"
)

// TestExportNamesEveryEventAndMessage: the «download my data» page words
// every audit action and every message template in both languages, so a
// feature that adds one cannot leave the citizen a raw code. The actions
// are read from the sources (the literals given to audit events), the
// templates from the message types.
func TestExportNamesEveryEventAndMessage(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	action := regexp.MustCompile(`(?:Action: |action :?= |s\.audit\(ctx, )"([a-z_]+(?:\.[a-z_]+)*)"`)
	tmpl := regexp.MustCompile(`Template\(\) string \{ return "([a-z_]+)" \}`)
	root := filepath.Join("..")
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range action.FindAllStringSubmatch(string(b), -1) {
			want["export.action."+m[1]] = true
		}
		for _, m := range tmpl.FindAllStringSubmatch(string(b), -1) {
			want["export.template."+m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 20 {
		t.Fatalf("found only %d actions and templates: the patterns no longer match the sources", len(want))
	}
	for id := range want {
		for _, lang := range []i18n.Lang{"ru", "en"} {
			if !cat.Has(lang, id) {
				t.Errorf("%s: no %q: the export page would show a raw code", lang, id)
			}
		}
	}
}
