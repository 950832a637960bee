package esign

import (
	"context"
	"os"
	"testing"
)

// TestOpenSSLAgrees: what Verify accepts, openssl cms -verify accepts too,
// and openssl refuses the tampered statement that Verify refuses.
func TestOpenSSLAgrees(t *testing.T) {
	for _, name := range allWorlds {
		t.Run(name, func(t *testing.T) {
			w := getWorld(t, name)
			tampered := append([]byte(nil), statement...)
			tampered[0] ^= 1
			if err := os.WriteFile(w.path("tampered.txt"), tampered, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, kind := range []string{"good", "noattr"} {
				sig, err := Parse(w.sigs[kind])
				if err != nil {
					t.Fatal(err)
				}
				if _, err := w.verifier(t, w.crls()).Verify(context.Background(), statement, sig); err != nil {
					t.Fatalf("%s: Verify: %v", kind, err)
				}
				file := w.path(kind + ".p7s")
				if err := os.WriteFile(file, w.sigs[kind], 0o600); err != nil {
					t.Fatal(err)
				}
				verify := func(content string) error {
					args := append([]string{"cms"}, w.engine...)
					args = append(args, "-verify", "-binary", "-inform", "DER", "-in", file, "-content", content,
						"-CAfile", "root.pem", "-purpose", "any", "-out", os.DevNull)
					_, err := w.run(args...)
					return err
				}
				if err := verify("statement.txt"); err != nil {
					t.Errorf("%s: openssl refuses what Verify accepts: %v", kind, err)
				}
				if err := verify("tampered.txt"); err == nil {
					t.Errorf("%s: openssl accepts the tampered statement", kind)
				}
			}
		})
	}
}
