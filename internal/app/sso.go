package app

import (
	"context"

	"github.com/kabinet/kabinet/internal/extras"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/sso"
	"github.com/kabinet/kabinet/internal/store"
)

// ssoClaims releases a citizen's verified data to a site at userinfo
// (oidcop.Claims): what the registries confirmed, the contacts confirmed
// by a code, the INN the Tax Service found — sso.Release decides — and
// records each release in «Кто смотрел мои данные» before answering,
// through ledger (group commit) when there is one.
type ssoClaims struct {
	st     *store.Store
	prof   *profile.Service
	more   *extras.Service
	rules  *sso.Service
	ledger *releaseLedger
}

func (c ssoClaims) Claims(ctx context.Context, accountID, clientID string, scopes []string) (map[string]any, []string, error) {
	a, err := c.st.Accounts().AccountByID(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	p := sso.Person{Level: a.Level, Phone: a.Phone, Email: a.Email}
	rec, err := c.prof.Get(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	if rec.Verified != nil {
		p.Data, p.DataVerifiedAt = rec.Verified, rec.VerifiedAt
	}
	x, err := c.more.Get(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	if x.INNSource == extras.FromFNS {
		p.INN, p.INNVerifiedAt = x.INN, x.UpdatedAt
	}
	claims, released := sso.Release(scopes, p)
	record := c.rules.Released
	if c.ledger != nil {
		record = c.ledger.record
	}
	if err := record(ctx, accountID, clientID, released); err != nil {
		return nil, nil, err
	}
	return claims, released, nil
}

// siteNames names the sites of single sign-on in «Кто смотрел мои данные».
type siteNames struct{ st *store.Store }

func (n siteNames) SiteName(ctx context.Context, clientID string) (string, string, bool) {
	c, found, err := n.st.RelyingParties().Client(ctx, clientID)
	if err != nil || !found {
		return "", "", false
	}
	return c.Name.RU, c.Name.EN, true
}
