package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// A setting is one row of a section's table: the environment variable that
// sets a field, its default, whether it is a secret, and its documentation.
// The field's kind and its rules are in the binding.
type setting struct {
	env    string
	def    string // "" means empty
	secret secrecy
	field  binding
	doc    string
}

// secrecy says what the dump hides of a setting. A secret may also be read
// from the file named by NAME_FILE.
type secrecy int

const (
	public      secrecy = iota
	hidden              // the whole value
	urlPassword         // a URL's password (the value is hidden if it is no URL)
)

func (s secrecy) hide(v string) string {
	if s == urlPassword {
		if u, err := url.Parse(v); err == nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
			return u.String()
		}
	}
	return "[hidden]"
}

// part is a section with its heading in the docs.
type part struct {
	title, intro string
	section      section
}

type section interface {
	settings() []setting
}

// crossChecked is a section with checks that relate its settings.
type crossChecked interface {
	validate(v *checker)
}

// settings lists every setting of c, bound to c's fields.
func (c *Config) settings() []setting {
	var all []setting
	for _, p := range c.sections() {
		all = append(all, p.section.settings()...)
	}
	return all
}

// Defaults returns the configuration that runs the demo.
func Defaults() Config {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		panic("config: defaults do not load: " + err.Error())
	}
	return c
}

// Load reads every setting through getenv (os.Getenv in production, a map in
// tests), applies defaults and validates the result. A secret may instead be
// given as a file path in NAME_FILE. All problems are reported together;
// values that do not parse are reported before any rule is checked.
func Load(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	for _, s := range c.settings() {
		v, err := lookup(getenv, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if v == "" {
			v = s.def
		}
		if err := s.field.set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.env, err))
		}
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	if c.Server.BaseURL == "" {
		c.Server.BaseURL = "http://" + c.Server.Addr
	}
	return c, c.Validate()
}

func lookup(getenv func(string) string, s setting) (string, error) {
	v := getenv(s.env)
	if s.secret == public {
		return strings.TrimSpace(v), nil
	}
	path := getenv(s.env + "_FILE")
	if path == "" {
		return strings.TrimSpace(v), nil
	}
	if v != "" {
		return "", fmt.Errorf("%s and %s_FILE are both set: use one", s.env, s.env)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s_FILE: %w", s.env, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// Validate checks every setting against its rules, then the settings against
// each other, and reports every problem. An error never shows a secret.
func (c Config) Validate() error {
	all := c.settings()
	v := &checker{names: make(map[any]string, len(all))}
	for _, s := range all {
		v.names[s.field.target()] = s.env
	}
	for _, s := range all {
		for _, want := range s.field.broken() {
			if s.secret == public {
				v.errs = append(v.errs, fmt.Errorf("%s: want %s, got %q", s.env, want, s.field.String()))
			} else {
				v.errs = append(v.errs, fmt.Errorf("%s: want %s", s.env, want))
			}
		}
	}
	for _, p := range c.sections() {
		if x, ok := p.section.(crossChecked); ok {
			x.validate(v)
		}
	}
	c.validate(v)
	return errors.Join(v.errs...)
}

// checker collects the problems found by the checks that relate settings,
// which name settings by their fields' addresses.
type checker struct {
	names map[any]string // field address → environment name
	errs  []error
}

// env is the environment name of the setting bound to field.
func (v *checker) env(field any) string {
	name, ok := v.names[field]
	if !ok {
		panic(fmt.Sprintf("config: no setting is bound to the %T a check names", field))
	}
	return name
}

// fail reports a problem with the setting bound to field.
func (v *checker) fail(field any, format string, a ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s", v.env(field), fmt.Sprintf(format, a...)))
}

// Redacted lists every setting as NAME=value, secrets hidden, for the
// start-up log and `kabinet config`.
func (c Config) Redacted() []string {
	all := c.settings()
	out := make([]string, 0, len(all))
	for _, s := range all {
		v := s.field.String()
		if s.secret != public && v != "" {
			v = s.secret.hide(v)
		}
		out = append(out, s.env+"="+v)
	}
	return out
}

// Markdown renders the settings, a table per section, for docs/configuration.md.
func Markdown() string {
	var c Config
	var b strings.Builder
	for i, p := range c.sections() {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "### %s\n\n%s\n\n", p.title, p.intro)
		b.WriteString("| Variable | Default | Allowed | Secret (`_FILE` accepted) | Meaning |\n|---|---|---|---|---|\n")
		for _, s := range p.section.settings() {
			def := "—"
			if s.def != "" {
				def = "`" + s.def + "`"
			}
			sec := ""
			if s.secret != public {
				sec = "yes"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", s.env, def, s.field.allowed(), sec, s.doc)
		}
	}
	return b.String()
}
