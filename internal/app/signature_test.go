package app_test

import (
	"bytes"
	"encoding/base64"
	"encoding/pem"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/testenv"
)

// qesFile is a file of the demo PKI.
func qesFile(name string) string { return filepath.Join("..", "demo", "qes", name) }

// opensslSign makes a detached CMS signature of content with a demo
// certificate, as the citizen's own software would: openssl cms, with the
// GOST engine for a GOST key.
func opensslSign(t *testing.T, content []byte, cert, key string, gost bool) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "statement.txt"), filepath.Join(dir, "statement.p7s")
	if err := os.WriteFile(in, content, 0o600); err != nil {
		t.Fatal(err)
	}
	bin := testenv.OpenSSL(t)
	args := []string{"cms", "-sign", "-binary", "-in", in, "-signer", qesFile(cert), "-inkey", qesFile(key), "-outform", "DER", "-out", out}
	if gost {
		bin = testenv.OpenSSLGost(t)
		args = append([]string{"cms", "-engine", "gost", "-md", "md_gost12_256"}, args[1:]...)
	}
	if msg, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("openssl %v: %v %s", args, err, msg)
	}
	sig, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// TestSignatureJourney: the standard demo citizen downloads the
// statement (the same bytes twice), signs another file first — refused
// with the reason, audited — then the statement with her demo GOST
// certificate, and is confirmed by signature; the demo CA was trusted at
// start, with its CRL uploaded, and the administrator sees both.
func TestSignatureJourney(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	tok := h.citizenToken(demo.StandardPhone)

	r := h.api("GET", "/api/v1/me/confirmation/statement", tok, nil)
	if r.Status != 200 || !strings.Contains(r.str("text"), "Петрова Светлана Андреевна, СНИЛС 157-482-936 07") {
		t.Fatalf("statement: %d %s", r.Status, r.Raw)
	}
	content, err := base64.StdEncoding.DecodeString(r.str("content"))
	if err != nil || string(content) != r.str("text") || !strings.Contains(string(content), r.str("nonce")) {
		t.Fatalf("statement content: %v %s", err, r.Raw)
	}
	if again := h.api("GET", "/api/v1/me/confirmation/statement", tok, nil); again.str("content") != r.str("content") {
		t.Fatal("the statement changed between two downloads")
	}

	// Another document signed: refused, with what to do, and audited.
	wrong := opensslSign(t, append([]byte("изменено\n"), content...), "petrova-ecdsa.pem", "petrova-ecdsa.key", false)
	rejected := h.auditCount("signature.rejected")
	r = h.api("POST", "/api/v1/me/confirmation/signature", tok, map[string]string{"signature": base64.StdEncoding.EncodeToString(wrong)})
	if r.Status != 422 || r.fieldCode("signature") != "signature.reason.content_mismatch" && r.str("code") != "signature.reason.content_mismatch" {
		t.Fatalf("another document signed: %d %s", r.Status, r.Raw)
	}
	if h.auditCount("signature.rejected") != rejected+1 {
		t.Fatal("the refusal was not audited")
	}
	if r := h.api("POST", "/api/v1/me/confirmation/signature", tok, map[string]string{"signature": "not a signature"}); r.Status != 422 {
		t.Fatalf("garbage: %d %s", r.Status, r.Raw)
	}

	sig := opensslSign(t, content, "petrova-gost.pem", "petrova-gost.key", true)
	r = h.api("POST", "/api/v1/me/confirmation/signature", tok, map[string]string{"signature": base64.StdEncoding.EncodeToString(sig)})
	cert, _ := r.Body["certificate"].(map[string]any)
	if r.Status != 200 || r.str("level") != "confirmed" || cert["algorithm"] != "gost2012-256" || cert["issuer"] != "Демонстрационный УЦ kabinet" {
		t.Fatalf("the statement signed: %d %s", r.Status, r.Raw)
	}
	if c := h.api("GET", "/api/v1/me/confirmation", tok, nil); c.Body["confirmation"].(map[string]any)["method"] != "signature" {
		t.Fatalf("the confirmation: %s", c.Raw)
	}
	if tpl, _ := h.lastMessage(demo.StandardPhone); tpl != "confirmed_by_signature" {
		t.Fatalf("the citizen was told %q", tpl)
	}

	admin := h.staffToken("admin")
	if r := h.api("GET", "/api/v1/staff/trust/cas", admin, nil); r.Status != 200 || !strings.Contains(r.Raw, "Демонстрационный УЦ kabinet") {
		t.Fatalf("trusted CAs: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/staff/trust/crls", admin, nil); r.Status != 200 || !strings.Contains(r.Raw, "Демонстрационный УЦ kabinet") {
		t.Fatalf("CRLs: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/trust/cas", admin, map[string]string{"certificate": string(demo.SignatureCA)}); r.Status != 409 || r.str("code") != "trust.ca_duplicate" {
		t.Fatalf("the demo CA again: %d %s", r.Status, r.Raw)
	}
	// The same as DER in base64, as a .cer file holds it.
	block, _ := pem.Decode(demo.SignatureCA)
	if r := h.api("POST", "/api/v1/staff/trust/cas", admin, map[string]string{"certificate": base64.StdEncoding.EncodeToString(block.Bytes)}); r.Status != 409 || r.str("code") != "trust.ca_duplicate" {
		t.Fatalf("the demo CA again, in base64: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/trust/cas", admin, map[string]string{"certificate": "not a certificate"}); r.Status != 422 || r.fieldCode("certificate") != "trust.ca_unreadable" {
		t.Fatalf("garbage as a CA: %d %s", r.Status, r.Raw)
	}
}

// TestSignaturePages: the same on the pages, without JavaScript: the
// statement downloads as a file; an upload of the wrong file says why next
// to the field; the ECDSA demo certificate's signature, uploaded as a
// file, confirms. The administrator's trust page lists the demo CA and
// refuses a leaf certificate as a CA on its field.
func TestSignaturePages(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	citizen := h.browser()
	citizen.post("/signin", url.Values{"login": {demo.StandardPhone}, "password": {demo.Password}})
	res, body := citizen.get("/account/confirmation")
	if p := parse(t, body); res.StatusCode != 200 || !p.has("signature-form") || attr(p.byID("statement-download"), "href") != "/account/confirmation/statement" {
		t.Fatalf("the confirmation page: %d %s", res.StatusCode, body)
	}
	res, statement := citizen.get("/account/confirmation/statement")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(statement, "ЗАЯВЛЕНИЕ") {
		t.Fatalf("the statement: %d %v %.80q", res.StatusCode, res.Header, statement)
	}
	res, body = citizen.upload("/account/confirmation/signature", "signature", "statement.p7s", []byte("garbage"))
	if p := parse(t, body); res.StatusCode != 422 || !strings.Contains(text(p.byID("f-signature-error")), "не похож на электронную подпись") {
		t.Fatalf("garbage uploaded: %d %s", res.StatusCode, body)
	}
	sig := opensslSign(t, []byte(statement), "petrova-ecdsa.pem", "petrova-ecdsa.key", false)
	if res, _ := citizen.upload("/account/confirmation/signature", "signature", "statement.p7s", sig); res.StatusCode != 303 ||
		res.Header.Get("Location") != "/account?confirmed=signature" {
		t.Fatalf("the signature: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = citizen.get("/account")
	if p := parse(t, body); !strings.Contains(text(p.byID("account-confirmation")), "электронной подписью") {
		t.Fatalf("the account page: %d %s", res.StatusCode, body)
	}

	admin := h.staffBrowser("admin")
	res, body = admin.get("/staff/trust")
	if p := parse(t, body); res.StatusCode != 200 || len(p.find(func(n *html.Node) bool { return hasAttr(n, "data-ca") })) != 1 {
		t.Fatalf("the trust page: %d %s", res.StatusCode, body)
	}
	leaf, err := os.ReadFile(qesFile("petrova-ecdsa.pem"))
	if err != nil {
		t.Fatal(err)
	}
	res, body = admin.upload("/staff/trust/cas", "certificate", "leaf.pem", leaf)
	if p := parse(t, body); res.StatusCode != 422 || !p.has("f-certificate-error") {
		t.Fatalf("a leaf as a CA: %d %s", res.StatusCode, body)
	}
}

// upload posts a multipart form with one file, as a browser's file input
// does.
func (b *browser) upload(path, field, name string, content []byte) (*http.Response, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	f, _ := w.CreateFormFile(field, name)
	_, _ = f.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest("POST", b.h.srv.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}
