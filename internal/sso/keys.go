package sso

import (
	"context"
	"crypto/rsa"
	"slices"
	"sync"
	"time"
)

// The provider's signing keys (issue 15 §1: JWKS with scheduled rotation,
// old keys published until every token they signed has expired, private
// keys sealed at rest). They sign ID tokens only — access tokens are
// opaque — so a retired key stays published for an ID token's life.
const (
	// IDTokenLifetime is an ID token's.
	IDTokenLifetime = time.Hour
	// KeyPeriod is how long a key signs.
	KeyPeriod = 30 * 24 * time.Hour
	// KeyAhead is how long a successor is published before it signs, so
	// that sites caching the key set know it by then.
	KeyAhead = 24 * time.Hour
	// KeyOverlap is how long a retired key stays published: an ID token's
	// life and a margin for clocks.
	KeyOverlap = IDTokenLifetime + 5*time.Minute
	// KeyBits is the size of the RSA keys (RS256, which every relying
	// party supports and OpenID Connect requires).
	KeyBits = 3072
)

// Key is a signing key.
type Key struct {
	ID           string
	Private      *rsa.PrivateKey
	CreatedAt    time.Time // published from then
	ActiveFrom   time.Time // signs from then
	RetireAt     time.Time // until then
	PublishUntil time.Time
}

// KeyStore keeps the keys (the private ones sealed).
type KeyStore interface {
	// SigningKeys returns the keys published at or after now.
	SigningKeys(ctx context.Context, now time.Time) ([]Key, error)
	CreateSigningKey(ctx context.Context, k Key) error
}

// Keys hands out the key that signs and the keys to publish, making a
// key when none signs now and its successor a day before it retires.
type Keys struct {
	store    KeyStore
	now      func() time.Time
	generate func() (*rsa.PrivateKey, error)
	newID    func() (string, error)

	mu     sync.Mutex
	cached []Key
	until  time.Time // the cache is read again then
}

// NewKeys returns the key manager; generate makes a private key (tests
// pass a smaller one), newID a key ID.
func NewKeys(store KeyStore, now func() time.Time, generate func() (*rsa.PrivateKey, error), newID func() (string, error)) *Keys {
	return &Keys{store: store, now: now, generate: generate, newID: newID}
}

// keyCache is how long the keys are kept in memory between reads: another
// node's new key is seen within it (it is published KeyAhead before it
// signs).
const keyCache = time.Minute

// keys returns the keys published now, read at most once a keyCache and
// rotated as needed.
func (k *Keys) keys(ctx context.Context) ([]Key, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if now.Before(k.until) {
		return k.cached, nil
	}
	keys, err := k.store.SigningKeys(ctx, now)
	if err != nil {
		return nil, err
	}
	current, ok := signing(keys, now)
	switch {
	case !ok:
		if keys, err = k.create(ctx, keys, now); err != nil {
			return nil, err
		}
	case current.RetireAt.Sub(now) < KeyAhead && !slices.ContainsFunc(keys, func(x Key) bool { return !x.ActiveFrom.Before(current.RetireAt) }):
		if keys, err = k.create(ctx, keys, current.RetireAt); err != nil {
			return nil, err
		}
	}
	k.cached, k.until = keys, now.Add(keyCache)
	return keys, nil
}

// create makes a key that signs from from.
func (k *Keys) create(ctx context.Context, keys []Key, from time.Time) ([]Key, error) {
	priv, err := k.generate()
	if err != nil {
		return nil, err
	}
	id, err := k.newID()
	if err != nil {
		return nil, err
	}
	key := Key{ID: id, Private: priv, CreatedAt: k.now(), ActiveFrom: from, RetireAt: from.Add(KeyPeriod)}
	key.PublishUntil = key.RetireAt.Add(KeyOverlap)
	if err := k.store.CreateSigningKey(ctx, key); err != nil {
		return nil, err
	}
	return append(keys, key), nil
}

// signing is the key that signs at now: of those active, the one that
// became so last.
func signing(keys []Key, now time.Time) (Key, bool) {
	var best Key
	ok := false
	for _, x := range keys {
		if !x.ActiveFrom.After(now) && now.Before(x.RetireAt) && (!ok || x.ActiveFrom.After(best.ActiveFrom)) {
			best, ok = x, true
		}
	}
	return best, ok
}

// Signing returns the key that signs now.
func (k *Keys) Signing(ctx context.Context) (Key, error) {
	keys, err := k.keys(ctx)
	if err != nil {
		return Key{}, err
	}
	if key, ok := signing(keys, k.now()); ok {
		return key, nil
	}
	// The cache's key retired within the cache's minute: read again.
	k.mu.Lock()
	k.until = time.Time{}
	k.mu.Unlock()
	if keys, err = k.keys(ctx); err != nil {
		return Key{}, err
	}
	key, _ := signing(keys, k.now())
	return key, nil
}

// Published returns the keys to publish now: made, and not past their
// PublishUntil.
func (k *Keys) Published(ctx context.Context) ([]Key, error) {
	keys, err := k.keys(ctx)
	if err != nil {
		return nil, err
	}
	now := k.now()
	return slices.DeleteFunc(slices.Clone(keys), func(x Key) bool { return !now.Before(x.PublishUntil) }), nil
}
