package esign

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

var allWorlds = []string{"gost256", "gost512", "rsa2048", "ecdsaP256"}

// reasonOf returns err's Reason, or "" with a test failure when err is not
// an *Error.
func reasonOf(t *testing.T, err error) Reason {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *esign.Error", err, err)
	}
	return e.Reason
}

func TestVerifyGood(t *testing.T) {
	for _, name := range allWorlds {
		t.Run(name, func(t *testing.T) {
			w := getWorld(t, name)
			kinds := []string{"good", "noattr"}
			if name == "rsa2048" {
				kinds = append(kinds, "pss")
			}
			for _, kind := range kinds {
				src := w.crls()
				sig, err := Parse(w.sigs[kind])
				if err != nil {
					t.Fatalf("%s: Parse: %v", kind, err)
				}
				s, err := w.verifier(t, src).Verify(context.Background(), statement, sig)
				if err != nil {
					t.Fatalf("%s: Verify: %v", kind, err)
				}
				want := map[string]string{"gost256": "gost2012-256", "gost512": "gost2012-512", "rsa2048": "rsa", "ecdsaP256": "ecdsa"}[name]
				if s.Algorithm != want {
					t.Errorf("%s: Algorithm = %q, want %q", kind, s.Algorithm, want)
				}
				if len(s.Chain) != 3 || s.Chain[1].X509().Subject.CommonName != "Тестовый УЦ 2" || s.Chain[2] != w.root {
					t.Errorf("%s: chain = %s, want signer → Тестовый УЦ 2 → root", kind, describe(s.Chain))
				}
				if s.Issuer != "Тестовый УЦ 2" {
					t.Errorf("%s: Issuer = %q", kind, s.Issuer)
				}
				if kind == "noattr" && !s.SigningTime.IsZero() {
					t.Errorf("noattr: SigningTime = %v, want zero", s.SigningTime)
				}
				if kind == "good" && (s.SigningTime.Before(w.t0) || s.SigningTime.After(w.t0.Add(10*time.Minute))) {
					t.Errorf("good: SigningTime = %v, want the time the fixtures were made (%v)", s.SigningTime, w.t0)
				}
				// The signer's CRL was asked for at its distribution point,
				// then the intermediate's.
				if len(src.askedDP) != 2 || !slices.Equal(src.askedDP[0], []string{cdpURL}) ||
					!slices.Equal(src.askedDP[1], []string{"http://127.0.0.1/root.crl"}) {
					t.Errorf("%s: CRL source asked for %q", kind, src.askedDP)
				}
			}
		})
	}
}

// TestSignerIdentity checks the exact values the caller matches against the
// citizen's verified data.
func TestSignerIdentity(t *testing.T) {
	for _, name := range allWorlds {
		t.Run(name, func(t *testing.T) {
			w := getWorld(t, name)
			sig, err := Parse(w.sigs["good"])
			if err != nil {
				t.Fatal(err)
			}
			s, err := w.verifier(t, w.crls()).Verify(context.Background(), statement, sig)
			if err != nil {
				t.Fatal(err)
			}
			leaf := s.Chain[0].X509()
			got := []string{s.Surname, s.GivenNames, s.CommonName, s.SNILS, s.INN, s.Email}
			want := []string{"Иванов", "Иван Иванович", "Иванов Иван Иванович", "11223344595", "500100732259", "ivanov@example.ru"}
			if !slices.Equal(got, want) {
				t.Errorf("identity = %+v\nwant       %+v", got, want)
			}
			if s.Serial != strings.ToUpper(leaf.SerialNumber.Text(16)) {
				t.Errorf("Serial = %q, certificate serial %s", s.Serial, leaf.SerialNumber.Text(16))
			}
			if !s.NotBefore.Equal(leaf.NotBefore) || !s.NotAfter.Equal(leaf.NotAfter) || s.NotAfter.Before(w.now()) {
				t.Errorf("validity %v – %v", s.NotBefore, s.NotAfter)
			}
		})
	}
}

// TestVerifyFailures is the list of signatures kabinet must refuse,
// each with its reason.
func TestVerifyFailures(t *testing.T) {
	type tc struct {
		name    string
		sig     string // which of the world's signatures
		content []byte // nil: the statement
		roots   func(*world) *Pool
		crls    func(*world) CRLSource
		now     func(*world) time.Time
		want    Reason
	}
	tampered := append([]byte(nil), statement...)
	tampered[len(tampered)-3] ^= 1
	cases := []tc{
		{name: "tampered statement", sig: "good", content: tampered, want: ContentMismatch},
		{name: "tampered statement, no signed attributes", sig: "noattr", content: tampered, want: BadSignature},
		{name: "empty statement", sig: "good", content: []byte{}, want: ContentMismatch},
		{name: "expired certificate", sig: "expired", want: Expired},
		{name: "certificate not yet valid", sig: "notyet", want: NotYetValid},
		{name: "revoked certificate", sig: "revoked", want: Revoked},
		{name: "untrusted CA", sig: "good", roots: func(w *world) *Pool { return NewPool(w.evilRoot) }, want: Untrusted},
		{name: "only the signer trusted", sig: "good", roots: func(w *world) *Pool {
			sig, _ := Parse(w.sigs["good"])
			leaf, _ := ParseCertificate(signerLeaf(t, sig))
			return NewPool(leaf)
		}, want: Untrusted},
		{name: "wrong key usage", sig: "badku", want: KeyUsage},
		{name: "CRL cannot be fetched", sig: "good", crls: func(*world) CRLSource { return &crlSource{err: errors.New("dial tcp: connection refused")} }, want: CRLUnavailable},
		{name: "no CRL source", sig: "good", crls: func(*world) CRLSource { return nil }, want: CRLUnavailable},
		{name: "stale CRL", sig: "good", now: func(w *world) time.Time { return w.t0.AddDate(0, 0, 40) }, want: CRLInvalid},
		{name: "CRL signed by someone else", sig: "good", crls: func(w *world) CRLSource {
			s := w.crls()
			s.byName[string(w.inter.X509().RawSubject)] = w.evilCRL
			return s
		}, want: CRLInvalid},
		{name: "intermediate's CRL given for the signer", sig: "good", crls: func(w *world) CRLSource {
			s := w.crls()
			s.byName[string(w.inter.X509().RawSubject)] = w.rootCRL
			return s
		}, want: CRLInvalid},
		{name: "garbage CRL", sig: "good", crls: func(w *world) CRLSource {
			s := w.crls()
			s.byName[string(w.inter.X509().RawSubject)] = []byte("<html>502 Bad Gateway</html>")
			return s
		}, want: CRLInvalid},
	}
	for _, name := range allWorlds {
		t.Run(name, func(t *testing.T) {
			w := getWorld(t, name)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					opts := Options{Roots: NewPool(w.root), CRLs: w.crls(), Now: w.now}
					if c.roots != nil {
						opts.Roots = c.roots(w)
					}
					if c.crls != nil {
						opts.CRLs = c.crls(w)
					}
					if c.now != nil {
						at := c.now(w)
						opts.Now = func() time.Time { return at }
					}
					v, err := NewVerifier(opts)
					if err != nil {
						t.Fatal(err)
					}
					content := statement
					if c.content != nil {
						content = c.content
					}
					sig, err := Parse(w.sigs[c.sig])
					if err != nil {
						t.Fatal(err)
					}
					s, err := v.Verify(context.Background(), content, sig)
					if got := reasonOf(t, err); got != c.want {
						t.Fatalf("Verify = %v, %v; want reason %s", s, err, c.want)
					}
					if c.want == Revoked {
						var e *Error
						errors.As(err, &e)
						if at, perr := time.Parse(time.RFC3339, e.Detail); perr != nil || at.After(w.now()) || at.Before(w.t0.Add(-2*time.Hour)) {
							t.Errorf("revocation date in Detail = %q, want RFC 3339 just before the fixtures", e.Detail)
						}
					}
				})
			}
		})
	}
}

// TestSwappedSignerCertificate: the signature names another person's
// certificate (from the same CA) than the key that made it.
func TestSwappedSignerCertificate(t *testing.T) {
	for _, name := range allWorlds {
		t.Run(name, func(t *testing.T) {
			w := getWorld(t, name)
			other, err := Parse(w.sigs["other"])
			if err != nil {
				t.Fatal(err)
			}
			otherCert, err := ParseCertificate(signerLeaf(t, other))
			if err != nil {
				t.Fatal(err)
			}
			for _, kind := range []string{"good", "noattr"} {
				sig, err := Parse(w.sigs[kind])
				if err != nil {
					t.Fatal(err)
				}
				sig.certs = append(sig.certs, otherCert.Raw())
				sig.signer.issuer = otherCert.X509().RawIssuer
				sig.signer.serial = otherCert.X509().SerialNumber
				_, err = w.verifier(t, w.crls()).Verify(context.Background(), statement, sig)
				if got := reasonOf(t, err); got != BadSignature {
					t.Errorf("%s: Verify = %v, want %s", kind, err, BadSignature)
				}
			}
		})
	}
}

// signerLeaf returns the signer certificate of sig.
func signerLeaf(t testing.TB, sig *Signature) []byte {
	t.Helper()
	for _, der := range sig.certs {
		c, err := ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		if c.X509().SerialNumber.Cmp(sig.signer.serial) == 0 && string(c.X509().RawIssuer) == string(sig.signer.issuer) {
			return der
		}
	}
	t.Fatal("no signer certificate")
	return nil
}

// TestAccreditedCAAsRoot: the configured trusted CA may be the accredited
// CA itself rather than the head CA above it.
func TestAccreditedCAAsRoot(t *testing.T) {
	for _, name := range allWorlds {
		t.Run(name, func(t *testing.T) {
			w := getWorld(t, name)
			sig, err := Parse(w.sigs["good"])
			if err != nil {
				t.Fatal(err)
			}
			v, err := NewVerifier(Options{Roots: NewPool(w.inter), CRLs: w.crls(), Now: w.now})
			if err != nil {
				t.Fatal(err)
			}
			s, err := v.Verify(context.Background(), statement, sig)
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Chain) != 2 || s.Chain[1] != w.inter {
				t.Errorf("chain = %s, want signer → Тестовый УЦ 2", describe(s.Chain))
			}
		})
	}
}

func TestNoSignerCertificate(t *testing.T) {
	w := getWorld(t, "rsa2048")
	sig, err := Parse(w.sigs["good"])
	if err != nil {
		t.Fatal(err)
	}
	leaf := signerLeaf(t, sig)
	sig.certs = slices.DeleteFunc(sig.certs, func(der []byte) bool { return string(der) == string(leaf) })
	_, err = w.verifier(t, w.crls()).Verify(context.Background(), statement, sig)
	if got := reasonOf(t, err); got != NoSignerCertificate {
		t.Errorf("Verify = %v, want %s", err, NoSignerCertificate)
	}
}

// TestIntermediateFromPool: a signature that carries only the signer's
// certificate verifies when the intermediate is configured.
func TestIntermediateFromPool(t *testing.T) {
	w := getWorld(t, "gost256")
	sig, err := Parse(w.sigs["good"])
	if err != nil {
		t.Fatal(err)
	}
	sig.certs = [][]byte{signerLeaf(t, sig)}
	v, err := NewVerifier(Options{Roots: NewPool(w.root), CRLs: w.crls(), Now: w.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), statement, sig); reasonOf(t, err) != Untrusted {
		t.Errorf("without the intermediate: %v, want %s", err, Untrusted)
	}
	v, err = NewVerifier(Options{Roots: NewPool(w.root), Intermediates: NewPool(w.inter), CRLs: w.crls(), Now: w.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), statement, sig); err != nil {
		t.Errorf("with the intermediate in the pool: %v", err)
	}
}

func TestNewVerifierNeedsRoots(t *testing.T) {
	if _, err := NewVerifier(Options{}); err == nil {
		t.Error("NewVerifier without roots succeeded")
	}
}
