package signature_test

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/testenv"
)

// The fixtures: for each algorithm a PKI made by openssl at test time (GOST
// with Debian's GOST engine), as internal/esign's tests do: a head CA
// (root, self-signed) issues an accredited CA (inter), which issues the
// citizens' certificates; another CA (evil) nobody trusts issues one more.
// Signatures are made by openssl cms over whatever statement a test has,
// as a citizen's software would.

// The verified person of the tests' account, and the certificates' subjects.
const (
	wantSurname = "Иванов"
	wantGiven   = "Иван Иванович"
	wantSNILS   = "11223344595"
	cdpURL      = "http://127.0.0.1/inter.crl"
)

// subjects of the citizens' certificates, by signer name.
var subjects = map[string]string{
	"good":       "/C=RU/SN=Иванов/GN=Иван Иванович/CN=Иванов Иван Иванович/SNILS=11223344595",
	"upper":      "/C=RU/SN=ИВАНОВ/GN=ИВАН  ИВАНОВИЧ/CN=ИВАНОВ ИВАН ИВАНОВИЧ/SNILS=11223344595",
	"cnonly":     "/C=RU/CN=Иванов Иван Иванович/SNILS=11223344595",
	"wrongsnils": "/C=RU/SN=Иванов/GN=Иван Иванович/CN=Иванов Иван Иванович/SNILS=08765430300",
	"nosnils":    "/C=RU/SN=Иванов/GN=Иван Иванович/CN=Иванов Иван Иванович",
	"wrongname":  "/C=RU/SN=Петров/GN=Иван Иванович/CN=Петров Иван Иванович/SNILS=11223344595",
	"other":      "/C=RU/SN=Петрова/GN=Мария Сергеевна/CN=Петрова Мария Сергеевна/SNILS=08765430300",
	"expired":    "/C=RU/SN=Иванов/GN=Иван Иванович/CN=Иванов Иван Иванович/SNILS=11223344595",
	"revoked":    "/C=RU/SN=Иванов/GN=Иван Иванович/CN=Иванов Иван Иванович/SNILS=11223344595",
	"evil":       "/C=RU/SN=Иванов/GN=Иван Иванович/CN=Иванов Иван Иванович/SNILS=11223344595",
}

// pki is one algorithm's CAs and citizens' keys.
type pki struct {
	alg     string
	dir     string
	openssl string
	engine  []string
	md      string // openssl's digest name
	t0      time.Time

	rootPEM, interPEM, evilPEM []byte
	interCRL, rootCRL          []byte // interCRL lists "revoked"; both fresh 30 days from t0
	mu                         sync.Mutex
	n                          int
}

var (
	pkisMu sync.Mutex
	pkis   = map[string]*pkiOnce{}
)

type pkiOnce struct {
	once sync.Once
	p    *pki
	err  error
}

var algorithms = []string{"gost256", "gost512", "rsa2048", "ecdsaP256"}

// getPKI returns the named PKI, made on first use. GOST ones need the
// OpenSSL GOST engine (testenv.OpenSSLGost skips without it unless CI).
func getPKI(t testing.TB, alg string) *pki {
	t.Helper()
	var openssl string
	if strings.HasPrefix(alg, "gost") {
		openssl = testenv.OpenSSLGost(t)
	} else {
		openssl = testenv.OpenSSL(t)
	}
	pkisMu.Lock()
	o := pkis[alg]
	if o == nil {
		o = &pkiOnce{}
		pkis[alg] = o
	}
	pkisMu.Unlock()
	o.once.Do(func() {
		dir, err := os.MkdirTemp("", "signature-"+alg+"-")
		if err != nil {
			o.err = err
			return
		}
		p := &pki{alg: alg, dir: dir, openssl: openssl, t0: time.Now().UTC().Truncate(time.Second)}
		o.p, o.err = p, p.build()
	})
	if o.err != nil {
		t.Fatalf("PKI %s: %v", alg, o.err)
	}
	return o.p
}

func (p *pki) path(name string) string { return filepath.Join(p.dir, name) }

func (p *pki) run(args ...string) error {
	cmd := exec.Command(p.openssl, args...)
	cmd.Dir = p.dir
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("openssl %s: %v: %s", strings.Join(args, " "), err, errOut.String())
	}
	return nil
}

const caConfig = `[ca]
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
`

func opensslDate(t time.Time) string { return t.UTC().Format("20060102150405Z") }

func (p *pki) build() error {
	var keyArgs []string
	switch p.alg {
	case "gost256":
		p.engine, p.md = []string{"-engine", "gost"}, "md_gost12_256"
		keyArgs = []string{"-algorithm", "gost2012_256", "-pkeyopt", "paramset:A"}
	case "gost512":
		p.engine, p.md = []string{"-engine", "gost"}, "md_gost12_512"
		keyArgs = []string{"-algorithm", "gost2012_512", "-pkeyopt", "paramset:A"}
	case "rsa2048":
		p.md, keyArgs = "sha256", []string{"-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"}
	case "ecdsaP256":
		p.md, keyArgs = "sha256", []string{"-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"}
	default:
		return fmt.Errorf("no algorithm %q", p.alg)
	}
	e := p.engine
	with := func(cmd string, args ...string) []string { return append(append([]string{cmd}, e...), args...) }
	ca := func(name string) (string, error) {
		d := p.path("ca-" + name)
		if err := os.MkdirAll(d, 0o700); err != nil {
			return "", err
		}
		for f, s := range map[string]string{"index.txt": "", "serial": "01\n", "crlnumber": "01\n"} {
			if err := os.WriteFile(filepath.Join(d, f), []byte(s), 0o600); err != nil {
				return "", err
			}
		}
		cnf := filepath.Join(d, "ca.cnf")
		return cnf, os.WriteFile(cnf, fmt.Appendf(nil, caConfig, d, p.md), 0o600)
	}
	cnf := map[string]string{}
	for _, name := range []string{"root", "inter", "evilca"} {
		c, err := ca(name)
		if err != nil {
			return err
		}
		cnf[name] = c
	}
	var steps [][]string
	add := func(args []string) { steps = append(steps, args) }
	key := func(name string) { add(with("genpkey", append(keyArgs, "-out", name+".key")...)) }
	for _, r := range []struct{ name, subj string }{
		{"root", "/C=RU/O=Тестовый УЦ/CN=Тестовый головной УЦ"},
		{"evilca", "/C=RU/O=Чужой УЦ/CN=Чужой УЦ"},
	} {
		key(r.name)
		add(with("req", "-config", cnf["root"], "-new", "-x509", "-key", r.name+".key", "-"+p.md, "-days", "3650",
			"-utf8", "-subj", r.subj, "-extensions", "root", "-out", r.name+".pem"))
	}
	key("inter")
	add(with("req", "-config", cnf["inter"], "-new", "-key", "inter.key", "-"+p.md, "-utf8", "-subj", "/C=RU/O=Тестовый УЦ/CN=Тестовый УЦ 2", "-out", "inter.csr"))
	add(with("ca", "-config", cnf["root"], "-batch", "-in", "inter.csr", "-cert", "root.pem", "-keyfile", "root.key",
		"-extensions", "inter", "-startdate", opensslDate(p.t0.AddDate(0, 0, -1)), "-enddate", opensslDate(p.t0.AddDate(9, 0, 0)), "-utf8", "-out", "inter.pem"))
	for name, subj := range subjects {
		key(name)
		add(with("req", "-config", cnf["inter"], "-new", "-key", name+".key", "-"+p.md, "-utf8", "-subj", subj, "-out", name+".csr"))
		from, to := p.t0.AddDate(-1, 0, 0), p.t0.AddDate(1, 0, 0)
		if name == "expired" {
			from, to = p.t0.AddDate(-3, 0, 0), p.t0.AddDate(-1, 0, 0)
		}
		issuer := "inter"
		if name == "evil" {
			issuer = "evilca"
		}
		add(with("ca", "-config", cnf[issuer], "-batch", "-in", name+".csr", "-cert", issuer+".pem", "-keyfile", issuer+".key",
			"-extensions", "signer", "-startdate", opensslDate(from), "-enddate", opensslDate(to), "-utf8", "-out", name+".pem"))
	}
	add(with("ca", "-config", cnf["inter"], "-revoke", "revoked.pem", "-crl_reason", "keyCompromise", "-cert", "inter.pem", "-keyfile", "inter.key"))
	add(with("ca", "-config", cnf["inter"], "-gencrl", "-cert", "inter.pem", "-keyfile", "inter.key", "-out", "inter.crl"))
	add(with("ca", "-config", cnf["root"], "-gencrl", "-cert", "root.pem", "-keyfile", "root.key", "-out", "root.crl"))
	for _, args := range steps {
		if err := p.run(args...); err != nil {
			return err
		}
	}
	for f, into := range map[string]*[]byte{"root.pem": &p.rootPEM, "inter.pem": &p.interPEM, "evilca.pem": &p.evilPEM,
		"inter.crl": &p.interCRL, "root.crl": &p.rootCRL} {
		b, err := os.ReadFile(p.path(f))
		if err != nil {
			return err
		}
		// openssl ca writes the text form before the PEM: keep the PEM.
		if i := bytes.Index(b, []byte("-----BEGIN")); i > 0 {
			b = b[i:]
		}
		*into = b
	}
	return nil
}

// sign makes a detached DER CMS signature of content by signer, carrying
// the signer's CA certificate, as a citizen's software does.
func (p *pki) sign(t testing.TB, signer string, content []byte) []byte {
	t.Helper()
	p.mu.Lock()
	p.n++
	n := p.n
	p.mu.Unlock()
	in, out := p.path(fmt.Sprintf("content-%d.txt", n)), p.path(fmt.Sprintf("sig-%d.p7s", n))
	if err := os.WriteFile(in, content, 0o600); err != nil {
		t.Fatal(err)
	}
	ca := "inter.pem"
	if signer == "evil" {
		ca = "evilca.pem"
	}
	args := append(append([]string{"cms"}, p.engine...), "-sign", "-binary", "-md", p.md, "-in", in, "-signer", signer+".pem",
		"-inkey", signer+".key", "-certfile", ca, "-outform", "DER", "-out", out)
	if err := p.run(args...); err != nil {
		t.Fatal(err)
	}
	sig, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// der is a PEM certificate's DER.
func der(t testing.TB, pemData []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(pemData)
	if b == nil {
		t.Fatal("no PEM block")
	}
	return b.Bytes
}
