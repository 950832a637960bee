package esign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testenv"
)

// The fixtures: for each algorithm a PKI made at test time (GOST by
// OpenSSL's GOST engine, RSA and ECDSA in Go) and CMS signatures made by
// openssl cms, as a citizen's software would. A root CA issues an
// intermediate CA, which issues the signers; the signatures carry the
// intermediate. Everything is made once per test binary.

// The signer's subject, as Russian qualified certificates carry it.
const (
	wantSurname = "Иванов"
	wantGiven   = "Иван Иванович"
	wantCN      = "Иванов Иван Иванович"
	wantSNILS   = "11223344595"
	wantINN     = "500100732259"
	wantEmail   = "ivanov@example.ru"
	cdpURL      = "http://127.0.0.1/inter.crl"
)

// statement is what the citizen signs (kabinet makes it).
var statement = []byte("Я, Иванов Иван Иванович, СНИЛС 112-233-445 95, подтверждаю свою учётную запись в kabinet.\nКод заявления: 7f3c-21\n")

// signers of each world: good and the failing ones.
var signerNames = []string{"good", "expired", "notyet", "revoked", "badku", "other"}

// world is one algorithm's PKI and signatures.
type world struct {
	name    string
	dir     string
	openssl string
	engine  []string // "-engine", "gost" for GOST
	md      string   // openssl -md for cms
	t0      time.Time

	root, evilRoot *Certificate
	inter          *Certificate
	interCRL       []byte // lists "revoked"; fresh for 30 days from t0
	rootCRL        []byte
	evilCRL        []byte // same issuer name as interCRL, another key
	sigs           map[string][]byte
}

// now is the verification time of the tests: an hour after the fixtures.
func (w *world) now() time.Time { return w.t0.Add(time.Hour) }

var (
	worldsMu sync.Mutex
	worlds   = map[string]*worldOnce{}
)

type worldOnce struct {
	once sync.Once
	w    *world
	err  error
}

// getWorld returns the named world, making it on first use:
// "gost256", "gost512", "rsa2048" or "ecdsaP256".
func getWorld(t testing.TB, name string) *world {
	t.Helper()
	var openssl string
	if strings.HasPrefix(name, "gost") {
		openssl = testenv.OpenSSLGost(t)
	} else {
		openssl = testenv.OpenSSL(t)
	}
	worldsMu.Lock()
	wo := worlds[name]
	if wo == nil {
		wo = &worldOnce{}
		worlds[name] = wo
	}
	worldsMu.Unlock()
	wo.once.Do(func() {
		dir, err := os.MkdirTemp("", "esign-"+name+"-")
		if err != nil {
			wo.err = err
			return
		}
		w := &world{name: name, dir: dir, openssl: openssl, t0: time.Now().UTC().Truncate(time.Second), sigs: map[string][]byte{}}
		wo.w, wo.err = w, w.build()
	})
	if wo.err != nil {
		t.Fatalf("fixtures %s: %v", name, wo.err)
	}
	return wo.w
}

func (w *world) path(name string) string { return filepath.Join(w.dir, name) }

func (w *world) run(args ...string) ([]byte, error) {
	cmd := exec.Command(w.openssl, args...)
	cmd.Dir = w.dir
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("openssl %s: %v: %s", strings.Join(args, " "), err, errOut.String())
	}
	return out.Bytes(), nil
}

func (w *world) build() error {
	var err error
	switch w.name {
	case "gost256":
		w.engine, w.md = []string{"-engine", "gost"}, "md_gost12_256"
		err = w.buildGOST("gost2012_256", "-md_gost12_256")
	case "gost512":
		w.engine, w.md = []string{"-engine", "gost"}, "md_gost12_512"
		err = w.buildGOST("gost2012_512", "-md_gost12_512")
	case "rsa2048":
		w.md = "sha256"
		err = w.buildGo(func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) })
	case "ecdsaP256":
		w.md = "sha256"
		err = w.buildGo(func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) })
	default:
		err = fmt.Errorf("no world %q", w.name)
	}
	if err != nil {
		return err
	}
	for file, into := range map[string]**Certificate{"root.pem": &w.root, "evilroot.pem": &w.evilRoot, "inter.pem": &w.inter} {
		data, err := os.ReadFile(w.path(file))
		if err != nil {
			return err
		}
		certs, err := ParseCertificates(data)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		*into = certs[0]
	}
	if err := os.WriteFile(w.path("statement.txt"), statement, 0o600); err != nil {
		return err
	}
	for _, s := range signerNames {
		if w.sigs[s], err = w.sign(s, false); err != nil {
			return err
		}
	}
	if w.sigs["noattr"], err = w.sign("good", true); err != nil {
		return err
	}
	if w.name == "rsa2048" {
		if w.sigs["pss"], err = w.sign("good", false, "-keyopt", "rsa_padding_mode:pss"); err != nil {
			return err
		}
	}
	return nil
}

// sign makes a detached DER signature of statement.txt by signer name.
func (w *world) sign(name string, noattr bool, extra ...string) ([]byte, error) {
	out := w.path(fmt.Sprintf("%s-%v.p7s", name, noattr))
	args := append([]string{"cms"}, w.engine...)
	args = append(args, "-sign", "-binary", "-md", w.md, "-in", "statement.txt", "-signer", name+".pem",
		"-inkey", name+".key", "-certfile", "inter.pem", "-outform", "DER", "-out", out)
	if noattr {
		args = append(args, "-noattr")
	}
	args = append(args, extra...)
	if _, err := w.run(args...); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// opensslDate formats t for openssl ca -startdate/-enddate.
func opensslDate(t time.Time) string { return t.UTC().Format("20060102150405Z") }

const gostConfig = `[ca]
default_ca = CA
[CA]
dir = %[1]s
database = %[1]s/index.txt
new_certs_dir = %[1]s
serial = %[1]s/serial
crlnumber = %[1]s/crlnumber
default_md = %[2]s
policy = anything
unique_subject = no
copy_extensions = none
preserve = yes
default_crl_days = 30
[anything]
countryName = optional
organizationName = optional
commonName = optional
surname = optional
givenName = optional
SNILS = optional
INN = optional
emailAddress = optional
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
[root]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[inter]
basicConstraints = critical,CA:true,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://127.0.0.1/root.crl
[signer]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:` + cdpURL + `
[badku]
basicConstraints = CA:false
keyUsage = critical,keyEncipherment
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:` + cdpURL + `
`

// signerSubject is the subject of signer name; "other" is another person.
func signerSubject(name string) string {
	if name == "other" {
		return "/C=RU/SN=Петрова/GN=Мария Сергеевна/CN=Петрова Мария Сергеевна/SNILS=08765430300/emailAddress=petrova@example.ru"
	}
	return "/C=RU/SN=" + wantSurname + "/GN=" + wantGiven + "/CN=" + wantCN + "/SNILS=" + wantSNILS + "/INN=" + wantINN + "/emailAddress=" + wantEmail
}

// signerDates are the validity of signer name relative to t0.
func signerDates(name string, t0 time.Time) (from, to time.Time) {
	switch name {
	case "expired":
		return t0.AddDate(-3, 0, 0), t0.AddDate(-1, 0, 0)
	case "notyet":
		return t0.AddDate(1, 0, 0), t0.AddDate(3, 0, 0)
	}
	return t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)
}

func (w *world) buildGOST(alg, reqMD string) error {
	e := w.engine
	ca := func(name string) (string, error) { // a CA directory with its config
		d := w.path("ca-" + name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", err
		}
		for f, s := range map[string]string{"index.txt": "", "serial": "01\n", "crlnumber": "01\n"} {
			if err := os.WriteFile(filepath.Join(d, f), []byte(s), 0o600); err != nil {
				return "", err
			}
		}
		cnf := filepath.Join(d, "ca.cnf")
		return cnf, os.WriteFile(cnf, fmt.Appendf(nil, gostConfig, d, strings.TrimPrefix(reqMD, "-")), 0o600)
	}
	steps := [][]string{}
	add := func(args ...string) { steps = append(steps, args) }
	key := func(name string) {
		add(append(append([]string{"genpkey"}, e...), "-algorithm", alg, "-pkeyopt", "paramset:A", "-out", name+".key")...)
	}
	rootCnf, err := ca("root")
	if err != nil {
		return err
	}
	interCnf, err := ca("inter")
	if err != nil {
		return err
	}
	evilCnf, err := ca("evil")
	if err != nil {
		return err
	}
	const interSubj = "/C=RU/O=Тестовый УЦ/CN=Тестовый УЦ 2"
	for _, r := range []struct{ name, subj, cnf string }{
		{"root", "/C=RU/O=Тестовый УЦ/CN=Тестовый головной УЦ", rootCnf},
		{"evilroot", "/C=RU/O=Чужой УЦ/CN=Чужой УЦ", rootCnf},
		{"evilinter", interSubj, evilCnf}, // signs the CRL that is not the intermediate's
	} {
		key(r.name)
		add(append(append([]string{"req"}, e...), "-config", r.cnf, "-new", "-x509", "-key", r.name+".key", reqMD, "-days", "3650",
			"-utf8", "-subj", r.subj, "-extensions", "root", "-out", r.name+".pem")...)
	}
	key("inter")
	add(append(append([]string{"req"}, e...), "-config", interCnf, "-new", "-key", "inter.key", reqMD, "-utf8", "-subj", interSubj, "-out", "inter.csr")...)
	add(append(append([]string{"ca"}, e...), "-config", rootCnf, "-batch", "-in", "inter.csr", "-cert", "root.pem", "-keyfile", "root.key",
		"-extensions", "inter", "-startdate", opensslDate(w.t0.AddDate(0, 0, -1)), "-enddate", opensslDate(w.t0.AddDate(9, 0, 0)), "-utf8", "-out", "inter.pem")...)
	for _, s := range signerNames {
		key(s)
		add(append(append([]string{"req"}, e...), "-config", interCnf, "-new", "-key", s+".key", reqMD, "-utf8", "-subj", signerSubject(s), "-out", s+".csr")...)
		ext := "signer"
		if s == "badku" {
			ext = "badku"
		}
		from, to := signerDates(s, w.t0)
		add(append(append([]string{"ca"}, e...), "-config", interCnf, "-batch", "-in", s+".csr", "-cert", "inter.pem", "-keyfile", "inter.key",
			"-extensions", ext, "-startdate", opensslDate(from), "-enddate", opensslDate(to), "-utf8", "-out", s+".pem")...)
	}
	add(append(append([]string{"ca"}, e...), "-config", interCnf, "-revoke", "revoked.pem", "-crl_reason", "keyCompromise", "-cert", "inter.pem", "-keyfile", "inter.key")...)
	add(append(append([]string{"ca"}, e...), "-config", interCnf, "-gencrl", "-cert", "inter.pem", "-keyfile", "inter.key", "-out", "inter.crl")...)
	add(append(append([]string{"ca"}, e...), "-config", rootCnf, "-gencrl", "-cert", "root.pem", "-keyfile", "root.key", "-out", "root.crl")...)
	add(append(append([]string{"ca"}, e...), "-config", evilCnf, "-gencrl", "-cert", "evilinter.pem", "-keyfile", "evilinter.key", "-out", "evil.crl")...)
	for _, args := range steps {
		if _, err := w.run(args...); err != nil {
			return err
		}
	}
	for f, into := range map[string]*[]byte{"inter.crl": &w.interCRL, "root.crl": &w.rootCRL, "evil.crl": &w.evilCRL} {
		if *into, err = os.ReadFile(w.path(f)); err != nil {
			return err
		}
	}
	return nil
}

// buildGo makes the same PKI as buildGOST with crypto/x509.
func (w *world) buildGo(newKey func() (crypto.Signer, error)) error {
	type ca struct {
		cert *x509.Certificate
		key  crypto.Signer
	}
	serial := int64(1)
	write := func(name string, der []byte, key crypto.Signer) error {
		if err := os.WriteFile(w.path(name+".pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
			return err
		}
		k, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return err
		}
		return os.WriteFile(w.path(name+".key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: k}), 0o600)
	}
	issue := func(name string, tmpl *x509.Certificate, parent *ca) (*ca, error) {
		key, err := newKey()
		if err != nil {
			return nil, err
		}
		serial++
		tmpl.SerialNumber = big.NewInt(serial)
		signer, parentCert := key, tmpl
		if parent != nil {
			signer, parentCert = parent.key, parent.cert
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), signer)
		if err != nil {
			return nil, err
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		return &ca{cert, key}, write(name, der, key)
	}
	caTmpl := func(cn string, from, to time.Time) *x509.Certificate {
		return &x509.Certificate{
			Subject:   pkix.Name{Country: []string{"RU"}, Organization: []string{"Тестовый УЦ"}, CommonName: cn},
			NotBefore: from, NotAfter: to, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
	}
	root, err := issue("root", caTmpl("Тестовый головной УЦ", w.t0.AddDate(-5, 0, 0), w.t0.AddDate(10, 0, 0)), nil)
	if err != nil {
		return err
	}
	if _, err := issue("evilroot", caTmpl("Чужой УЦ", w.t0.AddDate(-5, 0, 0), w.t0.AddDate(10, 0, 0)), nil); err != nil {
		return err
	}
	it := caTmpl("Тестовый УЦ 2", w.t0.AddDate(0, 0, -1), w.t0.AddDate(9, 0, 0))
	it.MaxPathLenZero = true
	it.CRLDistributionPoints = []string{"http://127.0.0.1/root.crl"}
	inter, err := issue("inter", it, root)
	if err != nil {
		return err
	}
	evil, err := issue("evilinter", caTmpl("Тестовый УЦ 2", w.t0.AddDate(0, 0, -1), w.t0.AddDate(9, 0, 0)), nil)
	if err != nil {
		return err
	}
	var revokedSerial *big.Int
	for _, s := range signerNames {
		from, to := signerDates(s, w.t0)
		tmpl := &x509.Certificate{
			Subject: subjectName(s), NotBefore: from, NotAfter: to, BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageClientAuth},
			CRLDistributionPoints: []string{cdpURL},
		}
		if s == "badku" {
			tmpl.KeyUsage = x509.KeyUsageKeyEncipherment
		}
		c, err := issue(s, tmpl, inter)
		if err != nil {
			return err
		}
		if s == "revoked" {
			revokedSerial = c.cert.SerialNumber
		}
	}
	crl := func(issuer *ca, revoked []x509.RevocationListEntry) ([]byte, error) {
		return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number: big.NewInt(1), ThisUpdate: w.t0, NextUpdate: w.t0.AddDate(0, 0, 30),
			RevokedCertificateEntries: revoked,
		}, issuer.cert, issuer.key)
	}
	revokedAt := w.t0.Add(-time.Hour)
	if w.interCRL, err = crl(inter, []x509.RevocationListEntry{{SerialNumber: revokedSerial, RevocationTime: revokedAt, ReasonCode: 1}}); err != nil {
		return err
	}
	if w.rootCRL, err = crl(root, nil); err != nil {
		return err
	}
	w.evilCRL, err = crl(evil, nil)
	return err
}

// subjectName is signerSubject as a pkix.Name, with the Russian attributes.
func subjectName(name string) pkix.Name {
	var n pkix.Name
	for _, part := range strings.Split(strings.TrimPrefix(signerSubject(name), "/"), "/") {
		k, v, _ := strings.Cut(part, "=")
		oid := map[string]asn1.ObjectIdentifier{
			"C": {2, 5, 4, 6}, "SN": oidSurname, "GN": oidGivenName, "CN": oidCommonName,
			"SNILS": oidSNILS, "INN": oidINN, "emailAddress": oidEmail,
		}[k]
		var value any = v
		if k == "SNILS" || k == "INN" { // NumericString, as in real certificates
			value = asn1.RawValue{Tag: asn1.TagNumericString, Bytes: []byte(v)}
		}
		n.ExtraNames = append(n.ExtraNames, pkix.AttributeTypeAndValue{Type: oid, Value: value})
	}
	return n
}

// crlSource serves CRLs by issuer subject and records what it was asked.
type crlSource struct {
	mu      sync.Mutex
	byName  map[string][]byte
	err     error
	askedDP [][]string
}

func (s *crlSource) CRL(_ context.Context, issuer *Certificate, dps []string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.askedDP = append(s.askedDP, dps)
	if s.err != nil {
		return nil, s.err
	}
	b, ok := s.byName[string(issuer.X509().RawSubject)]
	if !ok {
		return nil, errors.New("no CRL for " + issuer.X509().Subject.String())
	}
	return b, nil
}

// crls returns the world's good CRL source.
func (w *world) crls() *crlSource {
	return &crlSource{byName: map[string][]byte{
		string(w.inter.X509().RawSubject): w.interCRL,
		string(w.root.X509().RawSubject):  w.rootCRL,
	}}
}

// verifier returns a Verifier trusting the world's root, at w.now().
func (w *world) verifier(t testing.TB, src CRLSource) *Verifier {
	t.Helper()
	v, err := NewVerifier(Options{Roots: NewPool(w.root), CRLs: src, Now: w.now})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
