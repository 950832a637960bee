package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/centers"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/store"
)

// TestCenters: a center reads back field for field and is replaced by its
// ID; the search on each engine ranks exact, prefix and one-typo
// localities (case and ё/е folded, two typos missed), filters by service
// and region, pages and counts, and leaves out inactive centers; a failed
// transaction saves neither the center nor its audit record.
func TestCenters(t *testing.T) {
	rs, err := places.Load()
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x := s.Centers()
		h, _ := centers.ParseHours("пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00")
		kaluga := centers.Center{ID: "kaluga-mfc", Name: `ГБУ КО "МФЦ Калужской области"`, Type: centers.MFC, Region: "40", Locality: "Калуга",
			Address: "ул. Хрустальная, д. 34 а", Lat: 54.513845, Lon: 36.261215, HasCoords: true, Phone: "+7 (4842) 22-22-22", Hours: h,
			Services: []centers.Service{centers.IdentityConfirmation, centers.AccessRecovery}, Active: true, CreatedAt: t0, UpdatedAt: t0}
		if _, found, err := x.Center(ctx, "kaluga-mfc"); found || err != nil {
			t.Fatalf("before saving: found=%v %v", found, err)
		}
		if err := x.SaveCenter(ctx, kaluga); err != nil {
			t.Fatal(err)
		}
		got, found, err := x.Center(ctx, "kaluga-mfc")
		if err != nil || !found || !reflect.DeepEqual(got, kaluga) {
			t.Fatalf("read back %+v %v %v\nwant %+v", got, found, err, kaluga)
		}
		edited := kaluga
		edited.HasCoords, edited.Lat, edited.Lon, edited.Hours, edited.Active = false, 0, 0, centers.Hours{}, false
		if err := x.SaveCenter(ctx, edited); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := x.Center(ctx, "kaluga-mfc"); !reflect.DeepEqual(got, edited) {
			t.Errorf("replaced: %+v", got)
		}
		if err := x.SaveCenter(ctx, kaluga); err != nil {
			t.Fatal(err)
		}

		dir := centers.New(centers.Deps{Store: x, Regions: rs, Now: func() time.Time { return t0 }})
		add := func(id, region, locality, services string, active bool) {
			in := centers.Input{ID: id, Name: "Центр " + id, Type: "mfc_branch", Region: region, Locality: locality, Address: "ул. Ленина, 1", Services: services}
			if !active {
				in.Active = "false"
			}
			if _, err := dir.Save(ctx, in, audit.Event{ActorKind: audit.ActorStaff, ActorID: "admin"}); err != nil {
				t.Fatal(err)
			}
		}
		add("kaluga-lib", "40", "Калуга", "registration", true)
		add("kaluzhsky", "40", "Калужский", "registration", true)
		add("kalga", "75", "Калга", "identity_confirmation", true)
		add("shchekino", "71", "Щёкино", "identity_confirmation", true)
		add("kamensk", "66", "Каменск-Уральский", "identity_confirmation", true)
		add("gone", "40", "Калуга", "identity_confirmation", false)
		search := func(q centers.Query) ([]string, []centers.Match, int) {
			t.Helper()
			r, err := dir.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			var ms []centers.Match
			for _, f := range r.Centers {
				ids, ms = append(ids, f.ID), append(ms, f.Match)
			}
			return ids, ms, r.Total
		}
		E, P, T := centers.MatchExact, centers.MatchPrefix, centers.MatchTypo
		// «ГБУ КО …» sorts before «Центр …» in the same locality.
		tests := []struct {
			q       centers.Query
			ids     []string
			matches []centers.Match
			total   int
		}{
			{centers.Query{Q: "КАЛУГА"}, []string{"kaluga-mfc", "kaluga-lib", "kalga"}, []centers.Match{E, E, T}, 3},
			{centers.Query{Q: "г. калуга"}, []string{"kaluga-mfc", "kaluga-lib", "kalga"}, []centers.Match{E, E, T}, 3},
			{centers.Query{Q: "Калу"}, []string{"kaluga-mfc", "kaluga-lib", "kaluzhsky"}, []centers.Match{P, P, P}, 3},
			{centers.Query{Q: "Калуна"}, []string{"kaluga-mfc", "kaluga-lib"}, []centers.Match{T, T}, 2},
			{centers.Query{Q: "Калгуа"}, []string{"kalga", "kaluga-mfc", "kaluga-lib"}, []centers.Match{T, T, T}, 3},
			{centers.Query{Q: "Кулагу"}, nil, nil, 0},
			{centers.Query{Q: "щекино"}, []string{"shchekino"}, []centers.Match{E}, 1},
			{centers.Query{Q: "Щёк"}, []string{"shchekino"}, []centers.Match{P}, 1},
			{centers.Query{Q: "щекимо"}, []string{"shchekino"}, []centers.Match{T}, 1},
			{centers.Query{Q: "каменск"}, []string{"kamensk"}, []centers.Match{P}, 1},
			{centers.Query{Q: "Каменск Уральский"}, []string{"kamensk"}, []centers.Match{E}, 1},
			{centers.Query{Q: "калуга", Service: "identity_confirmation"}, []string{"kaluga-mfc", "kalga"}, []centers.Match{E, T}, 2},
			{centers.Query{Q: "калуга", Region: "40"}, []string{"kaluga-mfc", "kaluga-lib"}, []centers.Match{E, E}, 2},
			{centers.Query{Region: "40"}, []string{"kaluga-mfc", "kaluga-lib", "kaluzhsky"}, []centers.Match{centers.MatchAll, centers.MatchAll, centers.MatchAll}, 3},
			{centers.Query{Q: "кал", Limit: 2, Offset: 1}, []string{"kaluga-mfc", "kaluga-lib"}, []centers.Match{P, P}, 4},
			{centers.Query{Q: "кал", Limit: 2, Offset: 10}, nil, nil, 4},
		}
		for _, tt := range tests {
			ids, ms, total := search(tt.q)
			if !slices.Equal(ids, tt.ids) || !slices.Equal(ms, tt.matches) || total != tt.total {
				t.Errorf("%+v: %q %v total %d; want %q %v total %d", tt.q, ids, ms, total, tt.ids, tt.matches, tt.total)
			}
		}

		// Staff see the inactive center too.
		r, err := dir.Search(ctx, centers.Query{Q: "калуга", Region: "40", IncludeInactive: true})
		if err != nil || r.Total != 3 {
			t.Errorf("with the inactive: %d, %v", r.Total, err)
		}
		if c, err := dir.Get(ctx, "gone"); err != nil || c.Active {
			t.Errorf("staff get of an inactive center: %+v, %v", c, err)
		}

		// An import on the engine: a file with a bad row saves nothing; the
		// corrected file saves every row with its audit record.
		staff := audit.Event{ActorKind: audit.ActorStaff, ActorID: "admin", IP: "10.1.2.3", RequestID: "req-9"}
		file := "id;name;type;region;locality;address;services;hours\n" +
			"kaluga-post;Почта России;post;40;Калуга;ул. Кирова, 1;identity_confirmation;пн-пт 08:00-20:00\n" +
			"tula-post;Почта России;post;71;Тула;пр. Ленина, 33;identity_confirmation;пн-пт 8-20\n"
		rep, err := dir.Import(ctx, centers.CSV, []byte(file), staff)
		if err != nil || rep.Saved || len(rep.Rejected) != 1 || rep.Rejected[0].Row != 3 || rep.Rejected[0].Field != "hours" {
			t.Fatalf("import with a bad row: %+v, %v", rep, err)
		}
		if _, found, _ := x.Center(ctx, "kaluga-post"); found {
			t.Fatal("a rejected import saved a row")
		}
		rep, err = dir.Import(ctx, centers.CSV, []byte(strings.Replace(file, "пн-пт 8-20", "пн-пт 08:00-20:00", 1)), staff)
		if err != nil || !rep.Saved || rep.Created != 2 {
			t.Fatalf("corrected import: %+v, %v", rep, err)
		}
		if ids, _, _ := search(centers.Query{Q: "тула", Service: "identity_confirmation"}); !slices.Equal(ids, []string{"tula-post"}) {
			t.Errorf("imported center not found: %q", ids)
		}

		// A failed transaction keeps neither the center nor its record.
		boom := errors.New("boom")
		err = s.Transact(ctx, func(ctx context.Context) error {
			c := kaluga
			c.ID = "rolled-back"
			if err := x.SaveCenter(ctx, c); err != nil {
				return err
			}
			if err := x.AppendAudit(ctx, &audit.Event{At: t0, Action: "center.created", ActorKind: audit.ActorStaff}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if _, found, _ := x.Center(ctx, "rolled-back"); found {
			t.Error("the center of a failed transaction was saved")
		}
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action LIKE 'center.%'`).Scan(&n); err != nil || n != 8 {
			t.Errorf("%d center audit records, want 8: 6 saved, 2 imported (%v)", n, err)
		}
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'center.imported' AND actor_id = 'admin' AND ip = '10.1.2.3' AND request_id = 'req-9'`).Scan(&n); err != nil || n != 2 {
			t.Errorf("%d import records with the actor, want 2 (%v)", n, err)
		}
	})
}

// TestCenterTypoTermsMigration: a directory saved before migration 0016,
// with the index terms of that version, finds typos after the migrate
// step has written the new terms for its localities.
func TestCenterTypoTermsMigration(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := openAt(t, engine, 15)
			// As version 15 saved them: the locality with its deletions.
			exec(t, s, `INSERT INTO centers (id, name, type, region, locality, locality_key, address, services, created_at, updated_at)
				VALUES ('kaluga-mfc', 'МФЦ', 'mfc', '40', 'Калуга', 'калуга', 'ул. Хрустальная, 34а', 1, 0, 0)`)
			exec(t, s, `INSERT INTO center_localities (locality_key) VALUES ('калуга')`)
			for _, v := range []string{"калуга", "алуга", "клуга", "кауга", "калга", "калуа", "калуг"} {
				exec(t, s, `INSERT INTO center_locality_variants (variant, locality_key) VALUES (?, 'калуга')`, v)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM center_locality_variants WHERE locality_key = 'калуга'`).Scan(&n); err != nil || n != len(centers.TypoTerms("калуга")) {
				t.Fatalf("terms of калуга after migrating: %d, %v; want %d", n, err, len(centers.TypoTerms("калуга")))
			}
			cs, total, err := s.Centers().SearchCenters(ctx, centers.Filter{Key: "калгуа", Probes: centers.TypoProbes("калгуа"), Limit: 10})
			if err != nil || total != 1 || len(cs) != 1 || cs[0].ID != "kaluga-mfc" {
				t.Fatalf("«калгуа» after migrating: %+v total %d, %v", cs, total, err)
			}
			if err := s.Migrate(ctx); err != nil { // nothing left to index
				t.Fatal(err)
			}
		})
	}
}
