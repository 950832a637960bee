// Package signature confirms a citizen's identity by a qualified
// electronic signature (issue 13 §2, SPEC.md §5.3): a standard-level
// citizen downloads a statement naming them (their verified full name and
// SNILS, a nonce, the date), signs it in their own software with their
// qualified certificate and uploads the detached CMS signature; kabinet
// verifies it (internal/esign) against the trusted CAs administrators keep,
// matches the certificate's SNILS and name with the verified data, and the
// account becomes confirmed.
//
// A statement is valid StatementValidity; its bytes depend only on what
// was snapshotted when it was issued (name, SNILS, nonce, date, site), so
// the file the citizen signed a week ago is byte for byte the one checked.
// A statement whose snapshot no longer matches the verified data is not
// accepted: the citizen downloads a new one.
//
// Trust (trust.go): administrators add and remove the trusted CAs (each a
// trust anchor, self-signed or not) and upload CRLs; the verifier asks a
// CRL cache in front of the CA's distribution point over HTTP (the app's
// adapter) and falls back to the newest uploaded CRL still valid; nothing
// valid is "cannot check now", never a pass.
//
// signature imports account, audit, document, esign, message, person,
// problem, session, staff and throttle.
package signature

import (
	"encoding/base32"
	"io"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/person"
)

// MethodSignature names a confirmation by signature (desk.Confirmation's
// Method).
const MethodSignature = "signature"

// StatementValidity is how long a statement may be signed and uploaded:
// long enough to find the token and the software, short enough that an
// old file lying about is useless.
const StatementValidity = 7 * 24 * time.Hour

// Person is the verified data a statement names and a certificate must
// match.
type Person struct {
	Surname, Name, Patronymic string // Patronymic "" when there is none
	SNILS                     document.SNILS
}

// FullName is the name in full: surname, name, patronymic.
func (p Person) FullName() string {
	return strings.TrimSpace(p.Surname + " " + p.givenNames())
}

// givenNames is the name and patronymic, as a certificate's GN holds them.
func (p Person) givenNames() string {
	if p.Patronymic == "" {
		return p.Name
	}
	return p.Name + " " + p.Patronymic
}

// Statement is one issued confirmation statement.
type Statement struct {
	ID        string
	AccountID string
	// Nonce makes each statement's bytes unique, so a signature over one
	// cannot confirm with another: 128 random bits, base32.
	Nonce string
	// Person is the verified data when issued; personal data, sealed at
	// rest. A later change of the verified data does not change it.
	Person Person
	// Site is the portal's name when issued, part of the text.
	Site string
	// Format is the wording the statement was issued in (StatementFormat
	// then), so that a later change of wording does not change its bytes.
	Format    int
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until it confirmed the account
}

// Expired reports whether the statement may no longer be signed at now.
func (s *Statement) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt) }

// Used reports whether the statement already confirmed the account.
func (s *Statement) Used() bool { return !s.UsedAt.IsZero() }

// StatementFormat is the wording new statements are issued in. A change
// of wording is a new format, Bytes keeping the old ones for the
// statements issued in them.
const StatementFormat = 1

// Bytes is the statement as the citizen downloads and signs it: UTF-8
// text, Russian then English, LF line endings, no byte order mark. It is a
// function of the stored fields only, so the same statement gives the
// same bytes every time (the signature is checked over them). Format 1 is
// the only one yet.
func (s *Statement) Bytes() []byte {
	day := s.IssuedAt.In(person.Moscow)
	name, snils := s.Person.FullName(), s.Person.SNILS.String()
	var b strings.Builder
	line := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
		b.WriteByte('\n')
	}
	line("ЗАЯВЛЕНИЕ")
	line("о подтверждении личности на портале ", s.Site)
	line()
	line("Я, ", name, ", СНИЛС ", snils, ", подтверждаю, что учётная запись на портале ", s.Site,
		" принадлежит мне, и прошу подтвердить мою личность этой квалифицированной электронной подписью.")
	line()
	line("Код заявления: ", s.Nonce)
	line("Дата: ", day.Format("02.01.2006"))
	line()
	line("STATEMENT")
	line("of identity confirmation on the portal ", s.Site)
	line()
	line("I, ", name, ", SNILS ", snils, ", confirm that the account on the portal ", s.Site,
		" belongs to me and ask for my identity to be confirmed by this qualified electronic signature.")
	line()
	line("Statement code: ", s.Nonce)
	line("Date: ", day.Format("2006-01-02"))
	return []byte(b.String())
}

// FileName is the name a download of the statement gets:
// "statement-<the nonce's first 8 characters>.txt".
func (s *Statement) FileName() string {
	n := strings.ToLower(s.Nonce)
	if len(n) > 8 {
		n = n[:8]
	}
	return "statement-" + n + ".txt"
}

// nonceBytes is the nonce's entropy: 128 bits.
const nonceBytes = 16

// newNonce returns 128 random bits as 26 characters of base32 (A–Z, 2–7):
// printable, with no characters a text editor or a signing tool could
// change.
func newNonce(r io.Reader) (string, error) {
	var b [nonceBytes]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", err
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]), nil
}

// Result is what the citizen sees of the certificate that confirmed them.
type Result struct {
	Holder              string // the certificate's holder, as it names them
	Issuer              string // the issuing CA's name
	Serial              string // upper-case hex
	NotBefore, NotAfter time.Time
	Algorithm           string // "gost2012-256", "gost2012-512", "rsa" or "ecdsa"
	ConfirmedAt         time.Time
}

// TrustedCA is a CA certificate administrators trust: a chain ending at
// it is trusted, whether it is self-signed (a head CA) or not (an
// accredited CA under the Ministry's head CA).
type TrustedCA struct {
	ID          string
	DER         []byte
	Subject     string // its common name, else its whole subject
	Fingerprint string // SHA-256 of DER, lower-case hex
	NotBefore   time.Time
	NotAfter    time.Time
	AddedBy     string // the staff member's ID
	AddedAt     time.Time
}

// CRL is a certificate revocation list an administrator uploaded, kept as
// its issuer's (the newest replaces the older).
type CRL struct {
	// IssuerKey is the SHA-256 of the issuer's name (DER), lower-case hex:
	// how the verifier asks for an issuer's CRL.
	IssuerKey  string
	Issuer     string // the issuer's common name, else its whole name
	CAID       string // the trusted CA that signed it
	DER        []byte
	ThisUpdate time.Time
	NextUpdate time.Time
	Entries    int // revoked certificates listed
	UploadedBy string
	UploadedAt time.Time
}
