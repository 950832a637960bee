package region_test

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/region"
)

type regions map[string]bool

func (r regions) HasRegion(code string) bool { return r[code] }

type store struct{ region, locality string }

func (s *store) SetRegion(_ context.Context, _ string, region, locality string, _ time.Time) error {
	s.region, s.locality = region, locality
	return nil
}

type sessions struct{ changed int }

func (s *sessions) AccountChanged(context.Context, string) error { s.changed++; return nil }

// TestChoose: a known region is recorded on the account, the town
// cleaned; an unknown one is refused on its field; a cookie's value reads
// back, and a forged one does not.
func TestChoose(t *testing.T) {
	st, ss := &store{}, &sessions{}
	svc := region.New(st, ss, regions{"40": true, "77": true}, func() time.Time { return time.Unix(0, 0) })
	c, err := svc.Choose(context.Background(), "acc", region.Choice{Region: "40", Locality: "  Калуга \t "})
	if err != nil || c.Locality != "Калуга" || st.region != "40" || st.locality != "Калуга" || ss.changed != 1 {
		t.Fatalf("choose: %+v %v %+v", c, err, st)
	}
	if _, err := svc.Choose(context.Background(), "acc", region.Choice{Region: "99"}); problem.KindOf(err) != problem.Invalid || st.region != "40" {
		t.Fatalf("an unknown region: %v", err)
	}
	for v, want := range map[string]bool{
		region.Choice{Region: "77", Locality: "Москва: центр"}.Cookie(): true,
		"99%3AНигде": false, "%zz": false, "": false,
	} {
		got, ok := svc.FromCookie(v)
		if ok != want || (ok && got.Region != "77") {
			t.Errorf("FromCookie(%q) = %+v %v", v, got, ok)
		}
	}
	if c, ok := svc.FromCookie(region.Choice{Region: "77", Locality: "Москва: центр"}.Cookie()); !ok || c.Locality != "Москва: центр" {
		t.Errorf("a locality with a colon: %+v", c)
	}
}

func FuzzFromCookie(f *testing.F) {
	svc := region.New(&store{}, &sessions{}, regions{"40": true}, time.Now)
	for _, s := range []string{"40%3A%D0%9A", "40:", ":", "%", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if c, ok := svc.FromCookie(v); ok && c.Region != "40" {
			t.Fatalf("%q read as %+v", v, c)
		}
	})
}
