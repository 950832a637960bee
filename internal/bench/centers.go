package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/centers"
	"github.com/kabinet/kabinet/internal/loadgen"
	"github.com/kabinet/kabinet/internal/places"
)

// The directory search phases (issue 12 §5): -centers generated centers in
// the towns of the reference data, searched over GET /api/v1/centers by
// -centers-workers clients at once (16: the brief's concurrency), against
// a bare handler serving the bytes of one such answer with the same
// clients.

// centerQueries are the searches the phase cycles through: each town's
// name as people type it — whole in lower case, its first letters, with ё
// as е, one letter dropped or two swapped — half of them filtered by a
// service, a few by region.
type centerQueries struct {
	paths []string
}

// generateCenters saves n centers spread over the towns of the reference
// data (each town gets n/towns or one more), with varied types, services
// and hours, in transactions of 500.
func (b *benchRun) generateCenters(ctx context.Context, n int) (*centerQueries, error) {
	dir, err := places.Load()
	if err != nil {
		return nil, err
	}
	var towns []places.Locality
	for _, r := range dir.Regions() {
		towns = append(towns, dir.Localities(r.Code)...)
	}
	hours := []string{"пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00", "пн-сб 08:00-20:00", "ежедневно 09:00-21:00", "пн-чт 09:00-18:00; пт 09:00-16:45", ""}
	st := b.env.app.Store
	repo := st.Centers()
	now := time.Now()
	fmt.Fprintf(b.stderr, "bench: saving %d generated service centers in %d towns…\n", n, len(towns))
	t := time.Now()
	for start := 0; start < n; start += 500 {
		err := st.Transact(ctx, func(ctx context.Context) error {
			for i := start; i < min(start+500, n); i++ {
				town := towns[i%len(towns)]
				h, err := centers.ParseHours(hours[i%len(hours)])
				if err != nil {
					return err
				}
				svc := centers.Set(1 + i%15).List() // every non-empty set of the four services
				c := centers.Center{ID: "bench-" + strconv.Itoa(i), Name: "Центр обслуживания №" + strconv.Itoa(i), Type: centers.Types[i%len(centers.Types)],
					Region: town.Region, Locality: town.Name, Address: "ул. Ленина, д. " + strconv.Itoa(1+i%200), Lat: town.Lat, Lon: town.Lon, HasCoords: true,
					Phone: "+7 (800) 100-" + strconv.Itoa(10+i%90) + "-" + strconv.Itoa(10+i%89), Hours: h, Services: svc, Active: i%50 != 0,
					CreatedAt: now, UpdatedAt: now}
				if err := repo.SaveCenter(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("bench: generating centers: %w", err)
		}
	}
	took := time.Since(t)
	fmt.Fprintf(b.stderr, "bench: %d centers saved in %.1fs\n", n, took.Seconds())
	b.loaded = append(b.loaded, loadReport{What: "generated service centers (transactions of 500)", Count: n, Seconds: took.Seconds()})

	q := &centerQueries{}
	for i, town := range towns {
		name := []rune(strings.ToLower(town.Name))
		var typed string
		switch i % 5 {
		case 0:
			typed = string(name)
		case 1: // a prefix
			typed = string(name[:min(len(name), 3+i%4)])
		case 2: // ё as е, or as typed
			typed = strings.ReplaceAll(town.Name, "ё", "е")
		case 3: // a letter dropped
			if len(name) >= centers.MinTypoLen+1 {
				k := 1 + i%(len(name)-2)
				typed = string(name[:k]) + string(name[k+1:])
			} else {
				typed = string(name)
			}
		case 4: // two letters swapped
			if len(name) >= centers.MinTypoLen {
				k := 1 + i%(len(name)-2)
				s := append([]rune{}, name...)
				s[k], s[k+1] = s[k+1], s[k]
				typed = string(s)
			} else {
				typed = string(name)
			}
		}
		v := url.Values{"q": {typed}}
		if i%2 == 0 {
			v.Set("service", string(centers.Services[i%len(centers.Services)]))
		}
		if i%7 == 0 {
			v.Set("region", town.Region)
		}
		q.paths = append(q.paths, "/api/v1/centers?"+v.Encode())
	}
	return q, nil
}

// centersOp searches round-robin through the queries.
func (b *benchRun) centersOp(base string, q *centerQueries, hc *http.Client) loadgen.Op {
	return func(ctx context.Context, w *loadgen.Worker) error {
		path := q.paths[w.Global%int64(len(q.paths))]
		return do(ctx, hc, request{method: "GET", url: base + path, route: "/api/v1/centers", xff: b.addrs.next(), want: http.StatusOK}, nil)
	}
}

// fetchBody fetches the answer to a GET of path, for a bare handler.
func (b *benchRun) fetchBody(ctx context.Context, path, route string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", b.env.baseURL+path, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("bench: setup GET %s: %s", route, resp.Status)
	}
	return body, resp.Header.Get("Content-Type"), nil
}

// searchBare is the bare handler of the search phases.
func searchBare(body []byte, contentType string) *httptest.Server {
	return httptest.NewServer(bareHandler(body, contentType))
}
