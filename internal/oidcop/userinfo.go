package oidcop

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// Userinfo is what a site asks most: the same token, again and again, for
// the same answer. Each node keeps a token's answer for Deps.CacheTTL (the
// time it trusts its memory of a session, 2 s by default), never past the
// token's expiry, and drops every answer when it revokes a grant (sso's
// Revocations, counted once each commits); a revocation on another node is
// seen within the TTL — the bound the session cache keeps too. A repeat
// within the TTL is the answer already recorded in «Кто смотрел мои
// данные»: the ledger has one record per token per TTL, not per call
// (decision 21). Only a token in the Authorization header of a request
// without an Origin is answered from memory: a browser's cross-origin call
// goes through the library for its CORS headers.

// maxUserinfoAnswers bounds the cache; a full cache starts afresh.
const maxUserinfoAnswers = 20_000

type userinfoAnswer struct {
	body  []byte
	until time.Time
	gen   uint64 // sso's Revocations before the token was read
}

type answerCache struct {
	mu sync.Mutex
	m  map[string]userinfoAnswer
}

func (c *answerCache) get(token string, now time.Time, gen uint64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.m[token]
	if !ok || a.gen != gen || !now.Before(a.until) {
		return nil, false
	}
	return a.body, true
}

func (c *answerCache) put(token string, a userinfoAnswer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxUserinfoAnswers {
		c.m = make(map[string]userinfoAnswer)
	}
	c.m[token] = a
}

// tokenLife carries, from storage back to the cache, when the token read
// expires; zero when it was refused.
type tokenLife struct{ expires time.Time }

type tokenLifeKey struct{}

// recorder passes an answer through and keeps a copy of a 200's body.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.status == http.StatusOK {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}

// userinfo answers from memory when it can, and remembers what the
// library answered otherwise.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request, next http.Handler) {
	token, ok := bearer(r)
	ttl := p.st.d.CacheTTL
	if !ok || ttl <= 0 || r.Header.Get("Origin") != "" {
		next.ServeHTTP(w, r)
		return
	}
	now := p.st.d.SSO.Now()
	// Read the count before the token: a revocation committed after this
	// point moves it, and the answer stored below is never used.
	gen := p.st.d.SSO.Revocations()
	if body, ok := p.answers.get(token, now, gen); ok {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		return
	}
	life := &tokenLife{}
	rec := &recorder{ResponseWriter: w}
	next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), tokenLifeKey{}, life)))
	if rec.status != http.StatusOK || life.expires.IsZero() {
		return
	}
	until := now.Add(ttl)
	if life.expires.Before(until) {
		until = life.expires
	}
	p.answers.put(token, userinfoAnswer{body: bytes.Clone(rec.body.Bytes()), until: until, gen: gen})
}

// bearer is the request's bearer token from its Authorization header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}

// SetUserinfoFromToken answers userinfo: the subject and the citizen's
// verified data for the token's scopes (Deps.Claims), for a live token.
func (s *storage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, _, _ string) error {
	at, g, err := s.d.SSO.Access(ctx, tokenID)
	if err != nil {
		return oauthError(err)
	}
	ui.Subject = g.Subject
	if s.d.Claims != nil {
		claims, _, err := s.d.Claims.Claims(ctx, g.AccountID, g.ClientID, at.Scopes)
		if err != nil {
			return err
		}
		for k, v := range claims {
			ui.AppendClaims(k, v)
		}
	}
	if life, ok := ctx.Value(tokenLifeKey{}).(*tokenLife); ok {
		life.expires = at.ExpiresAt
	}
	return nil
}
