package oidcop_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/oidcop"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
	"github.com/kabinet/kabinet/internal/store"
)

// The provider's two hot endpoints, in process against its handler over a
// SQLite store (`kabinet bench`'s oidc-token and oidc-userinfo phases
// measure them through the whole server):
//
//	go test ./internal/oidcop -run '^$' -bench . -benchtime 2s
//
// BenchmarkTokenExchange: one fresh code exchanged (client_secret_basic,
// PKCE) for an access token and an ID token signed with a production-size
// key (sso.KeyBits). The codes are minted outside the timer, through the
// authorization endpoint and Respond as kabinet's pages use them.
//
// BenchmarkUserinfo: one userinfo answer for a live token; "ledger"
// releases data (fullname, email, mobile) and records the release with
// sso.Service.Released, one audited transaction, as kabinet does for a
// token's first ask; "subject" releases the subject alone (no claims, no
// write); "cached" asks again within the cache's time (Deps.CacheTTL),
// answered from memory.

const benchCallback = "http://127.0.0.1:9/cb"

type benchRig struct {
	svc   *sso.Service
	p     *oidcop.Provider
	h     http.Handler
	basic string
}

func newBenchRig(b *testing.B, withClaims bool, cache time.Duration) *benchRig {
	b.Helper()
	ctx := context.Background()
	keys, err := pii.NewKeyring(bytes.Repeat([]byte{7}, 32), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(ctx, store.Options{SQLitePath: filepath.Join(b.TempDir(), "k.db")}, keys)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	reg := relyingparty.New(relyingparty.Deps{Store: st.RelyingParties(), Now: time.Now})
	c, secret, err := reg.Bootstrap(ctx, relyingparty.Client{ID: "school", Name: relyingparty.Text{RU: "Школа"}, Purpose: relyingparty.Text{RU: "Запись"},
		PrivacyURL: "https://school.example/privacy", RedirectURIs: []string{benchCallback}, Scopes: []string{"fullname", "email", "mobile"},
		MaxLevel: account.Standard})
	if err != nil {
		b.Fatal(err)
	}
	svc := sso.New(sso.Deps{Store: st.SSO(), Clients: st.RelyingParties(), Now: time.Now})
	n := 0
	signing := sso.NewKeys(st.SSO(), time.Now, func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, sso.KeyBits) },
		func() (string, error) { n++; return fmt.Sprintf("key%d", n), nil })
	d := oidcop.Deps{SSO: svc, Keys: signing, Issuer: "http://127.0.0.1:9/oidc", TokenKey: bytes.Repeat([]byte{9}, 32),
		LoginURL: func(id string) string { return "/login?id=" + url.QueryEscape(id) }, CacheTTL: cache}
	if withClaims {
		d.Claims = ledgerClaims{svc}
	}
	p, err := oidcop.New(d)
	if err != nil {
		b.Fatal(err)
	}
	return &benchRig{svc: svc, p: p, h: p.Handler(),
		basic: "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(secret)))}
}

// ledgerClaims releases a verified citizen's data and records it, as
// app's ssoClaims does (without reading the account and personal data).
type ledgerClaims struct{ svc *sso.Service }

func (c ledgerClaims) Claims(ctx context.Context, accountID, clientID string, scopes []string) (map[string]any, []string, error) {
	claims, released := sso.Release(scopes, sso.Person{Level: account.Standard, Phone: "+79161234567", Email: "anna@example.org",
		Data:           &profile.Data{Identity: person.Identity{Surname: "Иванова", Name: "Анна", BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)}},
		DataVerifiedAt: time.Now()})
	return claims, released, c.svc.Released(ctx, accountID, clientID, released)
}

// codes mints n codes with their verifiers: the authorization endpoint
// (the library's checks and sso.Begin), sso.Complete for the citizen, and
// Respond, whose redirect carries the code.
func (r *benchRig) codes(b *testing.B, n int) (codes, verifiers []string) {
	b.Helper()
	ctx := context.Background()
	for range n {
		verifier := rand.Text() + rand.Text() // 52 characters, 260 bits
		sum := sha256.Sum256([]byte(verifier))
		q := url.Values{"response_type": {"code"}, "client_id": {"school"}, "redirect_uri": {benchCallback}, "scope": {"openid fullname email mobile"},
			"state": {"st"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
		w := httptest.NewRecorder()
		r.h.ServeHTTP(w, httptest.NewRequest("GET", "/authorize?"+q.Encode(), nil))
		loc, err := url.Parse(w.Header().Get("Location"))
		if err != nil || loc.Path != "/login" {
			b.Fatalf("authorize: %d %q", w.Code, w.Header().Get("Location"))
		}
		req, err := r.svc.Complete(ctx, loc.Query().Get("id"), sso.Citizen{AccountID: "acc1", SessionID: "ses1", AuthTime: time.Now(), AMR: []string{"pwd"},
			Level: account.Standard})
		if err != nil {
			b.Fatal(err)
		}
		w = httptest.NewRecorder()
		r.p.Respond(w, httptest.NewRequest("GET", "/login", nil), req)
		cb, err := url.Parse(w.Header().Get("Location"))
		if err != nil || cb.Query().Get("code") == "" {
			b.Fatalf("respond: %d %q", w.Code, w.Header().Get("Location"))
		}
		codes, verifiers = append(codes, cb.Query().Get("code")), append(verifiers, verifier)
	}
	return codes, verifiers
}

// exchange posts a code to the token endpoint and returns the access token.
func (r *benchRig) exchange(b *testing.B, code, verifier string) string {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {benchCallback}, "code_verifier": {verifier}}
	req := httptest.NewRequest("POST", "/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", r.basic)
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &tok); w.Code != http.StatusOK || err != nil || tok.AccessToken == "" || tok.IDToken == "" {
		b.Fatalf("token: %d %s", w.Code, w.Body.String())
	}
	return tok.AccessToken
}

func BenchmarkTokenExchange(b *testing.B) {
	r := newBenchRig(b, false, 0)
	codes, verifiers := r.codes(b, 1)
	r.exchange(b, codes[0], verifiers[0]) // the signing key made
	const batch = 256                     // codes minted at a time: a code lives 60 s
	b.ResetTimer()
	for i := range b.N {
		if i%batch == 0 {
			b.StopTimer()
			codes, verifiers = r.codes(b, min(batch, b.N-i))
			b.StartTimer()
		}
		r.exchange(b, codes[i%batch], verifiers[i%batch])
	}
}

func BenchmarkUserinfo(b *testing.B) {
	for _, tc := range []struct {
		name   string
		claims bool
		cache  time.Duration
	}{{"ledger", true, 0}, {"subject", false, 0}, {"cached", true, time.Hour}} {
		b.Run(tc.name, func(b *testing.B) {
			r := newBenchRig(b, tc.claims, tc.cache)
			codes, verifiers := r.codes(b, 1)
			access := r.exchange(b, codes[0], verifiers[0])
			b.ResetTimer()
			for range b.N {
				req := httptest.NewRequest("GET", "/userinfo", nil)
				req.Header.Set("Authorization", "Bearer "+access)
				w := httptest.NewRecorder()
				r.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte(`"sub":"`)) {
					b.Fatalf("userinfo: %d %s", w.Code, w.Body.String())
				}
			}
		})
	}
}
