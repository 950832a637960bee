package esign

import (
	"context"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

// countingSource counts fetches and fails while err is set.
type countingSource struct {
	data  []byte
	err   error
	calls int
}

func (s *countingSource) CRL(context.Context, *Certificate, []string) ([]byte, error) {
	s.calls++
	return s.data, s.err
}

func TestCRLCache(t *testing.T) {
	w := getWorld(t, "ecdsaP256")
	src := &countingSource{data: w.interCRL}
	clock := w.t0
	c := NewCRLCache(src, 24*time.Hour, func() time.Time { return clock })
	ctx := context.Background()
	steps := []struct {
		name      string
		advance   time.Duration
		err       error
		wantCalls int
		wantErr   bool
	}{
		{"first fetch", 0, nil, 1, false},
		{"kept", time.Hour, nil, 1, false},
		{"refetched after maxAge", 24 * time.Hour, nil, 2, false},
		{"failure is returned", 25 * time.Hour, errors.New("down"), 3, true},
		{"failure is not kept", 0, nil, 4, false},
	}
	for _, s := range steps {
		clock = clock.Add(s.advance)
		src.err = s.err
		_, err := c.CRL(ctx, w.inter, []string{cdpURL})
		if (err != nil) != s.wantErr || src.calls != s.wantCalls {
			t.Fatalf("%s: err %v, %d fetches; want error %v, %d fetches", s.name, err, src.calls, s.wantErr, s.wantCalls)
		}
	}

	// With a long maxAge, the CRL's nextUpdate (30 days) bounds the keeping.
	src = &countingSource{data: w.interCRL}
	clock = w.t0
	c = NewCRLCache(src, 100*24*time.Hour, func() time.Time { return clock })
	for _, s := range []struct {
		at        time.Duration
		wantCalls int
	}{{0, 1}, {29 * 24 * time.Hour, 1}, {31 * 24 * time.Hour, 2}} {
		clock = w.t0.Add(s.at)
		if _, err := c.CRL(ctx, w.inter, nil); err != nil || src.calls != s.wantCalls {
			t.Fatalf("at +%v: %v, %d fetches; want %d", s.at, err, src.calls, s.wantCalls)
		}
	}
}

// TestCheckCRL: an uploaded CRL is accepted only when a given CA signed it.
func TestCheckCRL(t *testing.T) {
	for _, name := range allWorlds {
		t.Run(name, func(t *testing.T) {
			w := getWorld(t, name)
			asPEM := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: w.interCRL})
			if strings.HasPrefix(name, "gost") { // openssl ca -gencrl writes PEM
				asPEM = w.interCRL
			}
			for _, c := range []struct {
				name  string
				data  []byte
				pool  *Pool
				want  Reason
				count int
			}{
				{"the intermediate's CRL", w.interCRL, NewPool(w.root, w.inter), "", 1},
				{"as PEM", asPEM, NewPool(w.inter), "", 1},
				{"the root's, empty", w.rootCRL, NewPool(w.root, w.inter), "", 0},
				{"no CA of that name", w.interCRL, NewPool(w.root), Untrusted, 0},
				{"no CAs", w.interCRL, nil, Untrusted, 0},
				{"same name, another key", w.evilCRL, NewPool(w.inter), CRLInvalid, 0},
				{"garbage", []byte("<html>502</html>"), NewPool(w.inter), Malformed, 0},
				{"truncated", w.interCRL[:len(w.interCRL)/2], NewPool(w.inter), Malformed, 0},
			} {
				rl, err := CheckCRL(c.data, c.pool)
				if got := reasonOf(t, err); got != c.want {
					t.Errorf("%s: %v, want reason %q", c.name, err, c.want)
					continue
				}
				if err != nil {
					continue
				}
				if rl.Entries != c.count || rl.NextUpdate.Sub(rl.ThisUpdate) < 29*24*time.Hour || len(rl.Raw) == 0 || rl.Issuer == nil {
					t.Errorf("%s: %+v", c.name, rl)
				}
			}
		})
	}
}
