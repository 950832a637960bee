package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// OpenSSL returns the path of the openssl command: $KABINET_OPENSSL, else
// openssl on PATH. When there is none it applies Need.
func OpenSSL(t testing.TB) string {
	t.Helper()
	p, err := opensslPath()
	Need(t, "openssl", err)
	return p
}

// OpenSSLGost returns the path of an openssl command that loads the GOST
// engine (Debian's libengine-gost-openssl), checked by making a GOST R
// 34.10-2012 key. When there is none it applies Need.
func OpenSSLGost(t testing.TB) string {
	t.Helper()
	p, err := opensslPath()
	if err == nil {
		err = gostEngine(p)
	}
	Need(t, "openssl with the GOST engine", err)
	return p
}

func opensslPath() (string, error) {
	if p := os.Getenv("KABINET_OPENSSL"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("KABINET_OPENSSL=%s: %w", p, err)
		}
		return p, nil
	}
	p, err := exec.LookPath("openssl")
	if err != nil {
		return "", errors.New("no openssl in $KABINET_OPENSSL or PATH (apt-get install openssl)")
	}
	return p, nil
}

func gostEngine(openssl string) error {
	cmd := exec.Command(openssl, "genpkey", "-engine", "gost", "-algorithm", "gost2012_256", "-pkeyopt", "paramset:A")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil || !bytes.Contains(out.Bytes(), []byte("PRIVATE KEY")) {
		return fmt.Errorf("openssl cannot make a GOST key (apt-get install libengine-gost-openssl): %v: %s", err, bytes.TrimSpace(errOut.Bytes()))
	}
	return nil
}
