package esign

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"os"
	"strings"
	"testing"
)

// TestParseForms: the forms a citizen's software saves a signature in.
func TestParseForms(t *testing.T) {
	w := getWorld(t, "gost256")
	der := w.sigs["good"]
	b64 := base64.StdEncoding.EncodeToString(der)
	var wrapped strings.Builder
	for i := 0; i < len(b64); i += 64 {
		wrapped.WriteString(b64[i:min(i+64, len(b64))] + "\r\n")
	}
	forms := map[string][]byte{
		"DER":                    der,
		"PEM PKCS7":              pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: der}),
		"PEM CMS":                pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: der}),
		"PEM SIGNED DATA, CRLF":  []byte(strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "SIGNED DATA", Bytes: der})), "\n", "\r\n")),
		"Base64 on one line":     []byte(b64),
		"Base64, wrapped, CRLF":  []byte(wrapped.String()),
		"Base64 with BOM, space": []byte("\xef\xbb\xbf  " + b64 + "\n"),
		"Base64 without padding": []byte(strings.TrimRight(b64, "=")),
	}
	for name, upload := range forms {
		t.Run(name, func(t *testing.T) {
			sig, err := Parse(upload)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if _, err := w.verifier(t, w.crls()).Verify(context.Background(), statement, sig); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func TestParseGarbage(t *testing.T) {
	w := getWorld(t, "rsa2048")
	der := w.sigs["good"]
	cert, err := os.ReadFile(w.path("good.pem"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":              nil,
		"text":               []byte("Подписанное заявление"),
		"PDF":                []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj"),
		"a certificate":      cert,
		"trailing garbage":   append(append([]byte(nil), der...), 0),
		"truncated Base64":   []byte(base64.StdEncoding.EncodeToString(der)[:100]),
		"PEM of another key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		"too large":          make([]byte, MaxUpload+1),
	}
	for name, upload := range cases {
		t.Run(name, func(t *testing.T) {
			sig, err := Parse(upload)
			if got := reasonOf(t, err); got != Malformed {
				t.Fatalf("Parse = %v, %v; want %s", sig, err, Malformed)
			}
		})
	}
}

// TestEveryPrefix: every truncation of a good signature is refused with an
// *Error, by Parse or else by Verify, and none panics.
func TestEveryPrefix(t *testing.T) {
	for _, name := range allWorlds {
		t.Run(name, func(t *testing.T) {
			w := getWorld(t, name)
			v := w.verifier(t, w.crls())
			der := w.sigs["good"]
			for n := range len(der) {
				sig, err := Parse(der[:n])
				if err == nil {
					_, err = v.Verify(context.Background(), statement, sig)
				}
				if err == nil {
					t.Fatalf("prefix of %d of %d bytes accepted", n, len(der))
				}
				reasonOf(t, err)
			}
		})
	}
}

// TestParseUnsupportedDigest: a digest algorithm other than SHA-2 or
// Streebog is named as such.
func TestParseUnsupportedDigest(t *testing.T) {
	w := getWorld(t, "rsa2048")
	sha1, err := w.sign("good", false, "-md", "sha1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(sha1); reasonOf(t, err) != UnsupportedAlgorithm {
		t.Errorf("SHA-1 signature: Parse = %v, want %s", err, UnsupportedAlgorithm)
	}
}
