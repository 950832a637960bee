package app

import (
	"context"
	"io"
	"time"

	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/store"
)

// RelyingPartyAdmin is what `kabinet rp` works with: the registry of the
// sites that sign citizens in through kabinet, over the deployment's
// database (migrated first), without serving.
type RelyingPartyAdmin struct {
	*relyingparty.Registry
	st *store.Store
}

// OpenRelyingParties opens the deployment's database for `kabinet rp`.
func OpenRelyingParties(ctx context.Context, cfg config.Config, log io.Writer) (*RelyingPartyAdmin, error) {
	st, _, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	reg := relyingparty.New(relyingparty.Deps{Store: st.RelyingParties(), Grants: storedGrants{st.Staff()}, Now: func() time.Time { return time.Now().UTC() }})
	return &RelyingPartyAdmin{Registry: reg, st: st}, nil
}

// storedGrants reads the role table straight from the store (no staff
// service is started for a command).
type storedGrants struct{ st *store.Staff }

func (g storedGrants) Grants(ctx context.Context) (staff.Grants, error) { return g.st.StaffGrants(ctx) }

// List returns every registered site (the command line is trusted as an
// administrator is).
func (a *RelyingPartyAdmin) List(ctx context.Context) ([]relyingparty.Client, error) {
	return a.st.RelyingParties().Clients(ctx)
}

// Close closes the database.
func (a *RelyingPartyAdmin) Close() error { return a.st.Close() }
