package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// usedIDs finds message IDs written literally in Go code and templates.
var usedIDs = []*regexp.Regexp{
	regexp.MustCompile(`problem\.M\("([a-z_.0-9]+)"`),
	regexp.MustCompile(`problem\.New\([a-zA-Z.]+, "([a-z_.0-9]+)"`),
	regexp.MustCompile(`problem\.TooManyUntil\("([a-z_.0-9]+)"`),
	regexp.MustCompile(`Message: +"([a-z_.0-9]+)"`),
	regexp.MustCompile(`\.T\("([a-z_.0-9]+)"`),
	regexp.MustCompile(`Title: +"([a-z_.0-9]+)"`),
	regexp.MustCompile(`\{\{t \$?\.T "([a-z_.0-9]+)"`),
	regexp.MustCompile(`(?:forbidden|notFoundErr)\("([a-z_.0-9]+)"\)`),
}

// TestEveryUsedMessageExists reads the sources for literal message IDs and
// checks each is in the catalog, so a typo shows up here, not as a raw ID
// on a citizen's screen.
func TestEveryUsedMessageExists(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "..")
	found := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".html")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range usedIDs {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				if strings.HasSuffix(m[1], ".") {
					continue // a prefix completed at run time ("strength." + level)
				}
				found++
				if !c.Has(RU, m[1]) || !c.Has(EN, m[1]) {
					t.Errorf("%s uses message %q, which the catalogs lack", path, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 150 {
		t.Errorf("only %d message uses found: is the scan still looking in the right places?", found)
	}
}
