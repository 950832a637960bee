package app_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// TestImportRules keeps docs/architecture.md true: domain packages stay
// free of HTTP, SQL, templates and drivers; web does not reach into the
// store; only commands and tests import app.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "github.com/kabinet/kabinet/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const mod = "github.com/kabinet/kabinet/"
	domain := map[string]bool{}
	for _, p := range []string{"account", "contact", "person", "password", "otp", "pii", "flow", "throttle", "lockout", "session", "audit",
		"problem", "i18n", "config", "registration", "signin", "recovery", "demo"} {
		domain[mod+"internal/"+p] = true
	}
	forbiddenInDomain := []string{"net/http", "database/sql", "html/template", "github.com/jackc/", "modernc.org/", "github.com/riverqueue/", mod + "internal/store", mod + "internal/web"}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		seen++
		for _, imp := range p.Imports {
			if domain[p.ImportPath] {
				for _, f := range forbiddenInDomain {
					if imp == f || strings.HasPrefix(imp, f) && strings.HasSuffix(f, "/") {
						t.Errorf("%s imports %s: domain packages know nothing of HTTP, SQL or drivers", p.ImportPath, imp)
					}
				}
			}
			if p.ImportPath == mod+"internal/web" && (imp == mod+"internal/store" || imp == "database/sql") {
				t.Errorf("web imports %s: handlers go through services", imp)
			}
			// internal/bench is the body of the command `kabinet bench`.
			if imp == mod+"internal/app" && !strings.HasPrefix(p.ImportPath, mod+"cmd/") && p.ImportPath != mod+"internal/bench" {
				t.Errorf("%s imports app: only commands, the benchmark harness and tests may", p.ImportPath)
			}
		}
	}
	if seen < 20 {
		t.Fatalf("only %d packages listed", seen)
	}
}
