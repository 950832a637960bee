package esign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"sync"
	"time"
)

// maxChain bounds the certificates between a signer and a root; accredited
// CAs are one or two levels below the head CA.
const maxChain = 6

// cacheSize bounds each of the Verifier's caches; when one fills up it is
// emptied (the working set, a few CAs and their CRLs, refills it at once).
const cacheSize = 1024

// knownCritical are critical extensions Russian qualified certificates may
// carry that crypto/x509 does not handle and that do not restrict signing
// (subjectSignTool, issuerSignTool and friends, Order 795 of the FSB).
var knownCritical = map[string]bool{
	"1.2.643.100.111": true, "1.2.643.100.112": true,
	"1.2.643.100.113": true, "1.2.643.100.114": true,
}

// Options configure a Verifier.
type Options struct {
	// Roots are the trusted CAs (the accredited CAs' certificates, or the
	// head CA's). Required.
	Roots *Pool
	// Intermediates are untrusted CA certificates that may complete a chain
	// a signature does not carry in full.
	Intermediates *Pool
	// CRLs fetches revocation lists. When nil, every Verify fails with
	// CRLUnavailable: revocation unchecked is never a pass.
	CRLs CRLSource
	// Now is the clock for validity dates and CRL freshness; time.Now if nil.
	Now func() time.Time
}

// Verifier verifies signatures against a fixed set of roots. It remembers
// the certificates it has parsed, the certificate signatures it has checked
// and the CRLs it has verified (each by its SHA-256), so that a stream of
// signatures from the same CAs costs one public-key operation each. It is
// safe for concurrent use.
type Verifier struct {
	opts Options

	mu    sync.Mutex
	certs map[[32]byte]*Certificate
	links map[[64]byte]bool // child sum + parent sum: the signature verified
	crls  map[[64]byte]*revocationList
}

// NewVerifier returns a Verifier; it fails when opts.Roots is empty.
func NewVerifier(opts Options) (*Verifier, error) {
	if opts.Roots.Len() == 0 {
		return nil, errors.New("esign: NewVerifier: Options.Roots is empty")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Verifier{
		opts:  opts,
		certs: map[[32]byte]*Certificate{},
		links: map[[64]byte]bool{},
		crls:  map[[64]byte]*revocationList{},
	}, nil
}

// Verify checks that sig is a valid signature over content by a certificate
// that chains to a root, is valid now, is not revoked, and is meant for
// signing documents; it returns the signer. Every failure is an *Error; its
// Reason says which check failed, in this order: NoSignerCertificate,
// ContentMismatch, BadSignature (or UnsupportedAlgorithm), Untrusted,
// NotYetValid or Expired, KeyUsage, and for each certificate below the root
// CRLUnavailable, CRLInvalid or Revoked.
//
// Without signed attributes a changed statement cannot be told from another
// signer's key: it gives BadSignature, not ContentMismatch.
func (v *Verifier) Verify(ctx context.Context, content []byte, sig *Signature) (*Signer, error) {
	if sig == nil {
		return nil, fail(Malformed, "no signature")
	}
	si := &sig.signer
	if sig.attached && !bytes.Equal(sig.content, content) {
		return nil, fail(ContentMismatch, "the signature carries other content")
	}
	carried := make([]*Certificate, 0, len(sig.certs))
	for _, der := range sig.certs {
		c, err := v.certificate(der)
		if err != nil {
			return nil, err
		}
		carried = append(carried, c)
	}
	leaf := findSigner(si, carried)
	if leaf == nil {
		return nil, fail(NoSignerCertificate, "no certificate in the signature matches its signer")
	}

	sum := si.digest.sum(content)
	if si.signedAttrs != nil {
		if !bytes.Equal(si.messageDigest, sum) {
			return nil, fail(ContentMismatch, "message digest differs")
		}
		if !si.attrType.Equal(sig.contentType) {
			return nil, fail(Malformed, "contentType attribute differs from the content's type")
		}
		sum = si.digest.sum(si.signedAttrs)
	} else if !sig.contentType.Equal(oidData) {
		return nil, fail(Malformed, "content type %s without signed attributes", sig.contentType)
	}
	if leaf.keyErr != nil {
		return nil, leaf.keyErr
	}
	if err := leaf.key.check(si.scheme, sum, si.signature); err != nil {
		if errors.Is(err, errKeyMismatch) {
			return nil, wrap(UnsupportedAlgorithm, err, "signer key is %s", leaf.key.kind.name())
		}
		return nil, wrap(BadSignature, err, "")
	}

	chain, err := v.chain(leaf, carried)
	if err != nil {
		return nil, err
	}
	now := v.opts.Now()
	for _, c := range chain {
		if now.Before(c.x509.NotBefore) {
			return nil, fail(NotYetValid, "%s is valid from %s", c.name(), c.x509.NotBefore.UTC().Format(time.RFC3339))
		}
		if now.After(c.x509.NotAfter) {
			return nil, fail(Expired, "%s expired on %s", c.name(), c.x509.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	if leaf.x509.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return nil, fail(KeyUsage, "the certificate is not for signing (key usage %#x)", int(leaf.x509.KeyUsage))
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := v.checkRevocation(ctx, chain[i], chain[i+1], now); err != nil {
			return nil, err
		}
	}
	return newSigner(chain, si.signingTime), nil
}

// certificate parses der, or returns the Certificate parsed before.
func (v *Verifier) certificate(der []byte) (*Certificate, error) {
	k := sha256.Sum256(der)
	v.mu.Lock()
	c := v.certs[k]
	v.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err := ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if len(v.certs) >= cacheSize {
		clear(v.certs)
	}
	v.certs[k] = c
	v.mu.Unlock()
	return c, nil
}

// findSigner picks the signer's certificate by issuer and serial number or
// by subject key identifier.
func findSigner(si *signerInfo, certs []*Certificate) *Certificate {
	for _, c := range certs {
		if si.serial != nil {
			if bytes.Equal(c.x509.RawIssuer, si.issuer) && c.x509.SerialNumber.Cmp(si.serial) == 0 {
				return c
			}
		} else if bytes.Equal(c.x509.SubjectKeyId, si.ski) {
			return c
		}
	}
	return nil
}

// chain returns leaf, the CAs above it and a root, in that order. It
// tries the roots before intermediates at each level, depth first.
func (v *Verifier) chain(leaf *Certificate, carried []*Certificate) ([]*Certificate, error) {
	if err := checkCritical(leaf); err != nil {
		return nil, err
	}
	why := "no trusted CA issued " + leaf.name()
	var walk func(path []*Certificate) []*Certificate
	walk = func(path []*Certificate) []*Certificate {
		c := path[len(path)-1]
		try := func(parent *Certificate) bool {
			for _, p := range path {
				if p.sum == parent.sum {
					return false
				}
			}
			if err := v.link(c, parent, len(path)-1); err != nil {
				why = err.Error()
				return false
			}
			return true
		}
		for _, r := range v.opts.Roots.issuersOf(c) {
			if try(r) {
				return append(path, r)
			}
		}
		if len(path) >= maxChain {
			return nil
		}
		pooled := v.opts.Intermediates.issuersOf(c)
		candidates := make([]*Certificate, 0, len(pooled)+len(carried))
		candidates = append(append(candidates, carried...), pooled...)
		for _, ca := range candidates {
			if !bytes.Equal(ca.x509.RawSubject, c.x509.RawIssuer) || v.opts.Roots.contains(ca) {
				continue
			}
			if checkCritical(ca) != nil || !try(ca) {
				continue
			}
			if full := walk(append(path[:len(path):len(path)], ca)); full != nil {
				return full
			}
		}
		return nil
	}
	if chain := walk([]*Certificate{leaf}); chain != nil {
		return chain, nil
	}
	return nil, fail(Untrusted, "%s", why)
}

// link checks that parent may issue certificates and signed child; below
// is the number of CA certificates between child and the signer.
func (v *Verifier) link(child, parent *Certificate, below int) error {
	p := parent.x509
	if !p.BasicConstraintsValid || !p.IsCA {
		return fail(Untrusted, "%s is not a CA", parent.name())
	}
	if p.KeyUsage != 0 && p.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fail(Untrusted, "%s may not sign certificates", parent.name())
	}
	if (p.MaxPathLen > 0 || p.MaxPathLenZero) && below > p.MaxPathLen {
		return fail(Untrusted, "%s allows %d CAs below it", parent.name(), p.MaxPathLen)
	}
	if len(child.x509.AuthorityKeyId) > 0 && len(p.SubjectKeyId) > 0 &&
		!bytes.Equal(child.x509.AuthorityKeyId, p.SubjectKeyId) {
		return fail(Untrusted, "%s has another key than the one that issued %s", parent.name(), child.name())
	}
	var k [64]byte
	copy(k[:32], child.sum[:])
	copy(k[32:], parent.sum[:])
	v.mu.Lock()
	ok := v.links[k]
	v.mu.Unlock()
	if ok {
		return nil
	}
	if err := checkSigned(parent, child.tbs, child.sigAlg, child.sig); err != nil {
		return wrap(Untrusted, err, "signature of %s by %s", child.name(), parent.name())
	}
	v.mu.Lock()
	if len(v.links) >= cacheSize {
		clear(v.links)
	}
	v.links[k] = true
	v.mu.Unlock()
	return nil
}

// checkSigned verifies an X.509 signature (of a certificate or CRL) with
// issuer's key.
func checkSigned(issuer *Certificate, tbs []byte, alg algorithmID, sig []byte) error {
	if issuer.keyErr != nil {
		return issuer.keyErr
	}
	sc, err := schemeOf(alg)
	if err != nil {
		return err
	}
	if sc.digest == noDigest {
		return fail(UnsupportedAlgorithm, "signature algorithm %s names no digest", alg.oid)
	}
	return issuer.key.check(sc, sc.digest.sum(tbs), sig)
}

// checkCritical refuses a certificate with a critical extension nobody
// here understood: it may restrict use in a way this package would ignore.
func checkCritical(c *Certificate) error {
	for _, oid := range c.x509.UnhandledCriticalExtensions {
		if !knownCritical[oid.String()] {
			return fail(Untrusted, "%s has an unknown critical extension %s", c.name(), oid)
		}
	}
	return nil
}
