package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/kabinet/kabinet/internal/problem"
)

// Params are argon2id's cost parameters and output sizes.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams is OWASP's first recommended argon2id setting (Password
// Storage Cheat Sheet): 46 MiB, one pass, one lane, with a 16-byte salt
// and a 32-byte key. It takes some tens of milliseconds per hash; size the
// Hasher's concurrency to the memory available (46 MiB per slot).
var DefaultParams = Params{Memory: 46 * 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// TestParams are the cheapest parameters argon2id allows, for tests only.
var TestParams = Params{Memory: 8, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on parameters, both for NewHasher and for hashes read back from
// storage, so that a corrupted or hostile stored hash cannot make Verify
// allocate gigabytes or run for minutes.
const (
	maxMemory  = 1 << 21 // KiB: 2 GiB
	maxTime    = 32
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

func (p Params) check() error {
	switch {
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("memory must be between %d and %d KiB", 8*uint32(p.Threads), maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time must be between 1 and %d", maxTime)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length must be between %d and %d bytes", minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length must be between %d and %d bytes", minKeyLen, maxKeyLen)
	}
	return nil
}

// ErrMalformedHash is wrapped by Verify's error when the stored string is
// not an argon2id hash in PHC format with acceptable parameters.
var ErrMalformedHash = errors.New("password: malformed hash")

// Hasher hashes and verifies passwords with argon2id. At most a fixed
// number of hashes run at once, so memory stays bounded (Params.Memory per
// running hash); callers wait for a slot until their context ends. A Hasher
// is safe for concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
	// waiting counts callers queued for a slot; beyond maxWaiting (when
	// positive) they are refused at once with ErrBusy.
	waiting    atomic.Int32
	maxWaiting int32
	randMu     sync.Mutex // rand need not be safe for concurrent use
	rand       io.Reader
	dummy      hash // for VerifyDummy, made once with params
}

// NewHasher returns a Hasher that hashes with p and runs at most
// maxConcurrent hashes at once (runtime.GOMAXPROCS(0) when maxConcurrent ≤
// 0). Salts are read from random (crypto/rand.Reader when nil). It computes
// one hash to serve VerifyDummy, so it takes as long as one Hash.
func NewHasher(p Params, maxConcurrent int, random io.Reader) (*Hasher, error) {
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("password: bad argon2id parameters: %w", err)
	}
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}
	if random == nil {
		random = rand.Reader
	}
	h := &Hasher{params: p, sem: make(chan struct{}, maxConcurrent), rand: random}
	secret, err := h.readRandom(32)
	if err != nil {
		return nil, err
	}
	salt, err := h.readRandom(p.SaltLen)
	if err != nil {
		return nil, err
	}
	h.dummy = hash{params: p, salt: salt, key: derive(secret, salt, p)}
	return h, nil
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of pw, such as
// "$argon2id$v=19$m=47104,t=1,p=1$<salt>$<key>", with a fresh random salt
// and salt and key in unpadded standard base64. It fails only when ctx
// ends while waiting for a slot or the random source fails.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	salt, err := h.readRandom(h.params.SaltLen)
	if err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	return hash{params: h.params, salt: salt, key: derive([]byte(pw), salt, h.params)}.String(), nil
}

// Verify reports whether pw matches the stored PHC string encoded,
// comparing in constant time with the parameters read from encoded. rehash
// is true when pw matched and encoded was made with parameters other than
// the Hasher's: the caller should store a new Hash(pw) now that it has the
// password. A malformed encoded gives an error wrapping ErrMalformedHash;
// an error is also returned when ctx ends while waiting for a slot.
func (h *Hasher) Verify(ctx context.Context, pw, encoded string) (ok, rehash bool, err error) {
	stored, err := parseHash(encoded)
	if err != nil {
		return false, false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	key := derive([]byte(pw), stored.salt, stored.params)
	ok = subtle.ConstantTimeCompare(key, stored.key) == 1
	return ok, ok && stored.params != h.params, nil
}

// VerifyDummy does the work of a Verify that fails, against a hash made
// once by NewHasher with the Hasher's parameters. Call it when the login
// names no account, so that the response time does not tell whether the
// account exists. It returns an error only when ctx ends while waiting for
// a slot.
func (h *Hasher) VerifyDummy(ctx context.Context, pw string) error {
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	key := derive([]byte(pw), h.dummy.salt, h.dummy.params)
	subtle.ConstantTimeCompare(key, h.dummy.key)
	return nil
}

// LimitQueue bounds the callers that may wait for a hashing slot: under a
// flood of sign-ins the excess is refused fast (ErrBusy, 503 with
// Retry-After) instead of queuing for seconds and holding every request
// up. n ≤ 0 lets any number wait.
func (h *Hasher) LimitQueue(n int) { h.maxWaiting = int32(n) }

// Saturated reports whether a hash asked for now would be refused with
// ErrBusy: callers check it before any other work, so that a refusal under
// a flood costs next to nothing.
func (h *Hasher) Saturated() bool {
	return h.maxWaiting > 0 && len(h.sem) == cap(h.sem) && h.waiting.Load() >= h.maxWaiting
}

// ErrBusy is returned when every hashing slot is taken and the queue for
// them is full.
var ErrBusy = &problem.Error{Kind: problem.Unavailable, Message: problem.M("server.busy", "Wait", time.Second), RetryAfter: time.Second}

func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("password: waiting to hash: %w", err)
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	if n := h.waiting.Add(1); h.maxWaiting > 0 && n > h.maxWaiting {
		h.waiting.Add(-1)
		return ErrBusy
	}
	defer h.waiting.Add(-1)
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("password: waiting to hash: %w", ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

func (h *Hasher) readRandom(n uint32) ([]byte, error) {
	b := make([]byte, n)
	h.randMu.Lock()
	defer h.randMu.Unlock()
	if _, err := io.ReadFull(h.rand, b); err != nil {
		return nil, fmt.Errorf("password: read random salt: %w", err)
	}
	return b, nil
}

// derive is argon2id itself; a variable so that a test can see which
// parameters each call pays for.
var derive = argon2id

func argon2id(pw, salt []byte, p Params) []byte {
	return argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// hash is a decoded PHC string.
type hash struct {
	params    Params // SaltLen and KeyLen are len(salt) and len(key)
	salt, key []byte
}

var b64 = base64.RawStdEncoding.Strict()

// String encodes h in PHC format.
func (h hash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.params.Memory, h.params.Time, h.params.Threads,
		b64.EncodeToString(h.salt), b64.EncodeToString(h.key))
}

// parseHash decodes "$argon2id$v=19$m=…,t=…,p=…$salt$key". It accepts only
// the canonical form String produces: that exact field order, decimal
// numbers without leading zeros, unpadded standard base64 with zero
// padding bits, parameters within the bounds of Params.check.
func parseHash(s string) (hash, error) {
	bad := func(what string) (hash, error) {
		return hash{}, fmt.Errorf("%w: %s", ErrMalformedHash, what)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("not a PHC string")
	}
	if parts[1] != "argon2id" {
		return bad("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	var p Params
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return bad("parameters")
	}
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(fields[i], name+"=")
		if !ok {
			return bad("parameters")
		}
		n, ok := parseUint32(v)
		if !ok {
			return bad("parameter " + name)
		}
		switch name {
		case "m":
			p.Memory = n
		case "t":
			p.Time = n
		case "p":
			if n > 255 {
				return bad("parameter p")
			}
			p.Threads = uint8(n)
		}
	}
	salt, ok := decodeB64(parts[4])
	if !ok {
		return bad("salt")
	}
	key, ok := decodeB64(parts[5])
	if !ok {
		return bad("key")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return bad(err.Error())
	}
	return hash{params: p, salt: salt, key: key}, nil
}

// decodeB64 decodes canonical unpadded standard base64. The decoder skips
// '\r' and '\n' even in strict mode, so the input must also be exactly
// what encoding the result gives.
func decodeB64(s string) ([]byte, bool) {
	b, err := b64.DecodeString(s)
	if err != nil || b64.EncodeToString(b) != s {
		return nil, false
	}
	return b, true
}

// parseUint32 parses a canonical decimal: digits only, no leading zero.
func parseUint32(s string) (uint32, bool) {
	if s == "" || len(s) > 10 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}
