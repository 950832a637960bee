package esign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"time"
)

// CRLSource fetches the current CRL of issuer for a certificate whose CRL
// distribution points are distributionPoints (URLs; possibly none). It
// returns the CRL in DER or PEM. The caller's adapter fetches from the
// distribution points (internal/esign/crlhttp) or returns an uploaded copy.
// Any error means the CRL is unavailable now.
type CRLSource interface {
	CRL(ctx context.Context, issuer *Certificate, distributionPoints []string) ([]byte, error)
}

var oidDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}

// revocationList is a CRL whose signature has been checked.
type revocationList struct {
	thisUpdate, nextUpdate time.Time
	revoked                map[string]time.Time // serial (hex) → revocation time
}

// parseCRL reads a DER or PEM CRL.
func parseCRL(data []byte) (*x509.RevocationList, error) {
	if bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		b, _ := pem.Decode(bytes.TrimSpace(data))
		if b == nil || b.Type != "X509 CRL" {
			return nil, errors.New("PEM is not an X509 CRL")
		}
		data = b.Bytes
	}
	return x509.ParseRevocationList(data)
}

// checkRevocation looks cert up in its issuer's current CRL.
func (v *Verifier) checkRevocation(ctx context.Context, cert, issuer *Certificate, now time.Time) error {
	if v.opts.CRLs == nil {
		return fail(CRLUnavailable, "no CRL source is configured")
	}
	raw, err := v.opts.CRLs.CRL(ctx, issuer, cert.x509.CRLDistributionPoints)
	if err != nil {
		return wrap(CRLUnavailable, err, "CRL of %s", issuer.name())
	}
	rl, err := v.revocationList(raw, issuer)
	if err != nil {
		return err
	}
	if now.Before(rl.thisUpdate) {
		return fail(CRLInvalid, "CRL of %s is issued in the future (%s)", issuer.name(), rl.thisUpdate.UTC().Format(time.RFC3339))
	}
	if !now.Before(rl.nextUpdate) {
		return fail(CRLInvalid, "CRL of %s is stale: next update was due %s", issuer.name(), rl.nextUpdate.UTC().Format(time.RFC3339))
	}
	if at, ok := rl.revoked[cert.x509.SerialNumber.Text(16)]; ok {
		return fail(Revoked, "%s", at.UTC().Format(time.RFC3339))
	}
	return nil
}

// revocationList parses raw and checks that issuer signed it, or returns
// the list verified before.
func (v *Verifier) revocationList(raw []byte, issuer *Certificate) (*revocationList, error) {
	var k [64]byte
	s := sha256.Sum256(raw)
	copy(k[:32], s[:])
	copy(k[32:], issuer.sum[:])
	v.mu.Lock()
	rl := v.crls[k]
	v.mu.Unlock()
	if rl != nil {
		return rl, nil
	}
	crl, err := parseCRL(raw)
	if err != nil {
		return nil, wrap(CRLInvalid, err, "CRL of %s", issuer.name())
	}
	if err := checkCRLBy(crl, issuer); err != nil {
		return nil, err
	}
	rl = &revocationList{
		thisUpdate: crl.ThisUpdate,
		nextUpdate: crl.NextUpdate,
		revoked:    make(map[string]time.Time, len(crl.RevokedCertificateEntries)),
	}
	for _, e := range crl.RevokedCertificateEntries {
		rl.revoked[e.SerialNumber.Text(16)] = e.RevocationTime
	}
	v.mu.Lock()
	if len(v.crls) >= cacheSize {
		clear(v.crls)
	}
	v.crls[k] = rl
	v.mu.Unlock()
	return rl, nil
}

// checkCRLBy checks that issuer signed crl, may sign CRLs, and that crl is
// a full CRL with a next update; every failure is CRLInvalid.
func checkCRLBy(crl *x509.RevocationList, issuer *Certificate) error {
	if !bytes.Equal(crl.RawIssuer, issuer.x509.RawSubject) {
		return fail(CRLInvalid, "CRL is issued by another CA than %s", issuer.name())
	}
	if issuer.x509.KeyUsage != 0 && issuer.x509.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return fail(CRLInvalid, "%s may not sign CRLs", issuer.name())
	}
	for _, e := range crl.Extensions {
		if e.Id.Equal(oidDeltaCRLIndicator) {
			return fail(CRLInvalid, "a delta CRL is not a full CRL")
		}
	}
	tbs, alg, sig, ok := readSigned(crl.Raw)
	if !ok {
		return fail(CRLInvalid, "CRL structure")
	}
	if err := checkSigned(issuer, tbs, alg, sig); err != nil {
		return wrap(CRLInvalid, err, "signature of the CRL of %s", issuer.name())
	}
	if crl.NextUpdate.IsZero() {
		return fail(CRLInvalid, "CRL of %s has no next update", issuer.name())
	}
	return nil
}

// RevocationList is a CRL whose signature CheckCRL has checked, for a
// caller that keeps CRLs (an administrator's uploaded copy).
type RevocationList struct {
	Issuer                 *Certificate // the CA that signed it
	Number                 *big.Int     // the CRL number; nil when absent
	ThisUpdate, NextUpdate time.Time
	Entries                int    // revoked certificates listed
	Raw                    []byte // DER
}

// CheckCRL reads a DER or PEM CRL and checks that a CA of issuers signed
// it: the CA its issuer names, allowed to sign CRLs, with a valid
// signature; and that it is a full CRL with a next update. It says nothing
// of freshness: the caller compares ThisUpdate and NextUpdate with its
// clock. Errors are *Error: Malformed for an unreadable CRL, Untrusted
// when no CA of issuers has its issuer's name, CRLInvalid otherwise.
func CheckCRL(data []byte, issuers *Pool) (*RevocationList, error) {
	crl, err := parseCRL(data)
	if err != nil {
		return nil, wrap(Malformed, err, "CRL")
	}
	var cands []*Certificate
	if issuers != nil {
		cands = issuers.bySubject[string(crl.RawIssuer)]
	}
	if len(cands) == 0 {
		return nil, fail(Untrusted, "no trusted CA is named %s", crl.Issuer.String())
	}
	for _, ca := range cands {
		if err = checkCRLBy(crl, ca); err == nil {
			return &RevocationList{Issuer: ca, Number: crl.Number, ThisUpdate: crl.ThisUpdate, NextUpdate: crl.NextUpdate,
				Entries: len(crl.RevokedCertificateEntries), Raw: crl.Raw}, nil
		}
	}
	return nil, err
}

// CRLCache is a CRLSource that keeps what another source returned, per
// issuer and distribution points, until the CRL's nextUpdate or MaxAge
// after fetching, whichever is first. Failures are not kept. It is safe for
// concurrent use.
type CRLCache struct {
	src    CRLSource
	maxAge time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]crlEntry
}

type crlEntry struct {
	data    []byte
	expires time.Time
}

// NewCRLCache returns a cache in front of src; now is the clock (time.Now
// if nil).
func NewCRLCache(src CRLSource, maxAge time.Duration, now func() time.Time) *CRLCache {
	if now == nil {
		now = time.Now
	}
	return &CRLCache{src: src, maxAge: maxAge, now: now, entries: map[string]crlEntry{}}
}

// CRL implements CRLSource.
func (c *CRLCache) CRL(ctx context.Context, issuer *Certificate, distributionPoints []string) ([]byte, error) {
	key := string(issuer.sum[:]) + "\x00" + strings.Join(distributionPoints, "\x00")
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.data, nil
	}
	data, err := c.src.CRL(ctx, issuer, distributionPoints)
	if err != nil {
		return nil, err
	}
	expires := now.Add(c.maxAge)
	if crl, err := parseCRL(data); err == nil && !crl.NextUpdate.IsZero() && crl.NextUpdate.Before(expires) {
		expires = crl.NextUpdate
	}
	c.mu.Lock()
	if len(c.entries) >= cacheSize {
		clear(c.entries)
	}
	c.entries[key] = crlEntry{data: data, expires: expires}
	c.mu.Unlock()
	return data, nil
}
