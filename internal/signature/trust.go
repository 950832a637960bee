package signature

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/esign"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// MaxCertificate is the largest CA certificate upload read.
const MaxCertificate = 64 << 10

// MaxCRL is the largest CRL upload read: accredited CAs' CRLs run to a
// few megabytes (crlhttp's bound).
const MaxCRL = 8 << 20

// TrustedCAs returns the trusted CAs, oldest first.
func (s *Service) TrustedCAs(ctx context.Context, a staff.Actor) ([]*TrustedCA, error) {
	if _, err := s.authorize(ctx, a); err != nil {
		return nil, err
	}
	return s.d.Store.TrustedCAs(ctx)
}

// AddCA trusts a CA certificate (PEM or DER, one certificate): it must be
// readable, a CA (basicConstraints CA:TRUE), of a supported key and not
// expired; otherwise Invalid on "certificate". Conflict "trust.ca_
// duplicate" when it is trusted already. Self-signed or not, it becomes a
// trust anchor: a chain that reaches it is trusted. Audited
// trust.ca_added.
func (s *Service) AddCA(ctx context.Context, a staff.Actor, pemOrDER []byte) (*TrustedCA, error) {
	g, err := s.authorize(ctx, a)
	if err != nil {
		return nil, err
	}
	ca, err := s.newCA(pemOrDER, a.Member.ID)
	if err != nil {
		return nil, err
	}
	now := ca.AddedAt
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if err := s.d.Store.AddTrustedCA(ctx, ca); err != nil {
			return err
		}
		e := a.Event(g, staff.PermTrustManage, "trust.ca_added", "", now)
		e.Details = map[string]string{"ca": ca.ID, "subject": ca.Subject, "fingerprint": ca.Fingerprint}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, err
	}
	return ca, nil
}

// newCA reads a CA certificate for the trust list (AddCA's checks).
func (s *Service) newCA(pemOrDER []byte, by string) (*TrustedCA, error) {
	invalid := func(id string) error { return problem.InvalidField("certificate", problem.M(id)) }
	if len(pemOrDER) == 0 || len(pemOrDER) > MaxCertificate {
		return nil, invalid("trust.ca_unreadable")
	}
	certs, err := esign.ParseCertificates(pemOrDER)
	if err != nil {
		return nil, invalid("trust.ca_unreadable")
	}
	if len(certs) != 1 {
		return nil, invalid("trust.ca_one")
	}
	c, now := certs[0], s.d.Now()
	x := c.X509()
	switch {
	case !x.BasicConstraintsValid || !x.IsCA:
		return nil, invalid("trust.ca_not_ca")
	case c.Algorithm() == "":
		return nil, invalid("trust.ca_unsupported")
	case !now.Before(x.NotAfter):
		return nil, invalid("trust.ca_expired")
	}
	id, err := s.d.NewID()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(c.Raw())
	return &TrustedCA{ID: id, DER: c.Raw(), Subject: nameOf(x.Subject.CommonName, x.Subject.String()), Fingerprint: hex.EncodeToString(sum[:]),
		NotBefore: x.NotBefore, NotAfter: x.NotAfter, AddedBy: by, AddedAt: now}, nil
}

// RemoveCA stops trusting a CA; the CRLs uploaded as signed by it go with
// it. NotFound "trust.ca_not_found". Audited trust.ca_removed.
func (s *Service) RemoveCA(ctx context.Context, a staff.Actor, id string) error {
	g, err := s.authorize(ctx, a)
	if err != nil {
		return err
	}
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		ca, err := s.d.Store.RemoveTrustedCA(ctx, id)
		if err != nil {
			return err
		}
		e := a.Event(g, staff.PermTrustManage, "trust.ca_removed", "", s.d.Now())
		e.Details = map[string]string{"ca": ca.ID, "subject": ca.Subject, "fingerprint": ca.Fingerprint}
		return s.d.Store.AppendAudit(ctx, &e)
	})
}

// CRLs returns the uploaded CRLs.
func (s *Service) CRLs(ctx context.Context, a staff.Actor) ([]*CRL, error) {
	if _, err := s.authorize(ctx, a); err != nil {
		return nil, err
	}
	return s.d.Store.UploadedCRLs(ctx)
}

// UploadCRL keeps a CRL (PEM or DER) for when its CA's distribution point
// cannot be reached. It must be signed by a trusted CA (Invalid on "crl":
// "trust.crl_unreadable", "trust.crl_untrusted", "trust.crl_invalid") and
// current ("trust.crl_stale" past its next update, "trust.crl_future"
// before its this update); it replaces the issuer's CRL uploaded before,
// which must be older (Conflict "trust.crl_not_newer"). Audited
// trust.crl_uploaded.
func (s *Service) UploadCRL(ctx context.Context, a staff.Actor, pemOrDER []byte) (*CRL, error) {
	g, err := s.authorize(ctx, a)
	if err != nil {
		return nil, err
	}
	cas, err := s.d.Store.TrustedCAs(ctx)
	if err != nil {
		return nil, err
	}
	out, err := s.newCRL(pemOrDER, cas, a.Member.ID)
	if err != nil {
		return nil, err
	}
	now := out.UploadedAt
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		old, err := s.d.Store.UploadedCRL(ctx, out.IssuerKey)
		switch {
		case problem.KindOf(err) == problem.NotFound:
		case err != nil:
			return err
		case !out.ThisUpdate.After(old.ThisUpdate):
			return problem.New(problem.Conflict, "trust.crl_not_newer")
		}
		if err := s.d.Store.SaveCRL(ctx, out); err != nil {
			return err
		}
		e := a.Event(g, staff.PermTrustManage, "trust.crl_uploaded", "", now)
		e.Details = map[string]string{"issuer": out.Issuer, "this_update": out.ThisUpdate.UTC().Format(time.RFC3339),
			"next_update": out.NextUpdate.UTC().Format(time.RFC3339), "entries": strconv.Itoa(out.Entries)}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// newCRL reads a CRL signed by one of cas and current now (UploadCRL's
// checks).
func (s *Service) newCRL(pemOrDER []byte, cas []*TrustedCA, by string) (*CRL, error) {
	invalid := func(id string) error { return problem.InvalidField("crl", problem.M(id)) }
	if len(pemOrDER) == 0 || len(pemOrDER) > MaxCRL {
		return nil, invalid("trust.crl_unreadable")
	}
	pool, byFingerprint := esign.NewPool(), map[string]string{}
	for _, ca := range cas {
		c, err := esign.ParseCertificate(ca.DER)
		if err != nil {
			continue // AddCA parsed it; a library update that cannot is not the CRL's fault
		}
		pool.Add(c)
		byFingerprint[ca.Fingerprint] = ca.ID
	}
	rl, err := esign.CheckCRL(pemOrDER, pool)
	var e *esign.Error
	switch {
	case errors.As(err, &e) && e.Reason == esign.Malformed:
		return nil, invalid("trust.crl_unreadable")
	case errors.As(err, &e) && e.Reason == esign.Untrusted:
		return nil, invalid("trust.crl_untrusted")
	case err != nil:
		return nil, invalid("trust.crl_invalid")
	}
	now := s.d.Now()
	switch {
	case !now.Before(rl.NextUpdate):
		return nil, invalid("trust.crl_stale")
	case now.Before(rl.ThisUpdate):
		return nil, invalid("trust.crl_future")
	}
	issuer := rl.Issuer.X509()
	sum := sha256.Sum256(rl.Issuer.Raw())
	return &CRL{IssuerKey: issuerKey(issuer.RawSubject), Issuer: nameOf(issuer.Subject.CommonName, issuer.Subject.String()),
		CAID: byFingerprint[hex.EncodeToString(sum[:])], DER: rl.Raw, ThisUpdate: rl.ThisUpdate, NextUpdate: rl.NextUpdate,
		Entries: rl.Entries, UploadedBy: by, UploadedAt: now}, nil
}

// Bootstrap trusts ca, and keeps its crl when given, while no CA is
// trusted yet: the demo's CA on a new demo deployment. It reports whether
// it did. Audited trust.ca_added (and trust.crl_uploaded) by the system.
func (s *Service) Bootstrap(ctx context.Context, caPEM, crlPEM []byte) (bool, error) {
	ca, err := s.newCA(caPEM, audit.ActorSystem)
	if err != nil {
		return false, err
	}
	var rl *CRL
	if crlPEM != nil {
		if rl, err = s.newCRL(crlPEM, []*TrustedCA{ca}, audit.ActorSystem); err != nil {
			return false, err
		}
	}
	done := false
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		done = false
		if cas, err := s.d.Store.TrustedCAs(ctx); err != nil || len(cas) > 0 {
			return err
		}
		if err := s.d.Store.AddTrustedCA(ctx, ca); err != nil {
			return err
		}
		e := &audit.Event{At: ca.AddedAt, Action: "trust.ca_added", ActorKind: audit.ActorSystem,
			Details: map[string]string{"ca": ca.ID, "subject": ca.Subject, "fingerprint": ca.Fingerprint}}
		if err := s.d.Store.AppendAudit(ctx, e); err != nil {
			return err
		}
		if rl != nil {
			if err := s.d.Store.SaveCRL(ctx, rl); err != nil {
				return err
			}
			e := &audit.Event{At: rl.UploadedAt, Action: "trust.crl_uploaded", ActorKind: audit.ActorSystem,
				Details: map[string]string{"issuer": rl.Issuer, "this_update": rl.ThisUpdate.UTC().Format(time.RFC3339),
					"next_update": rl.NextUpdate.UTC().Format(time.RFC3339), "entries": strconv.Itoa(rl.Entries)}}
			if err := s.d.Store.AppendAudit(ctx, e); err != nil {
				return err
			}
		}
		done = true
		return nil
	})
	return done, err
}

func (s *Service) authorize(ctx context.Context, a staff.Actor) (staff.Grants, error) {
	g, err := s.d.Grants.Grants(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.Authorize(a, staff.PermTrustManage, ""); err != nil {
		return nil, err
	}
	return g, nil
}

// currentVerifier returns the verifier for the trusted CAs as they are
// now, rebuilt only when their generation has changed (on any node): the
// verifier's caches of checked certificates and CRLs survive between
// uploads. Unavailable "signature.unavailable" when no CA is trusted.
func (s *Service) currentVerifier(ctx context.Context) (*esign.Verifier, error) {
	gen, err := s.d.Store.TrustGeneration(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	v, at := s.verifier, s.gen
	s.mu.Unlock()
	if v != nil && at == gen {
		return v, nil
	}
	cas, err := s.d.Store.TrustedCAs(ctx)
	if err != nil {
		return nil, err
	}
	// Every trusted CA is a root to esign, self-signed or not: its chain
	// walk stops at the first trusted CA, so an accredited CA trusted
	// without the head CA above it anchors its chains.
	roots := esign.NewPool()
	for _, ca := range cas {
		if c, err := esign.ParseCertificate(ca.DER); err == nil {
			roots.Add(c)
		}
	}
	if roots.Len() == 0 {
		return nil, problem.New(problem.Unavailable, "signature.unavailable")
	}
	v, err = esign.NewVerifier(esign.Options{Roots: roots, CRLs: s.crls, Now: s.d.Now})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.verifier, s.gen = v, gen
	s.mu.Unlock()
	return v, nil
}

// crlChain is the verifier's CRL source, behind the service's cache: the
// CA's distribution point first, then the issuer's uploaded CRL. A CRL
// that is unreadable or out of date counts as none; with neither, the
// error makes esign answer crl_unavailable.
type crlChain struct{ s *Service }

func (c crlChain) CRL(ctx context.Context, issuer *esign.Certificate, distributionPoints []string) ([]byte, error) {
	now := c.s.d.Now()
	var errs []error
	if f := c.s.d.CRLFetcher; f != nil {
		data, err := f.CRL(ctx, issuer, distributionPoints)
		if err == nil {
			if err = current(data, now); err == nil {
				return data, nil
			}
		}
		errs = append(errs, err)
	}
	up, err := c.s.d.Store.UploadedCRL(ctx, issuerKey(issuer.X509().RawSubject))
	switch {
	case problem.KindOf(err) == problem.NotFound:
		errs = append(errs, errors.New("no CRL uploaded"))
	case err != nil:
		errs = append(errs, err)
	case !now.Before(up.NextUpdate):
		errs = append(errs, fmt.Errorf("the uploaded CRL is stale since %s", up.NextUpdate.UTC().Format(time.RFC3339)))
	default:
		return up.DER, nil
	}
	return nil, errors.Join(errs...)
}

// current checks that a fetched CRL can be read and is in force at now
// (esign checks its signature afterwards).
func current(data []byte, now time.Time) error {
	if b, _ := pem.Decode(data); b != nil && b.Type == "X509 CRL" {
		data = b.Bytes
	}
	crl, err := x509.ParseRevocationList(data)
	switch {
	case err != nil:
		return fmt.Errorf("the fetched CRL is unreadable: %w", err)
	case crl.NextUpdate.IsZero() || !now.Before(crl.NextUpdate):
		return fmt.Errorf("the fetched CRL is stale since %s", crl.NextUpdate.UTC().Format(time.RFC3339))
	case now.Before(crl.ThisUpdate):
		return fmt.Errorf("the fetched CRL is issued in the future (%s)", crl.ThisUpdate.UTC().Format(time.RFC3339))
	}
	return nil
}

// issuerKey is how a CRL is filed: the SHA-256 of its issuer's name.
func issuerKey(rawName []byte) string {
	sum := sha256.Sum256(rawName)
	return hex.EncodeToString(sum[:])
}

// nameOf is a certificate name as shown: its common name, else the whole.
func nameOf(cn, whole string) string {
	if cn != "" {
		return cn
	}
	return whole
}
