package demo

import (
	"context"
	_ "embed"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/gazetteer"
	"github.com/kabinet/kabinet/internal/places"
)

// Villages is the demo's list of villages and settlements the reference
// data (towns only) lacks: in the Kaluga region, Moscow and the Sverdlovsk
// region, in the import's format (internal/gazetteer). Written by the team
// for the demo; the points and populations are approximate (to a
// kilometre or so, and rounded), not copied from any register.
//
//go:embed villages.csv
var Villages []byte

// SeedVillages imports Villages when no locality has been added yet, so a
// newcomer finds «Детчино» in the region chooser, and an administrator's
// later changes are kept across restarts. It reports how many it added.
func SeedVillages(ctx context.Context, g *gazetteer.Gazetteer, dir *places.Directory) (int, error) {
	for _, code := range dir.Codes() {
		for _, l := range dir.Localities(code) {
			if l.Added() {
				return 0, nil
			}
		}
	}
	rep, err := g.Import(ctx, Villages, audit.Event{ActorKind: audit.ActorSystem, ActorID: "demo"})
	return rep.Created, err
}
