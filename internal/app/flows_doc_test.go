package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/kabinet/kabinet/internal/app" // defines every feature's flow
	"github.com/kabinet/kabinet/internal/flow"
)

// TestFlowsDocument keeps docs/flows.md true to the flow specs the
// features define: its table and diagram are generated from them. Run
// with KABINET_UPDATE_DOCS=1 to rewrite it.
func TestFlowsDocument(t *testing.T) {
	if len(flow.Specs()) < 3 {
		t.Fatalf("only %d flow specs defined", len(flow.Specs()))
	}
	path := filepath.Join("..", "..", "docs", "flows.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- flows:begin -->\n", "<!-- flows:end -->"
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the %q … %q markers", path, begin, end)
	}
	want := flow.Document()
	if doc[i+len(begin):j] == want {
		return
	}
	if os.Getenv("KABINET_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with the flow specs; run KABINET_UPDATE_DOCS=1 go test ./internal/app -run TestFlowsDocument", path)
}
