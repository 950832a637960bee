package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
)

const mod = "github.com/kabinet/kabinet/"

// Package classes, from the inside out. docs/architecture.md describes
// them; packageClass puts every package of the module in one.
const (
	// domain: the rules of the portal. No I/O: no HTTP, no SQL, no template
	// engine, no job queue, no mail or database driver, not even through
	// another package; only domain and library packages below.
	classDomain = "domain"
	// library: building blocks with no rules of the portal (settings,
	// encryption at rest, message catalogs, the load runner). Held to the
	// domain's rule.
	classLibrary = "library"
	// adapter: the outside world (storage, the job queue, e-mail and SMS,
	// the SMS simulator). Never imports web or app.
	classAdapter = "adapter"
	// web: HTTP. Goes through services, never into storage.
	classWeb = "web"
	// app: wiring and commands. Only commands import app.
	classApp = "app"
	// test: support for tests only; no other package imports it.
	classTest = "test"
)

// packageClass classifies every package of the module, by path below the
// module. A new package fails TestImportRules until it has a row here (and
// a line in docs/architecture.md).
var packageClass = map[string]string{
	"internal/account":      classDomain,
	"internal/audit":        classDomain,
	"internal/contact":      classDomain,
	"internal/demo":         classDomain,
	"internal/document":     classDomain,
	"internal/address":      classDomain,
	"internal/export":       classDomain,
	"internal/flow":         classDomain,
	"internal/lockout":      classDomain,
	"internal/message":      classDomain,
	"internal/otp":          classDomain,
	"internal/password":     classDomain,
	"internal/person":       classDomain,
	"internal/problem":      classDomain,
	"internal/recovery":     classDomain,
	"internal/credential":   classDomain,
	"internal/deletion":     classDomain,
	"internal/profile":      classDomain,
	"internal/registration": classDomain,
	"internal/session":      classDomain,
	"internal/signin":       classDomain,
	"internal/throttle":     classDomain,
	// Issue 10: the signed-in account's own changes.
	"internal/contactchange": classDomain,
	// Issue 11: the registries kabinet asks.
	"internal/registry": classDomain,
	"internal/extras":   classDomain,
	// Issue 12: staff, roles and the console.
	"internal/staff": classDomain,
	// Issue 14: regions and the service catalog.
	"internal/region":    classDomain,
	"internal/gazetteer": classDomain,
	"internal/catalog":   classDomain,
	// Issue 15: single sign-on for e-government sites.
	"internal/relyingparty": classDomain,
	"internal/sso":          classDomain,
	// Issue 12 §3: the operator's desk.
	"internal/desk": classDomain,
	// Issue 12: the service-center directory.
	"internal/centers": classDomain,
	// Issue 13: confirmation by registered letter.
	"internal/letter": classDomain,
	// Issue 13 §2: confirmation by a qualified electronic signature.
	"internal/signature": classDomain,

	"internal/config":  classLibrary,
	"internal/i18n":    classLibrary,
	"internal/loadgen": classLibrary,
	"internal/places":  classLibrary,
	"internal/pii":     classLibrary,
	// Issue 13: verifying a qualified electronic signature (CMS, GOST).
	"internal/esign": classLibrary,
	// Issue 14 §3: the terms search is done by (folding, stems, typos).
	"internal/textsearch": classLibrary,

	"internal/jobs":                classAdapter,
	"internal/notify":              classAdapter,
	"internal/notify/transport":    classAdapter,
	"internal/registry/httpclient": classAdapter,
	"internal/registry/breaker":    classAdapter,
	"internal/registrysim":         classAdapter,
	"internal/smssim":              classAdapter,
	"internal/store":               classAdapter,
	// Issue 13: CRLs fetched over HTTP; the letter as a PDF (maroto's
	// merge package reaches net/http through pdfcpu).
	"internal/esign/crlhttp": classAdapter,
	"internal/letterpdf":     classAdapter,
	// Issue 15: the OpenID Connect provider (zitadel/oidc's op).
	"internal/oidcop": classAdapter,
	"internal/demorp": classAdapter,

	"internal/web": classWeb,

	"internal/app":      classApp,
	"cmd/kabinet":       classApp,
	"cmd/kabinet-bench": classApp,
	"internal/bench":    classApp,
	"cmd/sms-sim":       classApp,

	"internal/i18n/i18ntest": classTest,
	"internal/testenv":       classTest,
	"internal/fake":          classTest,
	"e2e":                    classTest,
}

// forbiddenBelowWeb are the standard and third-party packages that domain
// and library packages must not reach, directly or through another
// package. A path ending in "/" stands for everything below it.
var forbiddenBelowWeb = []string{
	"net/http", "net/smtp", "database/sql", "html/template",
	"github.com/riverqueue/", "github.com/wneessen/go-mail",
	"github.com/jackc/", "github.com/lib/pq", "modernc.org/", "github.com/pressly/goose/",
}

// listed is one package as `go list -json` describes it. Deps is every
// package it imports, directly or not (tests excluded).
type listed struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// TestImportRules keeps docs/architecture.md true: every package is
// classified; domain and library packages stay free of HTTP, SQL,
// templates, the job queue and drivers, transitively, and import only
// domain and library packages; adapters do not import web or app; web does
// not reach into the store; only commands import app; only tests import
// test support.
func TestImportRules(t *testing.T) {
	pkgs := listModule(t)
	if len(pkgs) < 20 {
		t.Fatalf("only %d packages listed", len(pkgs))
	}
	for _, err := range checkImports(pkgs, packageClass) {
		t.Error(err)
	}
}

// TestImportRulesCatchLeaks shows the checks fail on the leaks they are
// for, on a made-up module graph.
func TestImportRulesCatchLeaks(t *testing.T) {
	classes := map[string]string{
		"internal/contact": classDomain, "internal/signin": classDomain, "internal/message": classDomain,
		"internal/notify": classAdapter, "internal/store": classAdapter, "internal/web": classWeb, "internal/app": classApp, "internal/testenv": classTest,
	}
	p := func(path string, imports []string, deps ...string) listed {
		return listed{ImportPath: mod + path, Imports: imports, Deps: deps}
	}
	tests := []struct {
		name string
		pkgs []listed
		want string
	}{
		{"clean", []listed{
			p("internal/signin", []string{mod + "internal/message"}, "context", mod+"internal/contact", mod+"internal/message"),
		}, ""},
		{"driver through another package", []listed{
			p("internal/signin", []string{mod + "internal/message"}, mod+"internal/message", "github.com/riverqueue/river"),
		}, "internal/signin reaches github.com/riverqueue/river"},
		{"domain imports an adapter", []listed{
			p("internal/signin", []string{mod + "internal/notify"}, mod+"internal/notify"),
		}, "internal/signin (domain) reaches internal/notify (adapter)"},
		{"unclassified", []listed{p("internal/newthing", nil)}, "internal/newthing is not classified"},
		{"classified but gone", nil, "internal/contact is classified but not in the module"},
		{"web into the store", []listed{p("internal/web", []string{mod + "internal/store"}, mod+"internal/store")}, "internal/web imports internal/store"},
		{"adapter into web", []listed{p("internal/notify", []string{mod + "internal/web"}, mod+"internal/web")}, "internal/notify (adapter) reaches internal/web"},
		{"app outside commands", []listed{p("internal/web", []string{mod + "internal/app"}, mod+"internal/app")}, "internal/web imports app"},
		{"test support in production", []listed{p("internal/store", nil, mod+"internal/testenv")}, "internal/store reaches internal/testenv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every class row is present unless the case is about one missing.
			pkgs := tt.pkgs
			if tt.name != "classified but gone" {
				for path := range classes {
					if !slices.ContainsFunc(pkgs, func(l listed) bool { return l.ImportPath == mod+path }) {
						pkgs = append(pkgs, listed{ImportPath: mod + path})
					}
				}
			}
			errs := checkImports(pkgs, classes)
			if tt.want == "" {
				if len(errs) > 0 {
					t.Errorf("errors on a clean graph: %v", errs)
				}
				return
			}
			if !strings.Contains(fmt.Sprint(errs), tt.want) {
				t.Errorf("errors %v, want one containing %q", errs, tt.want)
			}
		})
	}
}

func listModule(t *testing.T) []listed {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", mod+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listed
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// checkImports returns one error per broken rule.
func checkImports(pkgs []listed, classes map[string]string) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	seen := map[string]bool{}
	for _, p := range pkgs {
		path, ok := strings.CutPrefix(p.ImportPath, mod)
		if !ok {
			continue
		}
		seen[path] = true
		class, ok := classes[path]
		if !ok {
			fail("%s is not classified: give it a row in packageClass (architecture_test.go) and docs/architecture.md", path)
			continue
		}
		reported := map[string]bool{} // one error per forbidden entry
		for _, dep := range p.Deps {
			inner, own := strings.CutPrefix(dep, mod)
			f := forbidden(dep)
			switch {
			case (class == classDomain || class == classLibrary) && !own && f != "" && !reported[f]:
				reported[f] = true
				fail("%s reaches %s (through %s): %s packages know nothing of HTTP, SQL, templates, jobs or drivers",
					path, dep, via(pkgs, p, dep), class)
			case (class == classDomain || class == classLibrary) && own && classes[inner] != classDomain && classes[inner] != classLibrary:
				fail("%s (%s) reaches %s (%s): only domain and library packages below the domain", path, class, inner, classes[inner])
			case class == classAdapter && own && (classes[inner] == classWeb || classes[inner] == classApp):
				fail("%s (adapter) reaches %s (%s)", path, inner, classes[inner])
			case class != classTest && own && classes[inner] == classTest:
				fail("%s reaches %s: test support is for tests only", path, inner)
			}
		}
		for _, imp := range p.Imports {
			if path == "internal/web" && (imp == mod+"internal/store" || imp == "database/sql") {
				fail("internal/web imports %s: handlers go through services", strings.TrimPrefix(imp, mod))
			}
			if path == "internal/jobs" && strings.HasPrefix(imp, mod) {
				fail("internal/jobs imports %s: features register their jobs with it (jobs.Registration), not the reverse", strings.TrimPrefix(imp, mod))
			}
			// internal/bench is the body of the command `kabinet bench`.
			if imp == mod+"internal/app" && !strings.HasPrefix(path, "cmd/") && path != "internal/bench" {
				fail("%s imports app: only commands, the benchmark harness and tests may", path)
			}
		}
	}
	var gone []string
	for path := range classes {
		if !seen[path] {
			gone = append(gone, path)
		}
	}
	sort.Strings(gone)
	for _, path := range gone {
		fail("%s is classified but not in the module: remove its row", path)
	}
	return errs
}

// forbidden returns the entry of forbiddenBelowWeb that dep matches, or "".
func forbidden(dep string) string {
	for _, f := range forbiddenBelowWeb {
		if dep == f || strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f) {
			return f
		}
	}
	return ""
}

// via names the direct import of p through which it reaches dep, for the
// error message.
func via(pkgs []listed, p listed, dep string) string {
	for _, imp := range p.Imports {
		if imp == dep {
			return "a direct import"
		}
		for _, q := range pkgs {
			if q.ImportPath == imp && slices.Contains(q.Deps, dep) {
				return strings.TrimPrefix(imp, mod)
			}
		}
	}
	return "an import outside the module"
}
