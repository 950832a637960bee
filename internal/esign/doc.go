// Package esign verifies a citizen's qualified electronic signature: a
// detached CMS (PKCS #7) SignedData over a statement kabinet produced, made in
// the citizen's own software with their qualified certificate.
//
// Verify checks the signature over the statement, the certificate chain up to
// the configured trusted (accredited) CAs, validity dates, revocation by CRL
// and the signer's key usage, and returns the signer's identity (SNILS,
// surname, given names, INN, …) for the caller to match against the
// citizen's verified data; matching is the caller's policy, not this
// package's. Every failure is an *Error with a stable Reason.
//
// Algorithms: GOST R 34.10-2012 (256 and 512 bit) with GOST R 34.11-2012
// (Streebog) digests, RSA (PKCS #1 v1.5 and PSS) with SHA-256/384/512, and
// ECDSA P-256/P-384. The CMS structure is read with cryptobyte because no Go
// CMS library verifies GOST signatures; GOST arithmetic and Streebog come
// from github.com/deatil/go-cryptobin, everything else from the standard
// library.
//
// Fetching CRLs is the caller's adapter (CRLSource; internal/esign/crlhttp
// fetches over HTTP), so esign is a library: it imports the standard
// library, golang.org/x/crypto/cryptobyte and go-cryptobin's GOST packages,
// and no HTTP, SQL or templates.
package esign
