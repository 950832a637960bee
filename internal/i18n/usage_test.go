package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
	regexp.MustCompile(`(?:notFound|expectOne)\([a-z]+, "([a-z_.0-9]+)"\)`), // the store's not-found answers
	regexp.MustCompile(`\bMsg[A-Z][A-Za-z]* += "([a-z_.0-9]+)"`),            // a package's message constants
}

// literal is any quoted string that looks like a message ID or a prefix of
// some ("strength." + level, print "history.outcome." .Outcome).
var literal = regexp.MustCompile(`"([a-z][a-z_0-9]*(?:(?:\.[a-z_0-9]+)+\.?|\.))"`)

// sources calls fn with each Go file (tests left out), page template and
// message template of the module, outside this package.
func sources(t *testing.T, fn func(path, text string)) {
	t.Helper()
	root := filepath.Join("..", "..")
	self, _ := filepath.Abs(".")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root {
			if abs, _ := filepath.Abs(path); abs == self || d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") ||
			!(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".html") || strings.HasSuffix(path, ".tmpl")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, string(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEveryUsedMessageExists reads the sources for literal message IDs and
// checks each is in the catalog, so a typo shows up here, not as a raw ID
// on a citizen's screen.
func TestEveryUsedMessageExists(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	sources(t, func(path, text string) {
		for _, re := range usedIDs {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				if strings.HasSuffix(m[1], ".") {
					continue // a prefix completed at run time ("strength." + level)
				}
				found++
				if !c.Has(RU, m[1]) || !c.Has(EN, m[1]) {
					t.Errorf("%s uses message %q, which the catalogs lack", path, m[1])
				}
				if !inWeb(path) && Area(m[1]) == Web {
					t.Errorf("%s uses message %q, which is page wording (web.*.toml): give it to its package's area (owners in areas.go)", path, m[1])
				}
			}
		}
	})
	if found < 150 {
		t.Errorf("only %d message uses found: is the scan still looking in the right places?", found)
	}
}

// inWeb reports whether a source file belongs to the web package (its Go
// code or its page templates).
func inWeb(path string) bool {
	return strings.HasPrefix(filepath.ToSlash(path), "../../internal/web/")
}

// TestEveryMessageIsUsed: every ID in the catalogs is written somewhere in
// the sources, whole or as a prefix completed at run time ("level." +
// level); a message nobody shows is a translation nobody checks.
func TestEveryMessageIsUsed(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	whole, prefixes := map[string]bool{}, []string{}
	sources(t, func(_, text string) {
		for _, m := range literal.FindAllStringSubmatch(text, -1) {
			if strings.HasSuffix(m[1], ".") {
				prefixes = append(prefixes, m[1])
			} else {
				whole[m[1]] = true
			}
		}
	})
	for _, id := range c.Keys(RU) {
		if !whole[id] && !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(id, p) }) {
			t.Errorf("%s (%s) is defined but not used", id, c.Source(RU, id))
		}
	}
}

// TestEachAreaHoldsItsOwnMessages: locales/<area>.<lang>.toml defines only
// IDs of that area (Area), so a package's messages stay in its file and the
// pages' file holds page wording only.
func TestEachAreaHoldsItsOwnMessages(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	areas := map[string]bool{}
	for _, l := range Langs {
		for _, id := range c.Keys(l) {
			src := c.Source(l, id)
			area, _, _ := strings.Cut(src, ".")
			areas[area] = true
			if Area(id) != area {
				t.Errorf("%s is defined in %s but belongs to the %s area (see owners in areas.go)", id, src, Area(id))
			}
		}
	}
	for _, want := range []string{"problem", "contact", "person", "password", "otp", "flow", "session", "account",
		"lockout", "signin", "registration", "notify", Web} {
		if !areas[want] {
			t.Errorf("no %s area", want)
		}
	}
	for prefix, area := range owners {
		if !areas[area] {
			t.Errorf("owners gives %q to %s, which has no catalog", prefix, area)
		}
	}
}

func TestArea(t *testing.T) {
	for id, want := range map[string]string{
		"code.used": "flow", "code.required": "otp", "code.label": Web, "code.resend_wait": "flow", "code.resend_at": Web,
		"signin.wrong_left": "lockout", "signin.title": Web, "signin.ip_limit": "signin",
		"account.next.heading": Web, "account.not_found": "account", "phone.invalid": "contact", "home.title": Web,
		"codex": Web,
	} {
		if got := Area(id); got != want {
			t.Errorf("Area(%q) = %s, want %s", id, got, want)
		}
	}
}
