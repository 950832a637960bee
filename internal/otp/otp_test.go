package otp

import (
	"bytes"
	"crypto/rand"
	"testing"
)

func TestGenerateIsSixDigitsAndVaries(t *testing.T) {
	seen := map[string]bool{}
	counts := [10]int{}
	for range 2000 {
		c, err := Generate(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != Digits {
			t.Fatalf("code %q", c)
		}
		for _, d := range c {
			if d < '0' || d > '9' {
				t.Fatalf("code %q", c)
			}
			counts[d-'0']++
		}
		seen[c] = true
	}
	if len(seen) < 1990 {
		t.Errorf("only %d distinct codes in 2000", len(seen))
	}
	for d, n := range counts { // 12000 digits, 1200 expected each
		if n < 1000 || n > 1400 {
			t.Errorf("digit %d appears %d times in 12000", d, n)
		}
	}
	// Leading zeros are kept.
	c, _ := Generate(bytes.NewReader([]byte{0, 0, 0, 7}))
	if c != "000007" {
		t.Errorf("Generate(7) = %q", c)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"123456": "123456", " 123 456 ": "123456", "123-456": "123456", "１２３４５６": "123456"} {
		if got, err := Normalize(in); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v", in, got, err)
		}
	}
	for in, id := range map[string]string{"": "code.required", "12345": "code.format", "1234567": "code.format", "12a456": "code.format", "12345678901234567890": "code.format"} {
		if _, err := Normalize(in); err == nil || err.Error() != id {
			t.Errorf("Normalize(%q) error = %v, want %s", in, err, id)
		}
	}
}

func TestHasherBindsPurposeAndOwner(t *testing.T) {
	h := NewHasher(bytes.Repeat([]byte{9}, 32))
	stored := h.Hash("registration.code", "flow1", "123456")
	if !h.Equal(stored, "registration.code", "flow1", "123456") {
		t.Fatal("right code rejected")
	}
	for _, c := range [][3]string{
		{"registration.code", "flow1", "123457"},
		{"registration.code", "flow2", "123456"},
		{"recovery.code", "flow1", "123456"},
		{"registration.code", "flow11", "23456"}, // length-prefixing keeps parts apart
	} {
		if h.Equal(stored, c[0], c[1], c[2]) {
			t.Errorf("accepted %v", c)
		}
	}
	if h.Equal(nil, "a", "b", "") {
		t.Error("empty stored hash matched")
	}
	tok, _ := NewToken(rand.Reader)
	if len(tok) != 43 {
		t.Errorf("token %q", tok)
	}
}

// TestHasherAcceptsOldKeys: after a rotation a code hashed under the old
// key still matches; new hashes use the new key only; a hasher without the
// old key refuses the old hash.
func TestHasherAcceptsOldKeys(t *testing.T) {
	a, b := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	before := NewHasher(a).Hash("signin.code", "f1", "123456")
	rotated := NewHasher(b, a)
	for _, c := range []struct {
		h      Hasher
		stored []byte
		code   string
		want   bool
	}{
		{rotated, before, "123456", true},
		{rotated, before, "654321", false},
		{rotated, rotated.Hash("signin.code", "f1", "123456"), "123456", true},
		{NewHasher(b), before, "123456", false},
		{NewHasher(a), rotated.Hash("signin.code", "f1", "123456"), "123456", false},
	} {
		if got := c.h.Equal(c.stored, "signin.code", "f1", c.code); got != c.want {
			t.Errorf("Equal(%x…, %s) = %v, want %v", c.stored[:4], c.code, got, c.want)
		}
	}
	if !bytes.Equal(rotated.Hash("p", "o", "s"), NewHasher(b).Hash("p", "o", "s")) {
		t.Error("new hashes are not under the first key")
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"123456", " 12 34 56", "abc", "１２３４５６", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Normalize(s)
		if err != nil {
			return
		}
		if len(got) != Digits {
			t.Fatalf("Normalize(%q) = %q", s, got)
		}
		if again, err := Normalize(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}
