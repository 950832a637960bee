package esign

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"testing"

	"github.com/deatil/go-cryptobin/pubkey/gost"
)

// BenchmarkVerify is a full Parse and Verify of a good signature with
// signed attributes, its chain of three and two CRLs that the CRL source
// hands over from memory (as CRLCache does between fetches).
func BenchmarkVerify(b *testing.B) {
	for _, name := range allWorlds {
		b.Run(name, func(b *testing.B) {
			w := getWorld(b, name)
			v := w.verifier(b, NewCRLCache(w.crls(), 1<<62, w.now))
			ctx := context.Background()
			for b.Loop() {
				sig, err := Parse(w.sigs["good"])
				if err != nil {
					b.Fatal(err)
				}
				if _, err := v.Verify(ctx, statement, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPrimitive is the bare public-key verification inside
// BenchmarkVerify: the same key, digest and signature value.
func BenchmarkPrimitive(b *testing.B) {
	for _, name := range allWorlds {
		b.Run(name, func(b *testing.B) {
			w := getWorld(b, name)
			sig, err := Parse(w.sigs["good"])
			if err != nil {
				b.Fatal(err)
			}
			leaf, err := ParseCertificate(signerLeaf(b, sig))
			if err != nil {
				b.Fatal(err)
			}
			si := sig.signer
			sum := si.digest.sum(si.signedAttrs)
			var verify func() bool
			switch pub := leaf.key.key.(type) {
			case *gost.PublicKey:
				verify = func() bool { ok, _ := gost.Verify(pub, sum, si.signature); return ok }
			case *rsa.PublicKey:
				verify = func() bool { return rsa.VerifyPKCS1v15(pub, si.digest.crypto(), sum, si.signature) == nil }
			case *ecdsa.PublicKey:
				verify = func() bool { return ecdsa.VerifyASN1(pub, sum, si.signature) }
			}
			for b.Loop() {
				if !verify() {
					b.Fatal("does not verify")
				}
			}
		})
	}
}
