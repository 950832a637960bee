package bench

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/loadgen"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
)

// The OpenID provider's phases (issue 15 §5): the token endpoint
// exchanging authorization codes, and userinfo, each against the bare
// handler of the same run.
//
// The bench registers a site of its own, "kabinet-bench" (client_secret_basic,
// the scopes fullname, email and mobile), and its accounts get verified
// personal data first (as for signin-snils), so that userinfo releases
// data — the registries' verified_claims and the phone — and records each
// release in «Кто смотрел мои данные», as it does for a real site.
//
// Codes are minted through the real flow over HTTP, as a citizen's browser
// and a site get them: GET the authorization endpoint with PKCE (S256), the
// account's session as the browser's cookie; kabinet's /oidc/login
// completes the request (the consent was given once, in setup) and
// redirects to the site's callback with the code. Two requests a code, each
// through the web layer, the protocol library and sso (Begin, Complete,
// SaveCode) exactly as in production. In-process minting (sso.Service
// straight on the store) would be faster, but it would skip what the
// server checks on the way, and the app does not expose its sso.Service.
// Over HTTP the 2-core machine mints 400–1 300 codes a second — more than
// the endpoint exchanges, since minting signs nothing — which is enough:
// each round's codes are minted just before it, outside the measured
// window and its CPU profile, sized from the rate the phase reached so
// far (beforeTokenRound). A code lives 60 s (sso.CodeLifetime), so a
// round's pool is minted in at most oidcMintBudget and used within
// oidcUseBudget.

const (
	oidcClientID = "kabinet-bench"
	// oidcCallback is the bench site's redirect URI. Nothing listens
	// there: the bench reads the code from kabinet's redirect to it.
	oidcCallback = "http://127.0.0.1:9/bench/callback"
	oidcScope    = "openid fullname email mobile"
	// oidcCookie is kabinet's session cookie on an http base URL (web's
	// cookieSession; "__Host-" is prefixed only over https). The session
	// token an account's registration returned is the one a browser would
	// hold in it.
	oidcCookie = "kabinet_session"
	// oidcMintBudget bounds the minting of one round's codes, and
	// oidcUseBudget the warm-up and round that use them: the last code of
	// a pool is exchanged well within its 60 s.
	oidcMintBudget = 30 * time.Second
	oidcUseBudget  = 25 * time.Second
	// oidcSetupBudget bounds each of setup's mintings (a code per
	// account).
	oidcSetupBudget = 5 * time.Minute
	// oidcMargin is how many times the codes its window should use, at
	// the rate measured so far, a round gets.
	oidcMargin = 2.0
)

// oidcBench is what the provider's phases share.
type oidcBench struct {
	base        string // kabinet's base URL, for kabinet's relative redirects
	authorize   string // the endpoints, from discovery
	token       string
	userinfo    string
	basic       string // the token endpoint's Authorization header (client_secret_basic)
	siteAddr    string // the site's server's address (X-Forwarded-For)
	hc          *http.Client
	concurrency int

	// rate is the token phase's expected exchanges a second, from the
	// calibration in setup and then each round: it sizes the next pool.
	// measured: a round has run (the calibration, short and on a cold
	// server, falls short: the first pool gets twice the margin).
	rate     float64
	measured bool
	pool     *oidcPool

	// access are the userinfo phase's tokens, one per account, minted at
	// accessAt: re-minted before a round once half their life is gone.
	access   []string
	accessAt time.Time
}

// oidcCode is a fresh authorization code with its PKCE verifier.
type oidcCode struct{ code, verifier string }

// oidcPool is a round's codes, handed out oldest first.
type oidcPool struct {
	codes []oidcCode
	next  atomic.Int64
}

func (p *oidcPool) take() (oidcCode, bool) {
	i := p.next.Add(1) - 1
	if i >= int64(len(p.codes)) {
		return oidcCode{}, false
	}
	return p.codes[i], true
}

// setupOIDC registers the bench's site, reads the provider's endpoints from
// discovery, gives each account's consent and, for the token phase,
// measures the code exchange briefly (to size the first round's codes);
// for the userinfo phase, it mints an access token per account. The
// accounts must have verified data already (prepareSNILSLogins).
func (b *benchRun) setupOIDC(ctx context.Context) error {
	var disco struct {
		Issuer    string `json:"issuer"`
		Authorize string `json:"authorization_endpoint"`
		Token     string `json:"token_endpoint"`
		Userinfo  string `json:"userinfo_endpoint"`
	}
	if err := do(ctx, b.hc, request{method: "GET", url: b.env.baseURL + "/oidc/.well-known/openid-configuration", route: "/oidc/.well-known/openid-configuration",
		want: http.StatusOK}, &disco); err != nil {
		return fmt.Errorf("bench: setup: %w", err)
	}
	if disco.Issuer != b.env.baseURL+"/oidc" || disco.Authorize == "" || disco.Token == "" || disco.Userinfo == "" {
		return fmt.Errorf("bench: setup: an unexpected discovery document: %+v", disco)
	}
	reg := relyingparty.New(relyingparty.Deps{Store: b.env.app.Store.RelyingParties(), Now: time.Now})
	c, secret, err := reg.Bootstrap(ctx, relyingparty.Client{ID: oidcClientID,
		Name:       relyingparty.Text{RU: "Нагрузочный тест kabinet", EN: "kabinet's benchmark"},
		Purpose:    relyingparty.Text{RU: "Измерить пропускную способность входа через kabinet", EN: "To measure single sign-on's throughput"},
		PrivacyURL: "http://127.0.0.1:9/privacy", RedirectURIs: []string{oidcCallback},
		Scopes: strings.Fields(oidcScope), MaxLevel: account.Standard, AuthMethod: relyingparty.SecretBasic})
	if err != nil {
		return fmt.Errorf("bench: registering the bench's site: %w", err)
	}
	o := &oidcBench{base: b.env.baseURL, authorize: disco.Authorize, token: disco.Token, userinfo: disco.Userinfo, siteAddr: b.addrs.next(),
		basic:       "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(c.ID)+":"+url.QueryEscape(secret))),
		concurrency: b.o.concurrency,
		hc:          &http.Client{Transport: b.hc.Transport, Timeout: benchRequestTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	b.oidc = o
	fmt.Fprintf(b.stderr, "bench: OpenID provider at %s: token endpoint %s, userinfo %s\n", disco.Issuer, disco.Token, disco.Userinfo)

	// Each account's first request asks its consent; give it.
	t := time.Now()
	codes, err := o.mint(ctx, b, len(b.accounts), true, oidcSetupBudget)
	if err != nil {
		return err
	}
	if len(codes) < len(b.accounts) {
		return fmt.Errorf("bench: setup: consent given for %d of %d accounts within %s", len(codes), len(b.accounts), oidcSetupBudget)
	}
	fmt.Fprintf(b.stderr, "bench: %d accounts consented to the bench's site in %.1fs\n", len(codes), time.Since(t).Seconds())
	if slices.Contains(b.o.phases, "oidc-token") {
		if err := o.calibrate(ctx, b); err != nil {
			return err
		}
	}
	if slices.Contains(b.o.phases, "oidc-userinfo") {
		return o.mintAccess(ctx, b)
	}
	return nil
}

// calibrate exchanges a few hundred codes, unmeasured, for the first
// round's pool size.
func (o *oidcBench) calibrate(ctx context.Context, b *benchRun) error {
	codes, err := o.mint(ctx, b, max(200, 40*o.concurrency), false, oidcMintBudget)
	if err != nil {
		return err
	}
	p := &oidcPool{codes: codes}
	res, err := loadgen.Run(ctx, loadgen.Config{Concurrency: o.concurrency, Duration: oidcUseBudget, MaxOps: int64(len(codes)), MaxErrors: 1}, o.exchangeOp(p))
	if err != nil {
		return err
	}
	if res.Errors > 0 {
		return fmt.Errorf("bench: setup: exchanging a code: %s", res.Kinds[0].Error)
	}
	o.rate = res.Rate()
	fmt.Fprintf(b.stderr, "bench: calibration: %d codes exchanged at %.0f/s\n", res.Ops, o.rate)
	return nil
}

// mintAccess gives every account an access token (openid fullname email
// mobile) for the userinfo phase.
func (o *oidcBench) mintAccess(ctx context.Context, b *benchRun) error {
	codes, err := o.mint(ctx, b, len(b.accounts), false, oidcSetupBudget)
	if err != nil {
		return err
	}
	if len(codes) < len(b.accounts) {
		return fmt.Errorf("bench: minted %d of %d codes for userinfo's tokens within %s", len(codes), len(b.accounts), oidcSetupBudget)
	}
	access := make([]string, len(codes))
	res, err := loadgen.Run(ctx, loadgen.Config{Concurrency: min(o.concurrency, len(codes)), Duration: oidcSetupBudget, MaxOps: int64(len(codes)), MaxErrors: 1},
		func(ctx context.Context, w *loadgen.Worker) error {
			var err error
			access[w.Global], err = o.exchange(ctx, codes[w.Global])
			return err
		})
	if err != nil {
		return err
	}
	if res.Errors > 0 {
		return fmt.Errorf("bench: setup: userinfo's tokens: %s", res.Kinds[0].Error)
	}
	if res.Canceled {
		return fmt.Errorf("bench: setup: userinfo's tokens: %w", ctx.Err())
	}
	o.access, o.accessAt = access, time.Now()
	return nil
}

// mint gets n codes through the real flow, the accounts in turn, with
// -concurrency workers, in at most budget (fewer when that runs out); in
// the order they were minted. consent: the accounts' first requests,
// which stop at the consent page (allowed).
func (o *oidcBench) mint(ctx context.Context, b *benchRun, n int, consent bool, budget time.Duration) ([]oidcCode, error) {
	var mu sync.Mutex
	codes := make([]oidcCode, 0, n)
	res, err := loadgen.Run(ctx, loadgen.Config{Concurrency: min(o.concurrency, n), Duration: budget, MaxOps: int64(n), MaxErrors: 1},
		func(ctx context.Context, w *loadgen.Worker) error {
			c, err := o.code(ctx, &b.accounts[w.Global%int64(len(b.accounts))], consent)
			if err == nil {
				mu.Lock()
				codes = append(codes, c)
				mu.Unlock()
			}
			return err
		})
	if err != nil {
		return nil, err
	}
	if res.Errors > 0 {
		return nil, fmt.Errorf("bench: minting a code: %s", res.Kinds[0].Error)
	}
	if res.Canceled {
		return nil, fmt.Errorf("bench: minting codes: %w", ctx.Err())
	}
	return codes, nil
}

// code runs one authorization request for the account, as its browser
// would: the authorization endpoint, kabinet's /oidc/login (and, when
// consent is expected, the consent form's "allow"), to the site's
// callback.
func (o *oidcBench) code(ctx context.Context, a *benchAccount, consent bool) (oidcCode, error) {
	verifier := randomVerifier()
	sum := sha256.Sum256([]byte(verifier))
	state := randomHex(8)
	q := url.Values{"response_type": {"code"}, "client_id": {oidcClientID}, "redirect_uri": {oidcCallback}, "scope": {oidcScope},
		"state": {state}, "nonce": {randomHex(8)}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	status, loc, err := o.browse(ctx, a, "GET", o.authorize+"?"+q.Encode(), "GET /oidc/authorize", nil)
	for hop := 0; err == nil; hop++ {
		switch {
		case hop > 4:
			return oidcCode{}, errors.New("GET /oidc/login: too many redirects")
		case strings.HasPrefix(loc, oidcCallback):
			cb, err := url.Parse(loc)
			if err != nil {
				return oidcCode{}, err
			}
			r := cb.Query()
			if r.Get("code") == "" || r.Get("state") != state {
				return oidcCode{}, fmt.Errorf("the site's callback: error %q (%s), state %t", r.Get("error"), r.Get("error_description"), r.Get("state") == state)
			}
			return oidcCode{code: r.Get("code"), verifier: verifier}, nil
		case status == http.StatusOK && consent && strings.HasPrefix(loc, "/oidc/login?"):
			// The consent page (loc is the page's own address here).
			u, _ := url.Parse(loc)
			form := url.Values{"id": {u.Query().Get("id")}, "decision": {"allow"}}
			status, loc, err = o.browse(ctx, a, "POST", o.base+"/oidc/login", "POST /oidc/login", form)
		case status == http.StatusOK:
			return oidcCode{}, fmt.Errorf("%s: a page instead of the site's callback (consent asked again?)", loc)
		case strings.HasPrefix(loc, "/signin"):
			return oidcCode{}, errors.New("GET /oidc/login: sent to sign in: the session cookie was not taken")
		case strings.HasPrefix(loc, "/oidc/login?"):
			status, loc, err = o.browse(ctx, a, "GET", o.base+loc, "GET /oidc/login", nil)
		default:
			return oidcCode{}, fmt.Errorf("sent to %q, not to kabinet's page or the site", loc)
		}
	}
	return oidcCode{}, err
}

// browse sends a request as the account's browser (its session cookie,
// its address) and returns the status and, for a redirect, where to; for
// a page, the address asked; kabinet's own addresses without its base
// URL. The body is read and dropped.
func (o *oidcBench) browse(ctx context.Context, a *benchAccount, method, u, route string, form url.Values) (int, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: oidcCookie, Value: a.token})
	req.Header.Set("X-Forwarded-For", a.addr)
	resp, err := o.hc.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", route, unwrapURLError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	switch resp.StatusCode {
	case http.StatusFound, http.StatusSeeOther:
		return resp.StatusCode, strings.TrimPrefix(resp.Header.Get("Location"), o.base), nil
	case http.StatusOK:
		return resp.StatusCode, strings.TrimPrefix(u, o.base), nil
	}
	return 0, "", &statusError{method: method, route: route, status: resp.StatusCode, want: http.StatusFound}
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err // without the URL, which holds codes
	}
	return err
}

// randomVerifier is a PKCE code verifier: 64 hex digits (RFC 7636 wants
// 43 to 128 unreserved characters), 256 random bits.
func randomVerifier() string { return randomHex(32) }

// exchange posts one code to the token endpoint as the site's server
// does (client_secret_basic, the PKCE verifier) and returns the access
// token; an answer without an access token and an ID token is an error.
func (o *oidcBench) exchange(ctx context.Context, c oidcCode) (string, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {c.code}, "redirect_uri": {oidcCallback}, "code_verifier": {c.verifier}}
	req, err := http.NewRequestWithContext(ctx, "POST", o.token, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", o.basic)
	req.Header.Set("X-Forwarded-For", o.siteAddr)
	resp, err := o.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("POST /oidc/oauth/token: %w", unwrapURLError(err))
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok)
	_, _ = io.Copy(io.Discard, resp.Body)
	switch {
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("POST /oidc/oauth/token → %d (want 200) %s: %s", resp.StatusCode, tok.Error, tok.Description)
	case err != nil:
		return "", fmt.Errorf("POST /oidc/oauth/token: decoding the answer: %w", err)
	case tok.AccessToken == "" || tok.IDToken == "":
		return "", errors.New("POST /oidc/oauth/token: no access_token or id_token in the answer")
	}
	return tok.AccessToken, nil
}

// exchangeOp exchanges the pool's codes, one an operation.
func (o *oidcBench) exchangeOp(p *oidcPool) loadgen.Op {
	return func(ctx context.Context, w *loadgen.Worker) error {
		c, ok := p.take()
		if !ok {
			return errors.New("bench: the round's codes ran out") // MaxOps prevents it
		}
		_, err := o.exchange(ctx, c)
		return err
	}
}

// userinfoOp asks userinfo with the accounts' access tokens in turn, from
// the site's server, and wants a subject in the answer.
func (o *oidcBench) userinfoOp() loadgen.Op {
	return func(ctx context.Context, w *loadgen.Worker) error {
		var info struct {
			Sub string `json:"sub"`
		}
		err := do(ctx, o.hc, request{method: "GET", url: o.userinfo, route: "/oidc/userinfo", xff: o.siteAddr,
			bearer: o.access[w.Global%int64(len(o.access))], want: http.StatusOK}, &info)
		if err == nil && info.Sub == "" {
			err = errors.New("GET /oidc/userinfo: no sub in the answer")
		}
		return err
	}
}

// beforeTokenRound mints the round's codes: enough for the warm-up and the
// round at oidcMargin times the rate reached so far. A round longer than
// oidcUseBudget is cut to it (its codes would expire), and the round ends
// early, its rate still true, if its codes run out (loadgen's MaxOps).
func (o *oidcBench) beforeTokenRound(ctx context.Context, b *benchRun, p *benchPhase) error {
	window := p.cfg.Warmup + p.cfg.Duration
	margin := oidcMargin
	if !o.measured {
		margin *= 2
	}
	n := int(o.rate*margin*window.Seconds()) + 4*o.concurrency
	t := time.Now()
	codes, err := o.mint(ctx, b, n, false, oidcMintBudget)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.stderr, "bench: %d codes minted in %.1fs (unmeasured)\n", len(codes), time.Since(t).Seconds())
	o.pool = &oidcPool{codes: codes}
	p.cfg.MaxOps = int64(len(codes))
	p.op = o.exchangeOp(o.pool)
	return nil
}

// afterTokenRound takes the round's rate as the next pool's measure.
func (o *oidcBench) afterTokenRound(b *benchRun, res *loadgen.Result) {
	if res.Rate() > 0 {
		o.rate, o.measured = res.Rate(), true
	}
	if used := o.pool.next.Load(); used >= int64(len(o.pool.codes)) {
		fmt.Fprintf(b.stderr, "bench: oidc-token: the round used all its %d codes and ended after %.1fs of its window\n", len(o.pool.codes), res.Elapsed.Seconds())
		o.rate *= 1.5
	}
}

// beforeUserinfoRound mints the access tokens again once half their life
// (sso.AccessLifetime) is gone.
func (o *oidcBench) beforeUserinfoRound(ctx context.Context, b *benchRun) error {
	if time.Since(o.accessAt) < sso.AccessLifetime/2 {
		return nil
	}
	return o.mintAccess(ctx, b)
}
