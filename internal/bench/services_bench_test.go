package bench

import (
	"context"
	"io"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/testenv"
)

// BenchmarkServiceSearch is the services phase's work without HTTP and one
// search at a time: catalog.Find over every distinct search of the mix,
// in turn, over the demo catalog and $KABINET_BENCH_SERVICES generated
// services (20 000 by default), on each engine. ns/op is the mean cost of
// a search (on PostgreSQL the server's time included); p50, p90, p99 and
// max are of the searches' own means, and the dearest are logged:
//
//	go test ./internal/bench -run '^$' -bench ServiceSearch -benchtime 5000x -v
func BenchmarkServiceSearch(b *testing.B) {
	n := 20000
	if v := os.Getenv("KABINET_BENCH_SERVICES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("KABINET_BENCH_SERVICES=%q", v)
		}
	}
	b.Run("sqlite", func(b *testing.B) { benchmarkServiceSearch(b, "", n) })
	b.Run("postgres", func(b *testing.B) { benchmarkServiceSearch(b, testenv.PostgresURL(b), n) })
}

func benchmarkServiceSearch(b *testing.B, db string, n int) {
	ctx := context.Background()
	env, err := startBenchEnv(ctx, db, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer env.close()
	run := &benchRun{env: env, stderr: io.Discard, hc: newBenchClient(1)}
	q, err := run.generateServices(ctx, n)
	if err != nil {
		b.Fatal(err)
	}
	dir, err := places.Load()
	if err != nil {
		b.Fatal(err)
	}
	cat := catalog.New(catalog.Deps{Store: env.app.Store.Catalog(), Regions: dir, Now: time.Now})
	var searches []catalog.Search
	var paths []string
	for _, p := range q.paths {
		if slices.Contains(paths, p) {
			continue
		}
		u, err := url.Parse(p)
		if err != nil {
			b.Fatal(err)
		}
		v := u.Query()
		limit := 20
		if l := v.Get("limit"); l != "" {
			limit, _ = strconv.Atoi(l)
		}
		searches = append(searches, catalog.Search{Q: v.Get("q"), Typing: v.Get("typing") == "true", Region: v.Get("region"),
			Category: v.Get("category"), Level: account.Level(v.Get("level")), Limit: limit})
		paths = append(paths, p)
	}
	// Each search once, as the phase's survey does: the lexicon is built
	// and every statement prepared.
	for _, s := range searches {
		if _, err := cat.Find(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	took := make([]time.Duration, len(searches))
	count := make([]int, len(searches))
	b.ResetTimer()
	i := 0
	for b.Loop() {
		k := i % len(searches)
		t := time.Now()
		if _, err := cat.Find(ctx, searches[k]); err != nil {
			b.Fatal(err)
		}
		took[k] += time.Since(t)
		count[k]++
		i++
	}
	b.StopTimer()
	type cost struct {
		path string
		mean time.Duration
	}
	var costs []cost
	for k := range searches {
		if count[k] > 0 {
			costs = append(costs, cost{paths[k], took[k] / time.Duration(count[k])})
		}
	}
	if len(costs) == 0 {
		return
	}
	slices.SortFunc(costs, func(a, b cost) int { return int(a.mean - b.mean) })
	at := func(f float64) float64 { return float64(costs[int(f*float64(len(costs)-1))].mean) / 1e6 }
	b.ReportMetric(at(0.5), "p50-ms")
	b.ReportMetric(at(0.9), "p90-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
	for _, c := range costs[max(0, len(costs)-10):] {
		p, _ := url.QueryUnescape(c.path)
		b.Logf("%8.2fms %s", float64(c.mean)/1e6, p)
	}
}

// BenchmarkCatalogRebuild is what a node does when the catalog's
// generation moves (a publication on any node): read every published
// service's terms from the store (vocabulary) and build the lexicon the
// search matches and ranks by (lexicon), over the demo catalog and
// $KABINET_BENCH_SERVICES generated services (20 000 by default):
//
//	go test ./internal/bench -run '^$' -bench CatalogRebuild -benchtime 10x
func BenchmarkCatalogRebuild(b *testing.B) {
	n := 20000
	if v := os.Getenv("KABINET_BENCH_SERVICES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("KABINET_BENCH_SERVICES=%q", v)
		}
	}
	for _, engine := range []struct{ name, db string }{{"sqlite", ""}, {"postgres", "postgres"}} {
		b.Run(engine.name, func(b *testing.B) {
			db := engine.db
			if db != "" {
				db = testenv.PostgresURL(b)
			}
			ctx := context.Background()
			env, err := startBenchEnv(ctx, db, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			defer env.close()
			run := &benchRun{env: env, stderr: io.Discard, hc: newBenchClient(1)}
			if _, err := run.generateServices(ctx, n); err != nil {
				b.Fatal(err)
			}
			repo := env.app.Store.Catalog()
			terms, err := repo.Vocabulary(ctx)
			if err != nil {
				b.Fatal(err)
			}
			syns, err := repo.Synonyms(ctx)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("vocabulary", func(b *testing.B) {
				for b.Loop() {
					if _, err := repo.Vocabulary(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("lexicon", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					catalog.NewLexicon(syns, terms)
				}
				// What a node keeps: the heap the lexicon holds once built.
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				lex := catalog.NewLexicon(syns, terms)
				runtime.GC()
				runtime.ReadMemStats(&after)
				runtime.KeepAlive(lex)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "held-MB")
			})
		})
	}
}
