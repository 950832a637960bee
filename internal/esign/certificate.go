package esign

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"strings"
)

// Certificate is an X.509 certificate with a key of a supported kind (GOST
// R 34.10-2012, RSA or ECDSA). Its fields are read with crypto/x509, which
// parses GOST certificates but cannot use their keys; the key is read here.
type Certificate struct {
	x509   *x509.Certificate
	key    publicKey
	keyErr error // why key is unusable, if it is
	tbs    []byte
	sigAlg algorithmID
	sig    []byte
	sum    [32]byte // SHA-256 of the DER, the cache key
}

// ParseCertificate reads one DER certificate.
func ParseCertificate(der []byte) (*Certificate, error) {
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, wrap(Malformed, err, "certificate")
	}
	tbs, alg, sig, ok := readSigned(c.Raw)
	if !ok {
		return nil, fail(Malformed, "certificate structure")
	}
	cert := &Certificate{x509: c, tbs: tbs, sigAlg: alg, sig: sig, sum: sha256.Sum256(c.Raw)}
	cert.key, cert.keyErr = parsePublicKey(c.RawSubjectPublicKeyInfo, c.PublicKey)
	return cert, nil
}

// ParseCertificates reads certificates from PEM ("CERTIFICATE" blocks; other
// blocks are skipped) or from one DER certificate.
func ParseCertificates(data []byte) ([]*Certificate, error) {
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		c, err := ParseCertificate(data)
		if err != nil {
			return nil, err
		}
		return []*Certificate{c}, nil
	}
	var certs []*Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fail(Malformed, "no CERTIFICATE block in PEM")
	}
	return certs, nil
}

// X509 returns the certificate as crypto/x509 parsed it (for GOST
// certificates its PublicKey and SignatureAlgorithm are unknown). It must
// not be modified.
func (c *Certificate) X509() *x509.Certificate { return c.x509 }

// Raw returns the DER encoding.
func (c *Certificate) Raw() []byte { return c.x509.Raw }

// Algorithm returns the key's algorithm as in Signer.Algorithm
// ("gost2012-256", "gost2012-512", "rsa", "ecdsa"), or "" if unsupported.
func (c *Certificate) Algorithm() string { return c.key.kind.name() }

// name is the certificate's common name, else its whole subject, for
// details in errors.
func (c *Certificate) name() string {
	if c.x509.Subject.CommonName != "" {
		return c.x509.Subject.CommonName
	}
	return c.x509.Subject.String()
}

// Pool is a set of certificates: the trusted roots, or intermediates that
// may help build chains. Its zero value is empty and ready; it is not safe
// to add to it while a Verifier uses it.
type Pool struct {
	bySubject map[string][]*Certificate
	n         int
}

// NewPool returns a pool of certs.
func NewPool(certs ...*Certificate) *Pool {
	p := &Pool{}
	for _, c := range certs {
		p.Add(c)
	}
	return p
}

// Add puts c into the pool; a certificate already there is not added twice.
func (p *Pool) Add(c *Certificate) {
	if p.bySubject == nil {
		p.bySubject = map[string][]*Certificate{}
	}
	k := string(c.x509.RawSubject)
	for _, o := range p.bySubject[k] {
		if o.sum == c.sum {
			return
		}
	}
	p.bySubject[k] = append(p.bySubject[k], c)
	p.n++
}

// Len returns the number of certificates in the pool.
func (p *Pool) Len() int {
	if p == nil {
		return 0
	}
	return p.n
}

// issuersOf returns the pool's certificates whose subject is c's issuer.
func (p *Pool) issuersOf(c *Certificate) []*Certificate {
	if p == nil {
		return nil
	}
	return p.bySubject[string(c.x509.RawIssuer)]
}

// contains reports whether c itself is in the pool.
func (p *Pool) contains(c *Certificate) bool {
	if p == nil {
		return false
	}
	for _, o := range p.bySubject[string(c.x509.RawSubject)] {
		if o.sum == c.sum {
			return true
		}
	}
	return false
}

// describe is a short description of the pool for error details.
func describe(certs []*Certificate) string {
	names := make([]string, len(certs))
	for i, c := range certs {
		names[i] = c.name()
	}
	return strings.Join(names, " → ")
}
