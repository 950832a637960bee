package testenv

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// CI reports whether the tests run in continuous integration, where a missing
// dependency is a failure: the environment variable CI is "true" (or another
// true value strconv.ParseBool accepts, such as "1").
func CI() bool {
	v, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && v
}

// Need applies the missing-dependency rule: when err is nil it does nothing;
// otherwise it skips the test, saying that `what` is unavailable and why, or
// fails it when CI() is true.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if CI() {
		t.Fatalf("testenv: %s is required when CI=true: %v", what, err)
		return
	}
	t.Skipf("testenv: skipping, %s is unavailable: %v (with CI=true this fails)", what, err)
}

// Main runs the tests of a package and then Shutdown, for a TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	Shutdown()
	os.Exit(code)
}

// Shutdown stops what this package started for the whole test process (the
// throwaway PostgreSQL cluster). It is safe to call more than once, and when
// nothing was started.
func Shutdown() {
	stopCluster()
}

// RepoRoot returns the directory of the nearest go.mod at or above the
// working directory (for a test, its package directory is the working
// directory, so this is the module root).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testenv: no go.mod above the working directory")
		}
		dir = parent
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago. The
// caller should be ready to retry if another process takes it first.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testenv: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
