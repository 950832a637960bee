package demo_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/centers"
	. "github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/places"
)

// TestDemoCenters: every demo center passes the directory's rules, IDs are
// unique, and each is placed at its town's point in the reference
// data (no jitter; a village the data lacks has no point).
func TestDemoCenters(t *testing.T) {
	dir, err := places.Load()
	if err != nil {
		t.Fatal(err)
	}
	point := func(region, locality string) (float64, float64, bool) {
		for _, l := range dir.Localities(region) {
			if l.Name == locality {
				return l.Lat, l.Lon, true
			}
		}
		return 0, 0, false
	}
	in := Centers(point)
	if len(in) < 40 {
		t.Fatalf("%d demo centers", len(in))
	}
	seen := map[string]bool{}
	for _, c := range in {
		n, err := centers.Normalize(c, dir)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		if seen[n.ID] {
			t.Errorf("%s twice", n.ID)
		}
		seen[n.ID] = true
		lat, lon, ok := point(n.Region, n.Locality)
		if n.HasCoords != ok || (ok && (math.Abs(n.Lat-lat) > 1e-6 || math.Abs(n.Lon-lon) > 1e-6)) { // stored to 6 decimals (10 cm)
			t.Errorf("%s in %s at %v,%v (has %v), the town is at %v,%v (%v)", n.ID, n.Locality, n.Lat, n.Lon, n.HasCoords, lat, lon, ok)
		}
	}
	for _, id := range []string{"kaluga-mfc", "kaluga-rostelecom", "kaluga-library-gogol", "kamensk-administration"} {
		if !seen[id] {
			t.Errorf("no %s", id)
		}
	}
}

type centerMem struct {
	m     map[string]centers.Center
	audit []audit.Event
}

func (s *centerMem) Transact(ctx context.Context, fn func(context.Context) error) error {
	return fn(ctx)
}
func (s *centerMem) Center(_ context.Context, id string) (centers.Center, bool, error) {
	c, ok := s.m[id]
	return c, ok, nil
}
func (s *centerMem) SaveCenter(_ context.Context, c centers.Center) error { s.m[c.ID] = c; return nil }
func (s *centerMem) SearchCenters(context.Context, centers.Filter) ([]centers.Center, int, error) {
	return nil, 0, nil
}
func (s *centerMem) AppendAudit(_ context.Context, e *audit.Event) error {
	s.audit = append(s.audit, *e)
	return nil
}

// TestSeedCentersKeepsEdits: seeding adds what is missing, audited as the
// system, and leaves a center an administrator changed as it is.
func TestSeedCentersKeepsEdits(t *testing.T) {
	dir, _ := places.Load()
	st := &centerMem{m: map[string]centers.Center{}}
	d := centers.New(centers.Deps{Store: st, Regions: dir, Now: func() time.Time { return time.Unix(0, 0) }})
	in := Centers(func(string, string) (float64, float64, bool) { return 0, 0, false })
	ctx := context.Background()
	if n, err := SeedCenters(ctx, st, d, in); err != nil || n != len(in) {
		t.Fatalf("first seed: %d, %v", n, err)
	}
	if e := st.audit[0]; e.ActorKind != audit.ActorSystem || e.Action != "center.created" {
		t.Errorf("audit %+v", e)
	}
	edited := st.m["kaluga-mfc"]
	edited.Phone, edited.Active = "+7 4842 000000", false
	st.m["kaluga-mfc"] = edited
	delete(st.m, "kaluga-rostelecom")
	n, err := SeedCenters(ctx, st, d, in)
	if err != nil || n != 1 || !slices.Equal([]string{st.m["kaluga-mfc"].Phone}, []string{"+7 4842 000000"}) || st.m["kaluga-mfc"].Active {
		t.Errorf("second seed: %d, %v; kaluga-mfc %+v", n, err, st.m["kaluga-mfc"])
	}
}
