package store_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/gazetteer"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/store"
)

// TestGazetteer: an administrator's additions on both engines, through the
// gazetteer as the console uses it — a region, a village typed, an import
// of a district's villages (a town of the reference data in it skipped,
// the same file again changing nothing), the export that reads back the
// same, a removal — each audited; and a second node seeing every change
// once its check is due.
func TestGazetteer(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := t0
		clock := func() time.Time { return now }
		node := func() (*gazetteer.Gazetteer, *places.Directory) {
			dir, err := places.Load()
			if err != nil {
				t.Fatal(err)
			}
			g := gazetteer.New(gazetteer.Deps{Store: s.Places(), Directory: dir, Now: clock, Every: time.Minute})
			if err := g.Load(ctx); err != nil {
				t.Fatal(err)
			}
			return g, dir
		}
		g, dir := node()
		other, otherDir := node()
		admin := audit.Event{ActorKind: "staff", ActorID: "stf-admin", ActorRole: "administrator"}

		if _, err := g.SaveRegion(ctx, gazetteer.RegionInput{Code: "40", Name: "Калужская", Type: "обл"}, admin); fieldOf(err) != gazetteer.FieldCode {
			t.Errorf("a region of the reference data's code: %v, want an error on code", err)
		}
		r, err := g.SaveRegion(ctx, gazetteer.RegionInput{Code: "93", Name: "Донецкая Народная", Type: "Респ", Timezone: "UTC+3"}, admin)
		if err != nil || r.NameWithType != "Респ Донецкая Народная" {
			t.Fatalf("SaveRegion = %+v, %v", r, err)
		}
		if !dir.HasRegion("93") || !dir.RegionAdded("93") {
			t.Error("the region is not in this node's directory")
		}

		village := gazetteer.LocalityInput{Region: "40", Type: "с", Name: "Детчино", Area: "Малоярославецкий", Postcode: "249080", Lat: "54.8167", Lon: "36.3117", Population: "4200"}
		l, err := g.SaveLocality(ctx, "", village, admin)
		if err != nil || l.ID == "" {
			t.Fatalf("SaveLocality = %+v, %v", l, err)
		}
		if got := dir.Find("детчин", 3); len(got) != 1 || got[0].ID != l.ID || got[0].Lat != 54.8167 {
			t.Errorf("Find(детчин) = %+v", got)
		}
		if _, err := g.SaveLocality(ctx, "", village, admin); fieldOf(err) != gazetteer.FieldName {
			t.Errorf("the same village again: %v, want an error on name", err)
		}
		if _, err := g.SaveLocality(ctx, "", gazetteer.LocalityInput{Region: "40", Type: "г", Name: "Калуга"}, admin); fieldOf(err) != gazetteer.FieldName {
			t.Errorf("a town of the reference data: %v, want an error on name", err)
		}
		if _, err := g.SaveLocality(ctx, "l-none", village, admin); problem.KindOf(err) != problem.NotFound {
			t.Errorf("an unknown ID: %v", err)
		}
		village.Population = "4300"
		if l2, err := g.SaveLocality(ctx, l.ID, village, admin); err != nil || l2.Population != 4300 || l2.ID != l.ID {
			t.Errorf("a change: %+v, %v", l2, err)
		}

		// The other node sees nothing until its check is due.
		if err := other.Fresh(ctx); err != nil || otherDir.HasRegion("93") {
			t.Fatalf("Fresh before it is due: %v; region seen %v", err, otherDir.HasRegion("93"))
		}
		now = now.Add(time.Minute)
		if err := other.Fresh(ctx); err != nil || !otherDir.HasRegion("93") || len(otherDir.Find("детчино", 1)) != 1 {
			t.Fatalf("Fresh when due: %v; region %v, village %v", err, otherDir.HasRegion("93"), otherDir.Find("детчино", 1))
		}

		file := "region;type;name;area;postcode;lat;lon;population;source\n" +
			"40;с;Детчино;Малоярославецкий;249080;54,8167;36,3117;4300;x\n" + // as added: unchanged
			"40;д;Ерденево;Малоярославецкий;;;;;x\n" +
			"40;г;Малоярославец;Малоярославецкий;;;;;x\n" + // a town of the reference data
			"93;с;Ёлкино;;;47,9;37,8;;x\n"
		rep, err := g.Import(ctx, []byte(file), admin)
		if err != nil || !rep.Saved || rep.Created != 2 || rep.Unchanged != 1 || rep.Reference != 1 || len(rep.Ignored) != 1 || rep.Ignored[0] != "source" {
			t.Fatalf("Import = %+v, %v", rep, err)
		}
		if rep, err := g.Import(ctx, []byte(file), admin); err != nil || rep.Created+rep.Updated != 0 || rep.Unchanged != 3 {
			t.Errorf("the same file again: %+v, %v", rep, err)
		}
		if got := dir.Find("елкино", 1); len(got) != 1 || got[0].Region != "93" {
			t.Errorf("the imported village in the added region: %+v", got)
		}
		bad := "region,type,name\n40,с,Детчино\n00,с,Нигде\n40,с,\n"
		if rep, err := g.Import(ctx, []byte(bad), admin); err != nil || rep.Saved || len(rep.Rejected) != 2 ||
			rep.Rejected[0].Row != 3 || rep.Rejected[0].Field != "region" || rep.Rejected[1].Row != 4 || rep.Rejected[1].Field != "name" {
			t.Errorf("a file with bad rows: %+v, %v", rep, err)
		}

		var out bytes.Buffer
		if err := g.Export(ctx, &out, admin); err != nil {
			t.Fatal(err)
		}
		want := "region,type,name,area,postcode,lat,lon,population,fias_id\n" +
			"40,с,Детчино,Малоярославецкий,249080,54.8167,36.3117,4300,\n" +
			"40,д,Ерденево,Малоярославецкий,,,,,\n" +
			"93,с,Ёлкино,,,47.9,37.8,,\n"
		if out.String() != want {
			t.Errorf("export:\n%s\nwant:\n%s", out.String(), want)
		}
		if rep, err := g.Import(ctx, out.Bytes(), admin); err != nil || rep.Unchanged != 3 {
			t.Errorf("the export imported back: %+v, %v", rep, err)
		}

		if removed, err := g.RemoveLocality(ctx, l.ID, admin); err != nil || removed.ID != l.ID || removed.Name != "Детчино" {
			t.Fatalf("RemoveLocality = %+v, %v", removed, err)
		}
		if len(dir.Find("детчино", 1)) != 0 {
			t.Error("the removed village is still found")
		}
		if _, err := g.RemoveLocality(ctx, l.ID, admin); problem.KindOf(err) != problem.NotFound {
			t.Errorf("removed twice: %v", err)
		}

		evs, err := s.AuditLog().FindAudit(ctx, audit.Query{ActionPrefix: "places.", Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range evs {
			if e.ActorID != "stf-admin" {
				t.Errorf("%s by %q", e.Action, e.ActorID)
			}
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, " "); got != "places.locality_removed places.imported places.exported places.imported places.imported "+
			"places.locality_changed places.locality_added places.region_added" {
			t.Errorf("audited: %s", got)
		}
	})
}

func fieldOf(err error) string {
	p, ok := problem.As(err)
	if !ok || len(p.Fields) == 0 {
		return ""
	}
	return p.Fields[0].Field
}
