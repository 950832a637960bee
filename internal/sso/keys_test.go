package sso_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/sso"
)

type keyStore struct {
	mu   sync.Mutex
	keys []sso.Key
}

func (s *keyStore) SigningKeys(_ context.Context, now time.Time) ([]sso.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(s.keys), func(k sso.Key) bool { return !now.Before(k.PublishUntil) }), nil
}

func (s *keyStore) CreateSigningKey(_ context.Context, k sso.Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
	return nil
}

// TestKeyRotation: a key is made when none signs; its successor is
// published a day before it retires and signs from then; a retired key
// stays published for an ID token's life, then goes.
func TestKeyRotation(t *testing.T) {
	now := t0
	n := 0
	priv, err := rsa.GenerateKey(rand.Reader, 1024) // small: the rules, not the strength, are tested
	if err != nil {
		t.Fatal(err)
	}
	k := sso.NewKeys(&keyStore{}, func() time.Time { return now }, func() (*rsa.PrivateKey, error) { return priv, nil },
		func() (string, error) { n++; return fmt.Sprintf("k%d", n), nil })
	ctx := context.Background()
	ids := func() []string {
		t.Helper()
		keys, err := k.Published(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range keys {
			out = append(out, x.ID)
		}
		return out
	}
	signing := func() string {
		t.Helper()
		key, err := k.Signing(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return key.ID
	}
	if signing() != "k1" || !slices.Equal(ids(), []string{"k1"}) {
		t.Fatalf("the first key: %s %v", signing(), ids())
	}
	now = t0.Add(sso.KeyPeriod - sso.KeyAhead - time.Hour)
	if signing() != "k1" || !slices.Equal(ids(), []string{"k1"}) {
		t.Fatalf("before the successor is due: %s %v", signing(), ids())
	}
	now = t0.Add(sso.KeyPeriod - sso.KeyAhead + time.Hour)
	if signing() != "k1" || !slices.Equal(ids(), []string{"k1", "k2"}) {
		t.Fatalf("the successor published ahead: %s %v", signing(), ids())
	}
	now = t0.Add(sso.KeyPeriod)
	if signing() != "k2" || !slices.Equal(ids(), []string{"k1", "k2"}) {
		t.Fatalf("the successor signs, the old one still published: %s %v", signing(), ids())
	}
	now = t0.Add(sso.KeyPeriod + sso.KeyOverlap)
	if signing() != "k2" || !slices.Equal(ids(), []string{"k2"}) {
		t.Fatalf("the old key gone after the overlap: %s %v", signing(), ids())
	}
	// Nothing signs for a long while (a deployment stopped): a new key.
	now = t0.Add(10 * sso.KeyPeriod)
	if got := signing(); got == "k2" || got == "" {
		t.Fatalf("after a long stop: %s", got)
	}
}
