package notify

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// sample is the data every template may use.
var sample = map[string]any{
	"Site": "kabinet.example", "Code": "482913", "Name": "Анна", "Minutes": 5,
	"Link": "https://kabinet.example/register/abc/link?token=t0k3n", "Until": "23.11.2026 12:05 по московскому времени",
	"SignInLink": "https://kabinet.example/signin", "RecoveryLink": "https://kabinet.example/recover", "Support": "8 800 000-00-00",
	"RegisterLink": "https://kabinet.example/register",
}

// TestTemplatesGolden renders every template with the same data and
// compares the result with testdata/<name>.golden (-update rewrites them).
func TestTemplatesGolden(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	names := tpl.Names()
	if len(names) < 20 {
		t.Fatalf("only %d templates", len(names))
	}
	for _, key := range names {
		parts := strings.Split(key, ".")
		subject, text, html, err := tpl.Render(parts[0], Channel(parts[1]), parts[2], sample)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		got := "Subject: " + subject + "\n\n" + text + "\n"
		if html != "" {
			got += "\n--- HTML ---\n" + html + "\n"
		}
		path := filepath.Join("testdata", key+".golden")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (run go test ./internal/notify -update)", key, err)
			continue
		}
		if got != string(want) {
			t.Errorf("%s differs from %s:\n%s", key, path, got)
		}
		if parts[1] == "sms" && len([]rune(text)) > 3*67 {
			t.Errorf("%s: SMS of %d characters is more than three UCS-2 segments", key, len([]rune(text)))
		}
	}
}

func TestEveryTemplateInBothLanguages(t *testing.T) {
	tpl, _ := LoadTemplates()
	have := map[string]bool{}
	for _, k := range tpl.Names() {
		have[k] = true
	}
	for k := range have {
		p := strings.Split(k, ".")
		for _, l := range []string{"ru", "en"} {
			if !have[p[0]+"."+p[1]+"."+l] {
				t.Errorf("%s has no %s version", p[0]+"."+p[1], l)
			}
		}
	}
	// A missing argument is an error, not "<no value>" in someone's SMS.
	if _, _, _, err := tpl.Render("registration_code", ChannelSMS, "ru", map[string]any{"Site": "x"}); err == nil {
		t.Error("rendered with missing data")
	}
}
