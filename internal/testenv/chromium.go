package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Chromium returns the path of a Chromium binary: $KABINET_CHROMIUM, else
// /usr/bin/chromium, else chromium on PATH. When there is none it applies
// Need (skip, or fail with CI=true); scripts/test.sh installs Debian's
// chromium package when it runs as root.
func Chromium(t testing.TB) string {
	t.Helper()
	p, err := chromiumPath()
	Need(t, "Chromium", err)
	return p
}

func chromiumPath() (string, error) {
	if p := os.Getenv("KABINET_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("KABINET_CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", errors.New("no chromium in $KABINET_CHROMIUM, /usr/bin/chromium or PATH (apt-get install chromium)")
}

// ChromiumFlags returns the command-line flags for running Chromium in tests
// on these machines: headless, without the sandbox (tests run as root in a
// container) or a GPU, and with everything that phones home turned off
// (DEPENDENCIES.md §15). With chromedp, pass each as
// chromedp.Flag(strings.TrimPrefix(f, "--"), true).
func ChromiumFlags() []string {
	return []string{
		"--headless",
		"--no-sandbox",
		"--disable-gpu",
		"--disable-quic",
		"--no-first-run",
		"--disable-background-networking",
		"--disable-component-update",
		"--disable-sync",
	}
}
