// Package i18n holds kabinet's Russian and English message catalogs and
// translates problem.Message values and template strings.
//
// Catalogs are TOML files in locales/, one per area and language
// (registration.ru.toml, registration.en.toml, …), embedded at build time.
// An area is the package that owns its messages (Area tells which, by the
// ID's prefix); web.*.toml holds the pages' wording. Russian is the first
// language: it is the default and the fallback. Tests check that both
// languages define exactly the same keys, that every Russian plural has its
// one/few/many forms, that each area holds only its own IDs, and that every
// ID the code uses is defined and every defined ID used.
//
// Times are written here too, for pages, SMS and e-mail alike: Until for a
// deadline ("до 14:41 МСК", "until 14:41 Moscow time"), At, DateTime.
//
// i18n imports problem and go-i18n only.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/kabinet/kabinet/internal/problem"
)

//go:embed locales/*.toml
var localeFS embed.FS

// Lang is a supported interface language.
type Lang string

const (
	RU Lang = "ru"
	EN Lang = "en"
)

// Langs lists the supported languages, the default first.
var Langs = []Lang{RU, EN}

// ParseLang returns the supported language named by s ("ru", "en-GB", …),
// or false.
func ParseLang(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	for _, l := range Langs {
		if string(l) == s {
			return l, true
		}
	}
	return "", false
}

// MatchAcceptLanguage picks a language from an Accept-Language header,
// Russian when nothing matches.
func MatchAcceptLanguage(header string) Lang {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil {
		return RU
	}
	for _, t := range tags {
		base, _ := t.Base()
		if l, ok := ParseLang(base.String()); ok {
			return l
		}
	}
	return RU
}

// Catalog holds every message in every language. It is safe for concurrent
// use.
type Catalog struct {
	bundle     *goi18n.Bundle
	localizers map[Lang]*goi18n.Localizer
	keys       map[Lang]map[string]*goi18n.MessageFile
	mu         sync.RWMutex
	cache      map[cacheKey]string // messages without arguments, the common case
}

type cacheKey struct {
	lang Lang
	id   string
}

// Load parses the embedded catalogs.
func Load() (*Catalog, error) { return LoadFS(localeFS, "locales") }

// LoadFS parses every *.ru.toml and *.en.toml file under dir in fsys.
func LoadFS(fsys fs.FS, dir string) (*Catalog, error) {
	b := goi18n.NewBundle(language.Russian)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("i18n: read %s: %w", dir, err)
	}
	c := &Catalog{bundle: b, localizers: map[Lang]*goi18n.Localizer{}, keys: map[Lang]map[string]*goi18n.MessageFile{}, cache: map[cacheKey]string{}}
	for _, e := range entries {
		name := e.Name()
		data, err := fs.ReadFile(fsys, dir+"/"+name)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		mf, err := b.ParseMessageFileBytes(data, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: parse %s: %w", name, err)
		}
		base, _ := mf.Tag.Base()
		l, ok := ParseLang(base.String())
		if !ok {
			return nil, fmt.Errorf("i18n: %s: unsupported language %s", name, mf.Tag)
		}
		if c.keys[l] == nil {
			c.keys[l] = map[string]*goi18n.MessageFile{}
		}
		for _, m := range mf.Messages {
			if prev, dup := c.keys[l][m.ID]; dup {
				return nil, fmt.Errorf("i18n: %s defined in both %s and %s", m.ID, prev.Path, name)
			}
			c.keys[l][m.ID] = mf
		}
	}
	for _, l := range Langs {
		c.localizers[l] = goi18n.NewLocalizer(b, string(l))
	}
	return c, nil
}

// Keys returns the sorted message IDs defined for a language.
func (c *Catalog) Keys(l Lang) []string {
	out := make([]string, 0, len(c.keys[l]))
	for k := range c.keys[l] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Source names the file that defines id in language l ("web.ru.toml"), or
// "" when none does.
func (c *Catalog) Source(l Lang, id string) string {
	if mf, ok := c.keys[l][id]; ok {
		return mf.Path
	}
	return ""
}

// Has reports whether the catalog defines id in language l.
func (c *Catalog) Has(l Lang, id string) bool {
	_, ok := c.keys[l][id]
	return ok
}

// T translates a message. A missing ID yields the ID itself, so a gap shows
// up on the page and in tests instead of as a blank.
func (c *Catalog) T(l Lang, id string, args map[string]any) string {
	loc, ok := c.localizers[l]
	if !ok {
		loc = c.localizers[RU]
	}
	if len(args) == 0 {
		k := cacheKey{l, id}
		c.mu.RLock()
		s, ok := c.cache[k]
		c.mu.RUnlock()
		if ok {
			return s
		}
		s = c.translate(loc, id, nil)
		c.mu.Lock()
		c.cache[k] = s
		c.mu.Unlock()
		return s
	}
	return c.translate(loc, id, args)
}

func (c *Catalog) translate(loc *goi18n.Localizer, id string, args map[string]any) string {
	lang := RU
	if loc == c.localizers[EN] {
		lang = EN
	}
	if len(args) > 0 {
		shown := make(map[string]any, len(args))
		for k, v := range args {
			switch x := v.(type) {
			case time.Duration:
				v = Duration(lang, x)
			case time.Time: // a moment named in a message («следующий заказ — …»)
				v = DateTime(lang, x)
			}
			shown[k] = v
		}
		args = shown
	}
	cfg := &goi18n.LocalizeConfig{MessageID: id, TemplateData: args}
	if n, ok := args["Count"]; ok {
		cfg.PluralCount = n
	}
	s, err := loc.Localize(cfg)
	if err != nil && cfg.PluralCount != nil {
		// A message without plural forms that is given a Count («Центров:
		// {{.Count}}») is one text for every number.
		cfg.PluralCount = nil
		s, err = loc.Localize(cfg)
	}
	if err != nil || s == "" {
		return id
	}
	return s
}

// Msg translates a problem.Message.
func (c *Catalog) Msg(l Lang, m problem.Message) string { return c.T(l, m.ID, m.Args) }

// Localizer is a Catalog bound to one language, as a request handler sees it.
type Localizer struct {
	c    *Catalog
	Lang Lang
}

// For returns the localizer for a language.
func (c *Catalog) For(l Lang) Localizer { return Localizer{c: c, Lang: l} }

// T translates id with optional key/value argument pairs.
func (l Localizer) T(id string, kv ...any) string {
	if len(kv) == 0 {
		return l.c.T(l.Lang, id, nil)
	}
	return l.c.T(l.Lang, id, problem.M(id, kv...).Args)
}

// Msg translates a problem.Message.
func (l Localizer) Msg(m problem.Message) string { return l.c.Msg(l.Lang, m) }

// Duration renders a wait in short units, rounded up to the minute above a
// minute: "4 мин", "1 ч 5 мин", "30 с" (abbreviations need no plural forms).
func Duration(l Lang, d time.Duration) string {
	h, m, s := "ч", "мин", "с"
	if l == EN {
		h, m, s = "h", "min", "s"
	}
	if d < time.Minute {
		return fmt.Sprintf("%d %s", max(1, int((d+time.Second-1)/time.Second)), s)
	}
	mins := int((d + time.Minute - 1) / time.Minute)
	if mins < 60 {
		return fmt.Sprintf("%d %s", mins, m)
	}
	if mins%60 == 0 {
		return fmt.Sprintf("%d %s", mins/60, h)
	}
	return fmt.Sprintf("%d %s %d %s", mins/60, h, mins%60, m)
}
