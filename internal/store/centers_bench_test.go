package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/centers"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/store"
)

// BenchmarkSearchCenters: one search of the directory (the service's two
// queries) over 20 000 centers in the reference data's towns, by query:
// exact, prefix, one typo, a region, on each engine.
func BenchmarkSearchCenters(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchmarkSearchCenters(b, openSQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchmarkSearchCenters(b, openPostgres(b)) })
}

func benchmarkSearchCenters(b *testing.B, s *store.Store) {
	ctx := context.Background()
	rs, err := places.Load()
	if err != nil {
		b.Fatal(err)
	}
	var towns []places.Locality
	for _, r := range rs.Regions() {
		towns = append(towns, rs.Localities(r.Code)...)
	}
	repo := s.Centers()
	h, _ := centers.ParseHours("пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00")
	for start := 0; start < 20000; start += 1000 {
		err := s.Transact(ctx, func(ctx context.Context) error {
			for i := start; i < start+1000; i++ {
				t := towns[i%len(towns)]
				c := centers.Center{ID: "c" + strconv.Itoa(i), Name: "Центр №" + strconv.Itoa(i), Type: centers.MFC, Region: t.Region, Locality: t.Name,
					Address: "ул. Ленина, 1", Lat: t.Lat, Lon: t.Lon, HasCoords: true, Hours: h, Services: centers.Set(1 + i%15).List(), Active: true,
					CreatedAt: time.Unix(0, 0), UpdatedAt: time.Unix(0, 0)}
				if err := repo.SaveCenter(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	dir := centers.New(centers.Deps{Store: repo, Regions: rs, Now: time.Now})
	queries := []centers.Query{{Q: "калуга"}, {Q: "кал", Service: "registration"}, {Q: "калгуа"}, {Q: "екатеринбург", Service: "identity_confirmation"},
		{Q: "новосибирк"}, {Q: "мос"}, {Q: "", Region: "40"}}
	for _, q := range queries {
		b.Run(q.Q+"/"+q.Service+"/"+q.Region, func(b *testing.B) {
			for b.Loop() {
				if _, err := dir.Search(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
