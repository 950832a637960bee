package esign

import "fmt"

// Reason is a stable, machine-readable code for why a signature was not
// accepted; the caller translates it for the citizen.
type Reason string

// The reasons Verify and Parse return.
const (
	// Malformed: the upload is not a CMS signature this package can read.
	Malformed Reason = "malformed"
	// UnsupportedAlgorithm: a digest, signature or key algorithm other than
	// GOST R 34.10/34.11-2012, RSA with SHA-2 or ECDSA P-256/P-384.
	UnsupportedAlgorithm Reason = "unsupported_algorithm"
	// NoSignerCertificate: the signer's certificate is not in the signature.
	NoSignerCertificate Reason = "no_signer_certificate"
	// ContentMismatch: the signature was made over other content (the
	// statement was changed, or another document was signed).
	ContentMismatch Reason = "content_mismatch"
	// BadSignature: the signature value does not verify with the signer
	// certificate's key.
	BadSignature Reason = "bad_signature"
	// Untrusted: the certificate chain does not reach a trusted CA.
	Untrusted Reason = "untrusted"
	// Expired: a certificate of the chain is past its notAfter date.
	Expired Reason = "expired"
	// NotYetValid: a certificate of the chain is before its notBefore date.
	NotYetValid Reason = "not_yet_valid"
	// Revoked: a certificate of the chain is on its issuer's CRL; Detail
	// carries the revocation date (RFC 3339).
	Revoked Reason = "revoked"
	// CRLUnavailable: revocation cannot be checked now (the CRL could not be
	// fetched, or no CRL source is configured). Never a pass.
	CRLUnavailable Reason = "crl_unavailable"
	// CRLInvalid: the CRL is unreadable, not signed by the certificate's
	// issuer, or stale (its nextUpdate has passed).
	CRLInvalid Reason = "crl_invalid"
	// KeyUsage: the signer certificate is not for signing documents: its
	// key usage extension is absent or has neither digitalSignature nor
	// nonRepudiation.
	KeyUsage Reason = "key_usage"
)

// Error is the error Parse and Verify return. Detail is for operators and
// logs (in English, with no personal data beyond certificate names); Err is
// the underlying error, if any.
type Error struct {
	Reason Reason
	Detail string
	Err    error
}

func (e *Error) Error() string {
	s := "esign: " + string(e.Reason)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func fail(r Reason, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

func wrap(r Reason, err error, format string, args ...any) *Error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...), Err: err}
}
