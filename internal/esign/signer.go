package esign

import (
	"encoding/asn1"
	"fmt"
	"strings"
	"time"
)

var (
	oidSurname    = asn1.ObjectIdentifier{2, 5, 4, 4}
	oidGivenName  = asn1.ObjectIdentifier{2, 5, 4, 42}
	oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidOrg        = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidEmail      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidSNILS      = asn1.ObjectIdentifier{1, 2, 643, 100, 3}
	oidINN        = asn1.ObjectIdentifier{1, 2, 643, 3, 131, 1, 1}
	oidINNLE      = asn1.ObjectIdentifier{1, 2, 643, 100, 4}
	oidOGRN       = asn1.ObjectIdentifier{1, 2, 643, 100, 1}
	oidOGRNIP     = asn1.ObjectIdentifier{1, 2, 643, 100, 5}
)

// Signer is who signed, as the certificate says, for the caller to match
// against the citizen's verified data and to show. Fields the certificate
// does not carry are empty. Values are as in the certificate, untrimmed.
type Signer struct {
	Surname    string // SN (2.5.4.4)
	GivenNames string // GN (2.5.4.42): given name and patronymic
	CommonName string // CN
	SNILS      string // 1.2.643.100.3, 11 digits
	INN        string // a person's INN, 1.2.643.3.131.1.1
	INNLE      string // a legal entity's INN, 1.2.643.100.4
	OGRN       string // 1.2.643.100.1
	OGRNIP     string // 1.2.643.100.5
	Email      string // emailAddress in the subject, else the first e-mail SAN
	// Organization is the subject's O, when the certificate is an
	// organization's employee's.
	Organization string

	Serial              string // the certificate's serial number, upper-case hex
	Issuer              string // the issuing CA's common name (else its whole name)
	NotBefore, NotAfter time.Time
	// SigningTime is the signingTime the signer's software claims; zero when
	// absent. It is not trusted for anything.
	SigningTime time.Time
	// Algorithm is "gost2012-256", "gost2012-512", "rsa" or "ecdsa".
	Algorithm string
	// Chain is the signer's certificate, the CAs above it and the root.
	Chain []*Certificate
}

func newSigner(chain []*Certificate, signingTime time.Time) *Signer {
	leaf := chain[0].x509
	s := &Signer{
		Serial:      strings.ToUpper(leaf.SerialNumber.Text(16)),
		Issuer:      leaf.Issuer.CommonName,
		NotBefore:   leaf.NotBefore,
		NotAfter:    leaf.NotAfter,
		SigningTime: signingTime,
		Algorithm:   chain[0].key.kind.name(),
		Chain:       chain,
	}
	if s.Issuer == "" {
		s.Issuer = leaf.Issuer.String()
	}
	fields := []struct {
		oid asn1.ObjectIdentifier
		to  *string
	}{
		{oidSurname, &s.Surname}, {oidGivenName, &s.GivenNames}, {oidCommonName, &s.CommonName},
		{oidSNILS, &s.SNILS}, {oidINN, &s.INN}, {oidINNLE, &s.INNLE}, {oidOGRN, &s.OGRN},
		{oidOGRNIP, &s.OGRNIP}, {oidEmail, &s.Email}, {oidOrg, &s.Organization},
	}
	for _, atv := range leaf.Subject.Names {
		for _, f := range fields {
			if *f.to == "" && atv.Type.Equal(f.oid) {
				*f.to = attributeString(atv.Value)
			}
		}
	}
	if s.Email == "" && len(leaf.EmailAddresses) > 0 {
		s.Email = leaf.EmailAddresses[0]
	}
	return s
}

// attributeString is a name attribute's value as text; encoding/asn1 gives
// strings for every string type Russian certificates use.
func attributeString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}
