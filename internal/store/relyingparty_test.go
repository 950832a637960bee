package store_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/store"
)

// TestRelyingParties: a site's registration kept and read back whole on
// both engines — its addresses exactly as registered, its secret's hash
// apart from the record —, a second with its ID refused, a change saved.
func TestRelyingParties(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x := s.RelyingParties()
		c := relyingparty.Client{ID: "school-kaluga", Name: relyingparty.Text{RU: "Электронная школа", EN: "E-school"},
			Purpose: relyingparty.Text{RU: "Запись в школу"}, PrivacyURL: "https://school.kaluga.ru/privacy",
			RedirectURIs: []string{"https://school.kaluga.ru/cb?b=2&a=1", "http://127.0.0.1:9000/cb"}, PostLogoutURIs: []string{"https://school.kaluga.ru/"},
			Scopes: []string{"openid", "fullname"}, MaxLevel: account.Standard, Sector: "school.kaluga.ru", SubjectType: relyingparty.Pairwise,
			AuthMethod: relyingparty.SecretBasic, SecretHash: relyingparty.HashSecret("s3cret"), CreatedAt: t0, UpdatedAt: t0, UpdatedBy: "stf1"}
		if err := x.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := x.CreateClient(ctx, c); problem.KindOf(err) != problem.Conflict {
			t.Fatalf("the same ID twice: %v", err)
		}
		got, found, err := x.Client(ctx, c.ID)
		if err != nil || !found || !slices.Equal(got.RedirectURIs, c.RedirectURIs) || !bytes.Equal(got.SecretHash, c.SecretHash) ||
			!got.CheckSecret("s3cret") || got.MaxLevel != account.Standard || !got.CreatedAt.Equal(t0) || got.UpdatedBy != "stf1" || got.Name != c.Name {
			t.Fatalf("read back: %+v %v %v", got, found, err)
		}
		var doc string
		if err := s.DB().QueryRowContext(ctx, `SELECT doc FROM relying_parties`).Scan(&doc); err != nil ||
			strings.Contains(doc, base64.StdEncoding.EncodeToString(c.SecretHash)) || strings.Contains(doc, "hash") {
			t.Errorf("the record holds the secret: %s %v", doc, err)
		}
		c.Disabled, c.Scopes, c.UpdatedBy = true, []string{"openid"}, "stf2"
		if err := x.SaveClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if list, err := x.Clients(ctx); err != nil || len(list) != 1 || !list[0].Disabled || len(list[0].Scopes) != 1 || list[0].UpdatedBy != "stf2" {
			t.Fatalf("list %+v %v", list, err)
		}
		if _, found, err := x.Client(ctx, "nobody"); found || err != nil {
			t.Fatalf("an unknown site: %v %v", found, err)
		}
	})
}
