package store_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	osexec "os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/esign"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/signature"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
)

// sigPKI is a CA trusted directly, a citizen's certificate it issued and
// its CRL, made with crypto/x509 (ECDSA P-256); openssl cms signs, as the
// citizen's software would. The signature package's tests cover the
// algorithms; this one covers the storage under a real confirmation.
type sigPKI struct {
	dir     string
	openssl string
	caPEM   []byte
	crl     []byte
}

func newSigPKI(t *testing.T, now time.Time) *sigPKI {
	t.Helper()
	p := &sigPKI{dir: t.TempDir(), openssl: testenv.OpenSSL(t)}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	myKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Тестовый УЦ"}, NotBefore: now.AddDate(-1, 0, 0),
		NotAfter: now.AddDate(5, 0, 0), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ = x509.ParseCertificate(caDER)
	snils := asn1.RawValue{Tag: asn1.TagNumericString, Bytes: []byte("11223344595")}
	me := &x509.Certificate{SerialNumber: big.NewInt(2), NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(1, 0, 0),
		Subject: pkix.Name{ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: asn1.ObjectIdentifier{2, 5, 4, 4}, Value: "Щёкина"}, {Type: asn1.ObjectIdentifier{2, 5, 4, 42}, Value: "Алёна Юрьевна"},
			{Type: asn1.ObjectIdentifier{1, 2, 643, 100, 3}, Value: snils}}},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, CRLDistributionPoints: []string{"http://127.0.0.1:9/ca.crl"}}
	myDER, err := x509.CreateCertificate(rand.Reader, me, ca, myKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	if p.crl, err = x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour),
		NextUpdate: now.AddDate(0, 0, 7)}, ca, caKey); err != nil {
		t.Fatal(err)
	}
	p.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	k, _ := x509.MarshalPKCS8PrivateKey(myKey)
	for name, data := range map[string][]byte{
		"me.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: myDER}),
		"me.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}),
	} {
		if err := os.WriteFile(filepath.Join(p.dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// sign is a detached DER signature of content by the citizen's key.
func (p *sigPKI) sign(t *testing.T, content []byte) []byte {
	t.Helper()
	if err := os.WriteFile(filepath.Join(p.dir, "statement.txt"), content, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := osexec.Command(p.openssl, "cms", "-sign", "-binary", "-md", "sha256", "-in", "statement.txt", "-signer", "me.pem",
		"-inkey", "me.key", "-outform", "DER", "-out", "sig.p7s")
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms: %v: %s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(p.dir, "sig.p7s"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type unreachable struct{}

func (unreachable) CRL(context.Context, *esign.Certificate, []string) ([]byte, error) {
	return nil, errors.New("connection refused")
}

// TestSignatures: on each engine, an administrator (under the grant the
// migration adds) trusts a CA, which bumps the generation; a statement is
// issued with its person sealed (not in the table in clear) and read back
// the same; an upload is refused while no CRL can be had, audited in a
// transaction of its own; an uploaded CRL replaces none, then refuses a
// copy not newer; the signature then confirms the account, records the
// method and uses the statement; removing the CA takes its CRL along.
func TestSignatures(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := t0
		p := newSigPKI(t, now)
		if err := s.Accounts().CreateAccount(ctx, newAccount("acc1", "+79161234567", "")); err != nil {
			t.Fatal(err)
		}
		pd := profile.Data{Identity: person.Identity{Surname: "Щёкина", Name: "Алёна", Patronymic: "Юрьевна", BirthDate: t0.AddDate(-30, 0, 0)},
			SNILS: document.SNILS("11223344595")}
		if err := s.Profiles().SaveVerified(ctx, "acc1", pd, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Accounts().RaiseLevel(ctx, "acc1", account.Standard, t0); err != nil {
			t.Fatal(err)
		}
		x := s.Signatures()
		if who, ok, err := x.VerifiedPerson(ctx, "acc1"); err != nil || !ok || who.FullName() != "Щёкина Алёна Юрьевна" || who.SNILS != "11223344595" {
			t.Fatalf("verified person %+v %v %v", who, ok, err)
		}
		if _, ok, err := x.VerifiedPerson(ctx, "nobody"); ok || err != nil {
			t.Fatalf("nobody's verified person: %v %v", ok, err)
		}
		n := 0
		svc := signature.New(signature.Deps{Store: x, Grants: letterGrants{s}, Sessions: noSessions{}, Limiter: allowAll{}, Notifier: discard{},
			Links: letterLinks{}, CRLFetcher: unreachable{}, Site: "k.example", Now: func() time.Time { return now }, Rand: rand.Reader,
			NewID: func() (string, error) { n++; return fmt.Sprintf("s%d", n), nil }})
		admin := staff.Actor{Member: &staff.Member{ID: "adm1", Roles: []string{staff.RoleAdministrator}}}

		ca, err := svc.AddCA(ctx, admin, p.caPEM)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddCA(ctx, admin, p.caPEM); problem.KindOf(err) != problem.Conflict {
			t.Fatalf("the same CA twice: %v", err)
		}
		if g, err := x.TrustGeneration(ctx); err != nil || g != 1 {
			t.Fatalf("generation %d %v, want 1", g, err)
		}
		list, err := svc.TrustedCAs(ctx, admin)
		if err != nil || len(list) != 1 || list[0].Subject != "Тестовый УЦ" || list[0].Fingerprint != ca.Fingerprint ||
			!bytes.Equal(list[0].DER, ca.DER) || !list[0].NotAfter.Equal(ca.NotAfter.Truncate(time.Millisecond)) || !list[0].AddedAt.Equal(now) {
			t.Fatalf("trusted CAs %+v %v", list, err)
		}

		st, err := svc.Statement(ctx, "acc1")
		if err != nil {
			t.Fatal(err)
		}
		var raw []byte
		if err := s.DB().QueryRowContext(ctx, `SELECT person FROM signature_statements WHERE id = '`+st.ID+`'`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if len(raw) == 0 || bytes.Contains(raw, []byte("11223344595")) || bytes.Contains(raw, []byte("Щёкина")) {
			t.Fatalf("the person in the table: %q", raw)
		}
		now = now.Add(time.Hour)
		again, err := svc.Statement(ctx, "acc1")
		if err != nil || again.Nonce != st.Nonce || !bytes.Equal(again.Bytes(), st.Bytes()) || again.Person != st.Person || again.Format != signature.StatementFormat ||
			!again.IssuedAt.Equal(st.IssuedAt) || !again.ExpiresAt.Equal(st.ExpiresAt) {
			t.Fatalf("read back %+v %v", again, err)
		}

		upload := p.sign(t, st.Bytes())
		if _, err := svc.Confirm(ctx, "acc1", upload, session.Client{IP: "10.0.0.1"}); problem.KindOf(err) != problem.Unavailable {
			t.Fatalf("without a CRL: %v", err)
		}
		if n := auditCount(t, s, "signature.rejected"); n != 1 {
			t.Fatalf("%d rejections audited, want 1", n)
		}
		crl, err := svc.UploadCRL(ctx, admin, p.crl)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.UploadCRL(ctx, admin, p.crl); problem.KindOf(err) != problem.Conflict {
			t.Fatalf("the same CRL twice: %v", err)
		}
		crls, err := svc.CRLs(ctx, admin)
		if err != nil || len(crls) != 1 || crls[0].CAID != ca.ID || crls[0].Issuer != "Тестовый УЦ" || crls[0].IssuerKey != crl.IssuerKey ||
			!crls[0].NextUpdate.Equal(crl.NextUpdate) || !bytes.Equal(crls[0].DER, crl.DER) || crls[0].UploadedBy != "adm1" {
			t.Fatalf("CRLs %+v %v", crls, err)
		}

		res, err := svc.Confirm(ctx, "acc1", upload, session.Client{IP: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Holder != "Щёкина Алёна Юрьевна" || res.Algorithm != "ecdsa" {
			t.Errorf("result %+v", res)
		}
		if a, _ := s.Accounts().AccountByID(ctx, "acc1"); a.Level != account.Confirmed {
			t.Fatalf("level %s", a.Level)
		}
		if c, err := s.Desk().Confirmation(ctx, "acc1"); err != nil || c.Method != signature.MethodSignature {
			t.Fatalf("confirmation %+v %v", c, err)
		}
		if last, err := x.LatestStatement(ctx, "acc1"); err != nil || !last.UsedAt.Equal(now) {
			t.Fatalf("statement after %+v %v", last, err)
		}
		if used, err := x.UseStatement(ctx, st.ID, now); used || err != nil {
			t.Fatalf("used twice: %v %v", used, err)
		}
		if n := auditCount(t, s, "signature.confirmed"); n != 1 {
			t.Fatalf("%d confirmations audited", n)
		}

		if err := svc.RemoveCA(ctx, admin, ca.ID); err != nil {
			t.Fatal(err)
		}
		if crls, _ := svc.CRLs(ctx, admin); len(crls) != 0 {
			t.Fatalf("the removed CA's CRL is kept: %+v", crls)
		}
		if g, _ := x.TrustGeneration(ctx); g != 2 {
			t.Fatalf("generation %d after the removal, want 2", g)
		}
		if err := svc.RemoveCA(ctx, admin, ca.ID); problem.KindOf(err) != problem.NotFound {
			t.Fatalf("removed twice: %v", err)
		}
		if _, err := x.LatestStatement(ctx, "nobody"); problem.KindOf(err) != problem.NotFound {
			t.Fatalf("nobody's statement: %v", err)
		}
	})
}

// auditCount counts the audit events of an action.
func auditCount(t *testing.T, s *store.Store, action string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM audit_events WHERE action = '`+action+`'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
