package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/sso"
	"github.com/kabinet/kabinet/internal/store"
)

// TestSSO: single sign-on's storage on both engines, through its rules —
// a request kept and completed (one subject per sector, kept), its code
// exchanged once (a second use revokes the grant and its tokens), a
// refresh token rotated once (a replay revokes), consents kept; and of
// two exchanges of one code at once, exactly one wins.
func TestSSO(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := t0
		for _, c := range []relyingparty.Client{
			{ID: "school", Sector: "edu.kaluga.ru", SubjectType: relyingparty.Pairwise, MaxLevel: account.Confirmed,
				Scopes: []string{"openid", "offline_access", "fullname"}, AuthMethod: relyingparty.SecretBasic, CreatedAt: t0, UpdatedAt: t0},
			{ID: "kinder", Sector: "edu.kaluga.ru", SubjectType: relyingparty.Pairwise, MaxLevel: account.Confirmed,
				Scopes: []string{"openid"}, AuthMethod: relyingparty.SecretBasic, CreatedAt: t0, UpdatedAt: t0},
		} {
			if err := s.RelyingParties().CreateClient(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		svc := sso.New(sso.Deps{Store: s.SSO(), Clients: s.RelyingParties(), Now: func() time.Time { return now }})
		who := sso.Citizen{AccountID: "acc1", SessionID: "ses1", AuthTime: t0, AMR: []string{"pwd", "sms"}, Level: account.Standard}
		signIn := func(client string, scopes ...string) *sso.Request {
			t.Helper()
			r, err := svc.Begin(ctx, sso.Request{ClientID: client, RedirectURI: "https://x/cb", Scopes: append([]string{"openid"}, scopes...),
				State: "s", Nonce: "n", CodeChallenge: "c", ACRValues: []string{sso.ACR(account.Standard)}}, "S256")
			if err != nil {
				t.Fatal(err)
			}
			if need, err := svc.NeedsConsent(ctx, "acc1", r); err != nil || need != (len(scopes) > 0) {
				t.Fatalf("consent needed: %v %v", need, err)
			}
			if r, err = svc.Complete(ctx, r.ID, who); err != nil {
				t.Fatal(err)
			}
			return r
		}
		a, b := signIn("school", "fullname", "offline_access"), signIn("kinder")
		if a.Subject == "" || a.Subject != b.Subject || a.Subject == "acc1" {
			t.Errorf("subjects %q %q", a.Subject, b.Subject)
		}
		if again := signIn("school"); again.Subject != a.Subject {
			t.Errorf("a second sign-in, another subject: %q", again.Subject)
		}
		if r, err := svc.Request(ctx, a.ID); err != nil || !r.Done || r.Level != account.Standard || !slices.Equal(r.AMR, who.AMR) || !r.AuthTime.Equal(t0) {
			t.Fatalf("the request read back: %+v %v", r, err)
		}
		if need, err := svc.NeedsConsent(ctx, "acc1", &sso.Request{ClientID: "school", Scopes: []string{"openid", "fullname"}}); err != nil || need {
			t.Errorf("the consent was not kept: %v %v", need, err)
		}

		if err := svc.SaveCode(ctx, a.ID, "code-a"); err != nil {
			t.Fatal(err)
		}
		if err := svc.SaveCode(ctx, a.ID, "code-a2"); err == nil {
			t.Error("a second code for one request")
		}
		r, err := svc.ByCode(ctx, "code-a")
		if err != nil || r.ID != a.ID {
			t.Fatalf("exchanged: %v", err)
		}
		at, refresh, err := svc.Tokens(ctx, r.GrantID, r.Granted)
		if err != nil || refresh == "" {
			t.Fatalf("tokens: %q %v", refresh, err)
		}
		rt, g, err := svc.Refreshing(ctx, refresh)
		if err != nil || g.ID != r.GrantID || g.Subject != a.Subject || g.Level != account.Standard || !slices.Equal(g.Scopes, r.Granted) {
			t.Fatalf("refreshing: %+v %v", g, err)
		}
		at2, refresh2, err := svc.Rotate(ctx, rt, r.Granted)
		if err != nil || refresh2 == "" {
			t.Fatalf("rotated: %v", err)
		}
		if _, _, err := svc.Access(ctx, at2.ID); err != nil {
			t.Fatalf("the new access token: %v", err)
		}
		if _, _, err := svc.Refreshing(ctx, refresh); err == nil {
			t.Fatal("a rotated refresh token accepted again")
		}
		for _, id := range []string{at.ID, at2.ID} {
			if _, _, err := svc.Access(ctx, id); err == nil {
				t.Errorf("access token %s alive after the replay", id)
			}
		}
		if g, _, _ := s.SSO().Grant(ctx, r.GrantID); g.Live() || g.Reason != sso.RevokedRefreshReused {
			t.Errorf("the grant after the replay: %+v", g)
		}

		// Two exchanges of one code at once: one wins, the other revokes.
		if err := svc.SaveCode(ctx, b.ID, "code-b"); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = svc.ByCode(ctx, "code-b")
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Errorf("two exchanges of one code: %v, %v", errs[0], errs[1])
		}
		if g, _, _ := s.SSO().Grant(ctx, b.GrantID); g.Live() || g.Reason != sso.RevokedCodeReused {
			t.Errorf("the grant after the second exchange: %+v", g)
		}

		// «Мои разрешения»: the school and the kindergarten; withdrawing
		// the school's ends its sign-ins.
		if ps, err := svc.Permissions(ctx, "acc1"); err != nil || len(ps) != 2 {
			t.Fatalf("permissions: %+v %v", ps, err)
		}
		if err := svc.Withdraw(ctx, "acc1", "school"); err != nil {
			t.Fatal(err)
		}
		if ps, err := svc.Permissions(ctx, "acc1"); err != nil || len(ps) != 2 || slices.ContainsFunc(ps, func(p sso.Permission) bool { return p.Site.ID == "school" && (p.Live || len(p.Scopes) > 0) }) {
			t.Fatalf("after the withdrawal: %+v %v", ps, err)
		}

		// The signing key: made once, sealed, the same on another node.
		priv, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		newKeys := func() *sso.Keys {
			return sso.NewKeys(s.SSO(), func() time.Time { return now }, func() (*rsa.PrivateKey, error) { return priv, nil },
				func() (string, error) { return "key-1", nil })
		}
		key, err := newKeys().Signing(ctx)
		if err != nil || key.ID != "key-1" || !key.ActiveFrom.Equal(now) {
			t.Fatalf("the first key: %+v %v", key, err)
		}
		other, err := newKeys().Published(ctx)
		if err != nil || len(other) != 1 || !other[0].Private.Equal(priv) || !other[0].PublishUntil.Equal(now.Add(sso.KeyPeriod+sso.KeyOverlap)) {
			t.Fatalf("another node's keys: %+v %v", other, err)
		}
		var sealed []byte
		der, _ := x509.MarshalPKCS8PrivateKey(priv)
		if err := s.DB().QueryRowContext(ctx, `SELECT private_key FROM sso_keys`).Scan(&sealed); err != nil || bytes.Contains(sealed, der[len(der)-64:]) {
			t.Errorf("the private key is not sealed: %v", err)
		}
	})
}
