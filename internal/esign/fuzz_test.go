package esign

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x80, 0x00, 0x00})
	f.Add([]byte("-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n"))
	f.Add([]byte("MIIBAjCB"))
	// ECDSA, not RSA: each fuzz worker makes the fixtures again, and RSA
	// key generation under the fuzzer's instrumentation takes minutes.
	w := getWorld(f, "ecdsaP256")
	f.Add(w.sigs["good"])
	f.Add(w.sigs["noattr"])
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: w.sigs["good"]}))
	f.Add([]byte(base64.StdEncoding.EncodeToString(w.sigs["noattr"])))
	f.Fuzz(func(t *testing.T, upload []byte) {
		sig, err := Parse(upload)
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("Parse error %v is not an *Error", err)
		}
		if (sig == nil) == (err == nil) {
			t.Fatalf("Parse = %v, %v", sig, err)
		}
	})
}

// FuzzVerify mutates good signatures (GOST and ECDSA, with and without signed
// attributes) and verifies them against the statement with both PKIs'
// roots and CRLs. Nothing may panic, every failure is an *Error, and an
// accepted signature must be one of the good ones: the same signer
// certificate, signed attributes and signature value (only the fields the
// signature does not cover, such as versions and the digestAlgorithms set,
// may differ).
func FuzzVerify(f *testing.F) {
	type good struct{ cert, attrs, value []byte }
	var goods []good
	roots := NewPool()
	src := &crlSource{byName: map[string][]byte{}}
	var now func() time.Time
	for _, name := range []string{"gost256", "ecdsaP256"} {
		w := getWorld(f, name)
		roots.Add(w.root)
		for k, v := range w.crls().byName {
			src.byName[k] = v
		}
		if now == nil {
			now = func() time.Time { return w.now() }
		}
		for _, kind := range []string{"good", "noattr"} {
			f.Add(w.sigs[kind])
			sig, err := Parse(w.sigs[kind])
			if err != nil {
				f.Fatal(err)
			}
			goods = append(goods, good{signerLeaf(f, sig), sig.signer.signedAttrs, sig.signer.signature})
		}
	}
	v, err := NewVerifier(Options{Roots: roots, CRLs: src, Now: now})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, upload []byte) {
		sig, err := Parse(upload)
		if err != nil {
			return
		}
		s, err := v.Verify(context.Background(), statement, sig)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify error %v is not an *Error", err)
			}
			return
		}
		for _, g := range goods {
			if bytes.Equal(s.Chain[0].Raw(), g.cert) && bytes.Equal(sig.signer.signedAttrs, g.attrs) && bytes.Equal(sig.signer.signature, g.value) {
				return
			}
		}
		t.Fatalf("accepted a signature that is none of the good ones: %x", upload)
	})
}
