package signature_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/i18n/i18ntest"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/signature"
)

// selfSigned makes a certificate with crypto/x509: a CA or not, valid
// from..to.
func selfSigned(t *testing.T, cn string, isCA bool, from, to time.Time, key crypto.Signer) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn}, NotBefore: from, NotAfter: to,
		BasicConstraintsValid: true, IsCA: isCA, KeyUsage: x509.KeyUsageDigitalSignature}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func pemOf(ders ...[]byte) []byte {
	var out []byte
	for _, d := range ders {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
	}
	return out
}

// TestAddCA: only a readable CA certificate of a supported key, not
// expired, one at a time and once, may be trusted, by an administrator;
// each change is audited and removing a CA takes its CRLs with it.
func TestAddCA(t *testing.T) {
	e := newEnv(t, "ecdsaP256")
	ctx := context.Background()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	now := e.now
	leaf := selfSigned(t, "Иванов Иван Иванович", false, now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0), key)
	expired := selfSigned(t, "Старый УЦ", true, now.AddDate(-5, 0, 0), now.AddDate(0, 0, -1), key)
	ed := selfSigned(t, "УЦ Ed25519", true, now.AddDate(-1, 0, 0), now.AddDate(1, 0, 0), edKey)
	for _, c := range []struct {
		name string
		data []byte
		who  func() error
		id   string
	}{
		{name: "a leaf certificate", data: pemOf(leaf), id: "trust.ca_not_ca"},
		{name: "a leaf certificate, DER", data: leaf, id: "trust.ca_not_ca"},
		{name: "garbage", data: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), id: "trust.ca_unreadable"},
		{name: "not even PEM", data: []byte{0x30, 0x82, 0x01}, id: "trust.ca_unreadable"},
		{name: "nothing", data: nil, id: "trust.ca_unreadable"},
		{name: "an expired CA", data: pemOf(expired), id: "trust.ca_expired"},
		{name: "an Ed25519 CA", data: pemOf(ed), id: "trust.ca_unsupported"},
		{name: "two certificates", data: append(append([]byte{}, e.p.rootPEM...), e.p.interPEM...), id: "trust.ca_one"},
	} {
		_, err := e.svc.AddCA(ctx, admin, c.data)
		p, _ := problem.As(err)
		if p == nil || p.Kind != problem.Invalid || len(p.Fields) != 1 || p.Fields[0].Field != "certificate" || p.Fields[0].ID != c.id {
			t.Errorf("%s: %v, want %s on certificate", c.name, err, c.id)
		}
	}
	if _, err := e.svc.AddCA(ctx, operator, e.p.rootPEM); kind(err) != problem.Forbidden {
		t.Errorf("an operator adding a CA: %v", err)
	}
	root, err := e.svc.AddCA(ctx, admin, e.p.rootPEM)
	if err != nil {
		t.Fatal(err)
	}
	if root.Subject != "Тестовый головной УЦ" || len(root.Fingerprint) != 64 || root.AddedBy != "adm1" || !root.AddedAt.Equal(now) ||
		!slices.Equal(root.DER, der(t, e.p.rootPEM)) || !root.NotAfter.After(now) {
		t.Errorf("added %+v", root)
	}
	if _, err := e.svc.AddCA(ctx, admin, der(t, e.p.rootPEM)); kind(err) != problem.Conflict || messageID(err) != "trust.ca_duplicate" {
		t.Errorf("the same CA again: %v", err)
	}
	inter, err := e.svc.AddCA(ctx, admin, e.p.interPEM) // an accredited CA, not self-signed
	if err != nil {
		t.Fatal(err)
	}
	if list, err := e.svc.TrustedCAs(ctx, admin); err != nil || len(list) != 2 || list[0].ID != root.ID || list[1].ID != inter.ID {
		t.Errorf("TrustedCAs: %+v %v", list, err)
	}
	if _, err := e.svc.TrustedCAs(ctx, operator); kind(err) != problem.Forbidden {
		t.Errorf("an operator listing: %v", err)
	}
	if _, err := e.svc.UploadCRL(ctx, admin, e.p.interCRL); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RemoveCA(ctx, admin, inter.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := e.svc.CRLs(ctx, admin); len(list) != 0 {
		t.Errorf("the removed CA's CRL is kept: %+v", list)
	}
	if err := e.svc.RemoveCA(ctx, admin, inter.ID); kind(err) != problem.NotFound || messageID(err) != "trust.ca_not_found" {
		t.Errorf("removing it again: %v", err)
	}
	if err := e.svc.RemoveCA(ctx, operator, root.ID); kind(err) != problem.Forbidden {
		t.Errorf("an operator removing: %v", err)
	}
	want := []string{"trust.ca_added", "trust.ca_added", "trust.crl_uploaded", "trust.ca_removed"}
	if got := e.st.actions("trust."); !slices.Equal(got, want) {
		t.Fatalf("audit %q, want %q", got, want)
	}
	for _, ev := range e.st.audit {
		if ev.ActorID != "adm1" || ev.ActorRole != "administrator" || ev.IP != admin.IP || ev.SubjectAccountID != "" {
			t.Errorf("audited %+v", ev)
		}
	}
	if ev := e.st.last("trust.ca_removed"); ev.Details["ca"] != inter.ID || ev.Details["fingerprint"] != inter.Fingerprint {
		t.Errorf("removal audited %+v", ev)
	}
}

// TestVerifierRebuilt: the verifier is built once per list of trusted
// CAs, not per upload, and again when the list changes.
func TestVerifierRebuilt(t *testing.T) {
	e := newEnv(t, "ecdsaP256", "root")
	ctx := context.Background()
	e.lim.off = true
	st := e.statement(t)
	other := e.p.sign(t, "other", st.Bytes())
	reads := func() int { return e.st.caReads }
	for range 3 {
		if _, err := e.svc.Confirm(ctx, "acc", other, citizen); messageID(err) != "signature.snils_mismatch" {
			t.Fatal(err)
		}
	}
	if n := reads(); n != 1 {
		t.Fatalf("the trusted CAs were read %d times for 3 uploads, want once", n)
	}
	// Trust moves from the head CA to an accredited CA elsewhere: the
	// signature's chain no longer reaches a trusted CA.
	if _, err := e.svc.AddCA(ctx, admin, e.p.evilPEM); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RemoveCA(ctx, admin, e.st.cas[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Confirm(ctx, "acc", other, citizen); messageID(err) != "signature.reason.untrusted" {
		t.Fatalf("after the change: %v", err)
	}
	if n := reads(); n != 2 {
		t.Errorf("the trusted CAs were read %d times, want twice", n)
	}
	// A CRL fetched is kept: three uploads, two CRLs (signer's and the
	// accredited CA's) fetched once.
	if e.fetch.calls != 2 {
		t.Errorf("%d CRL fetches, want 2", e.fetch.calls)
	}
}

// TestMessages: every message ID the package returns has its Russian and
// English text, with its arguments, and the area defines nothing else.
func TestMessages(t *testing.T) {
	used := map[string]map[string]any{
		"signature.not_verified": nil, "signature.already_confirmed": nil, "signature.upload_rate_limited": {"Wait": 3 * time.Hour},
		"signature.no_statement": nil, "signature.statement_expired": nil, "signature.statement_outdated": nil,
		"signature.empty": nil, "signature.too_large": {"MaxKB": signature.MaxUpload >> 10}, "signature.unavailable": nil,
		"signature.snils_mismatch": nil, "signature.name_mismatch": nil,
		"trust.ca_unreadable": nil, "trust.ca_one": nil, "trust.ca_not_ca": nil, "trust.ca_unsupported": nil, "trust.ca_expired": nil,
		"trust.ca_duplicate": nil, "trust.ca_not_found": nil, "trust.crl_unreadable": nil, "trust.crl_untrusted": nil,
		"trust.crl_invalid": nil, "trust.crl_stale": nil, "trust.crl_future": nil, "trust.crl_not_newer": nil, "trust.crl_not_found": nil,
	}
	for _, r := range []string{"malformed", "unsupported_algorithm", "no_signer_certificate", "content_mismatch", "bad_signature",
		"untrusted", "expired", "not_yet_valid", "revoked", "crl_unavailable", "crl_invalid", "key_usage"} {
		used["signature.reason."+r] = nil
	}
	i18ntest.CheckArea(t, "signature", used)
}

// TestBootstrap: a new deployment's first CA (the demo's) is trusted with
// its CRL, audited as the system, once: a second start, or a deployment
// that trusts a CA already, changes nothing; a CRL not of that CA leaves
// nothing behind.
func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, "ecdsaP256")
	if _, err := e.svc.Bootstrap(ctx, e.p.rootPEM, e.p.interCRL); messageID(err) != "trust.crl_untrusted" && messageID(err) != "trust.crl_invalid" {
		t.Fatalf("a CRL of another CA: %v", err)
	}
	if cas, _ := e.st.TrustedCAs(ctx); len(cas) != 0 {
		t.Fatalf("a refused bootstrap trusted %d CAs", len(cas))
	}
	done, err := e.svc.Bootstrap(ctx, e.p.rootPEM, e.p.rootCRL)
	if err != nil || !done {
		t.Fatalf("bootstrap: %v %v", done, err)
	}
	cas, _ := e.st.TrustedCAs(ctx)
	crls, _ := e.st.UploadedCRLs(ctx)
	if len(cas) != 1 || len(crls) != 1 || crls[0].CAID != cas[0].ID {
		t.Fatalf("trusted %d CAs and %d CRLs", len(cas), len(crls))
	}
	for _, action := range []string{"trust.ca_added", "trust.crl_uploaded"} {
		if ev := e.st.last(action); ev == nil || ev.ActorKind != "system" {
			t.Errorf("%s audited as %+v", action, ev)
		}
	}
	if done, err := e.svc.Bootstrap(ctx, e.p.rootPEM, e.p.rootCRL); err != nil || done {
		t.Fatalf("a second bootstrap: %v %v", done, err)
	}
	if cas, _ := e.st.TrustedCAs(ctx); len(cas) != 1 {
		t.Fatalf("after a second bootstrap %d CAs", len(cas))
	}
	other := newEnv(t, "ecdsaP256", "inter")
	if done, err := other.svc.Bootstrap(ctx, other.p.rootPEM, nil); err != nil || done {
		t.Fatalf("a deployment that trusts a CA already: %v %v", done, err)
	}
}
