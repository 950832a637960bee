package crlhttp

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/esign"
)

// issuer returns a CA certificate for naming in errors.
func issuer(t *testing.T) *esign.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Тестовый УЦ"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<32, 0), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := esign.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFetcher(t *testing.T) {
	crl := bytes.Repeat([]byte{0x30}, 1000)
	hang := make(chan struct{})
	defer close(hang)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ca.crl":
			w.Write(crl)
		case "/big.crl":
			w.Write(bytes.Repeat([]byte{0x30}, 3000))
		case "/hang.crl":
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ca := issuer(t)
	f := &Fetcher{Timeout: 200 * time.Millisecond, MaxSize: 2000}
	cases := []struct {
		name string
		dps  []string
		ok   bool
	}{
		{"served", []string{srv.URL + "/ca.crl"}, true},
		{"first point down, second served", []string{srv.URL + "/missing.crl", srv.URL + "/ca.crl"}, true},
		{"LDAP point skipped", []string{"ldap://ldap.example/cn=CA?certificateRevocationList", srv.URL + "/ca.crl"}, true},
		{"not found", []string{srv.URL + "/missing.crl"}, false},
		{"larger than the cap", []string{srv.URL + "/big.crl"}, false},
		{"no answer within the timeout", []string{srv.URL + "/hang.crl"}, false},
		{"connection refused", []string{"http://127.0.0.1:1/ca.crl"}, false},
		{"file URL", []string{"file:///etc/passwd"}, false},
		{"no distribution point", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := f.CRL(context.Background(), ca, c.dps)
			if c.ok {
				if err != nil || !bytes.Equal(data, crl) {
					t.Fatalf("CRL = %d bytes, %v; want the served CRL", len(data), err)
				}
				return
			}
			var e *esign.Error
			if !errors.As(err, &e) || e.Reason != esign.CRLUnavailable {
				t.Fatalf("CRL = %d bytes, %v; want reason %s", len(data), err, esign.CRLUnavailable)
			}
			if !strings.Contains(e.Error(), "Тестовый УЦ") {
				t.Errorf("error %q does not name the CA", e)
			}
		})
	}
}
