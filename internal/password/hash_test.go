package password

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
)

func newTestHasher(t testing.TB, p Params, n int) *Hasher {
	t.Helper()
	h, err := NewHasher(p, n, nil)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestDefaultParams(t *testing.T) {
	want := Params{Memory: 47104, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	if DefaultParams != want {
		t.Errorf("DefaultParams = %+v, want OWASP's %+v", DefaultParams, want)
	}
	for _, p := range []Params{DefaultParams, TestParams} {
		if err := p.check(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}

func TestHashFormat(t *testing.T) {
	ctx := context.Background()
	// A fixed random source gives a fixed salt.
	h, err := NewHasher(TestParams, 1, bytes.NewReader(bytes.Repeat([]byte{7}, 1024)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := h.Hash(ctx, "Xk9#mP2vLq7")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "$argon2id$v=19$m=8,t=1,p=1$BwcHBwcHBwcHBwcHBwcHBw$"
	if !strings.HasPrefix(s, prefix) || len(s) != len(prefix)+43 || strings.Contains(s, "=$") || strings.HasSuffix(s, "=") {
		t.Errorf("Hash = %q, want %s<43 base64 characters>", s, prefix)
	}
	d := newTestHasher(t, DefaultParams, 1)
	if s, _ := d.Hash(ctx, "x"); !strings.HasPrefix(s, "$argon2id$v=19$m=47104,t=1,p=1$") {
		t.Errorf("Hash with DefaultParams = %q", s)
	}
}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := newTestHasher(t, TestParams, 0)
	s1, err := h.Hash(ctx, "Xk9#mP2vLq7")
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := h.Hash(ctx, "Xk9#mP2vLq7")
	if s1 == s2 {
		t.Error("two hashes of one password are equal: salt is not random")
	}
	tests := []struct {
		pw, encoded  string
		ok, rehash   bool
		malformedErr bool
	}{
		{"Xk9#mP2vLq7", s1, true, false, false},
		{"Xk9#mP2vLq7", s2, true, false, false},
		{"Xk9#mP2vLq8", s1, false, false, false},
		{"", s1, false, false, false},
		// Reference vector from the Argon2 reference implementation (test.c).
		{"password", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", true, true, false},
		{"wrong", "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", false, false, false},
		{"x", "", false, false, true},
		{"x", "$argon2i$v=19$m=8,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", false, false, true},
		{"x", strings.Replace(s1, "v=19", "v=16", 1), false, false, true},
		{"x", strings.Replace(s1, "m=8,", "m=08,", 1), false, false, true},
		{"x", strings.Replace(s1, "m=8,", "m=4294967296,", 1), false, false, true},
		{"x", strings.Replace(s1, "m=8,", "m=99999999,", 1), false, false, true}, // over 2 GiB
		{"x", strings.Replace(s1, "t=1,", "t=0,", 1), false, false, true},
		{"x", strings.Replace(s1, "p=1$", "p=300$", 1), false, false, true},
		{"x", strings.Replace(s1, "m=8,t=1,p=1", "t=1,m=8,p=1", 1), false, false, true},
		{"x", s1 + "$", false, false, true},
		{"x", s1 + "=", false, false, true},
		{"x", s1[:len(s1)-10] + "\n" + s1[len(s1)-10:], false, false, true}, // the decoder skips newlines
		{"x", "$argon2id$v=19$m=8,t=1,p=1$$" + s1[strings.LastIndex(s1, "$")+1:], false, false, true},
		{"x", "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ$c2hvcnQ", false, false, true}, // 5-byte key
	}
	for _, tt := range tests {
		ok, rehash, err := h.Verify(ctx, tt.pw, tt.encoded)
		if ok != tt.ok || rehash != tt.rehash || (err != nil) != tt.malformedErr {
			t.Errorf("Verify(%q, %q) = %v, %v, %v; want %v, %v, malformed %v", tt.pw, tt.encoded, ok, rehash, err, tt.ok, tt.rehash, tt.malformedErr)
		}
		if err != nil && !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q): error %v does not wrap ErrMalformedHash", tt.encoded, err)
		}
	}
}

func TestRehash(t *testing.T) {
	ctx := context.Background()
	old := newTestHasher(t, TestParams, 1)
	s, _ := old.Hash(ctx, "Xk9#mP2vLq7")
	stronger := TestParams
	stronger.Time = 2
	for _, tt := range []struct {
		p    Params
		want bool
	}{
		{TestParams, false},
		{stronger, true},
		{Params{Memory: 8, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64}, true},
		{Params{Memory: 8, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32}, true},
	} {
		h := newTestHasher(t, tt.p, 1)
		ok, rehash, err := h.Verify(ctx, "Xk9#mP2vLq7", s)
		if !ok || rehash != tt.want || err != nil {
			t.Errorf("Verify with %+v = %v, %v, %v; want true, %v, nil", tt.p, ok, rehash, err, tt.want)
		}
	}
}

func TestNewHasherRejects(t *testing.T) {
	bad := []Params{
		{},
		{Memory: 8, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 4, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 8, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32},
		{Memory: 8, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 8, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		{Memory: 1 << 30, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	}
	for _, p := range bad {
		if _, err := NewHasher(p, 1, nil); err == nil {
			t.Errorf("NewHasher(%+v) succeeded", p)
		}
	}
	if _, err := NewHasher(TestParams, 1, bytes.NewReader(nil)); err == nil {
		t.Error("NewHasher with an empty random source succeeded")
	}
}

// TestConcurrencyBound checks that no more hashes run at once than the
// Hasher allows, and that waiting for a slot ends with the context.
func TestConcurrencyBound(t *testing.T) {
	h := newTestHasher(t, TestParams, 2)
	if cap(h.sem) != 2 {
		t.Fatalf("semaphore size %d, want 2", cap(h.sem))
	}
	if def := newTestHasher(t, TestParams, 0); cap(def.sem) < 1 {
		t.Fatalf("default semaphore size %d", cap(def.sem))
	}

	// Occupy both slots: the next Hash must wait, then give up with ctx.
	h.sem <- struct{}{}
	h.sem <- struct{}{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash with full slots = %v, want DeadlineExceeded", err)
	}
	s, _ := newTestHasher(t, TestParams, 1).Hash(context.Background(), "x")
	if _, _, err := h.Verify(ctx, "x", s); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Verify with full slots = %v, want DeadlineExceeded", err)
	}
	if err := h.VerifyDummy(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("VerifyDummy with full slots = %v, want DeadlineExceeded", err)
	}
	<-h.sem
	<-h.sem

	// Under load, the slots are never exceeded.
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if err := h.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			h.release()
		})
	}
	wg.Wait()
	if p := peak.Load(); p > 2 {
		t.Errorf("%d hashes ran at once, want at most 2", p)
	}
}

func TestVerifyDummy(t *testing.T) {
	h := newTestHasher(t, TestParams, 1)
	if h.dummy.params != h.params {
		t.Errorf("dummy hash params %+v, want the hasher's %+v", h.dummy.params, h.params)
	}
	if len(h.dummy.salt) != int(h.params.SaltLen) || len(h.dummy.key) != int(h.params.KeyLen) {
		t.Errorf("dummy hash has a %d-byte salt and a %d-byte key", len(h.dummy.salt), len(h.dummy.key))
	}
	if err := h.VerifyDummy(context.Background(), "anything"); err != nil {
		t.Error(err)
	}
}

// TestVerifyDummyCost: a dummy verification (an unknown login) pays for
// exactly what a real failed one pays for — one argon2id with the same
// parameters — so the two cannot be told apart by their time. Counted, not
// timed: a timing test on a shared machine is a flaky test.
func TestVerifyDummyCost(t *testing.T) {
	ctx := context.Background()
	h := newTestHasher(t, DefaultParams, 1)
	s, _ := h.Hash(ctx, "Xk9#mP2vLq7")
	var calls []Params
	real := derive
	derive = func(pw, salt []byte, p Params) []byte {
		calls = append(calls, p)
		return real(pw, salt, TestParams) // the cheapest, for speed: only the parameters asked for matter here
	}
	t.Cleanup(func() { derive = real })

	if ok, _, err := h.Verify(ctx, "wrong", s); ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	if err := h.VerifyDummy(ctx, "wrong"); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[0] != calls[1] || calls[0] != DefaultParams {
		t.Errorf("a failed Verify and VerifyDummy derived with %+v, want DefaultParams once each", calls)
	}
}

func FuzzParseHash(f *testing.F) {
	h := newTestHasher(f, TestParams, 1)
	s, _ := h.Hash(context.Background(), "Xk9#mP2vLq7")
	for _, seed := range []string{
		s,
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
		"$argon2id$v=19$m=47104,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=8,t=1,p=1$$",
		"$argon2id$v=19$m=0,t=0,p=0$c29tZXNhbHQ$c29tZXNhbHQ",
		"$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
		"", "$", "$$$$$", "$argon2id$v=19$m=-1,t=1,p=1$a$b",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dec, err := parseHash(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("parseHash(%q): error %v does not wrap ErrMalformedHash", s, err)
			}
			return
		}
		// Only the canonical form is accepted: encoding what was read gives
		// the input back.
		if got := dec.String(); got != s {
			t.Fatalf("parseHash(%q) re-encodes as %q", s, got)
		}
		if err := dec.params.check(); err != nil {
			t.Fatalf("parseHash(%q) accepted params %+v: %v", s, dec.params, err)
		}
		// Verify runs on cheap parameters without panicking and agrees
		// with the parser.
		if dec.params.Memory <= 1024 && dec.params.Time <= 2 {
			ok, rehash, err := h.Verify(context.Background(), "Xk9#mP2vLq7", s)
			if err != nil || (rehash && !ok) {
				t.Fatalf("Verify(%q) = %v, %v, %v", s, ok, rehash, err)
			}
		}
	})
}

func BenchmarkHash(b *testing.B) {
	h := newTestHasher(b, DefaultParams, 0)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "Xk9#mP2vLq7"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := newTestHasher(b, DefaultParams, 0)
	ctx := context.Background()
	s, err := h.Hash(ctx, "Xk9#mP2vLq7")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, "Xk9#mP2vLq7", s); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkVerifyDummy(b *testing.B) {
	h := newTestHasher(b, DefaultParams, 0)
	ctx := context.Background()
	for b.Loop() {
		if err := h.VerifyDummy(ctx, "Xk9#mP2vLq7"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStrength(b *testing.B) {
	for b.Loop() {
		Strength("Xk9#mP2vLq7", "Иван", "Петров", "+79161234567", "ivan.petrov@mail.ru")
	}
}

// TestQueueBound: with every slot taken and the queue full, a further
// check is refused at once with ErrBusy, and a queued one still runs once a
// slot frees.
func TestQueueBound(t *testing.T) {
	h, err := NewHasher(TestParams, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.LimitQueue(1)
	ctx := context.Background()
	if err := h.acquire(ctx); err != nil { // the only slot
		t.Fatal(err)
	}
	queued := make(chan error, 1)
	go func() { _, err := h.Hash(ctx, "Vesna-2026!kab"); queued <- err }()
	for h.waiting.Load() != 1 { // the goroutine is in the queue
		runtime.Gosched()
	}
	if _, err := h.Hash(ctx, "Vesna-2026!kab"); !errors.Is(err, ErrBusy) {
		t.Fatalf("over the queue: %v, want ErrBusy", err)
	}
	if p, ok := problem.As(ErrBusy); !ok || p.Kind != problem.Unavailable || p.RetryAfter <= 0 {
		t.Errorf("ErrBusy is %+v, want 503 with Retry-After", p)
	}
	h.release()
	if err := <-queued; err != nil {
		t.Errorf("the queued hash: %v", err)
	}
}
