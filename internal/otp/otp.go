// Package otp makes and checks one-time secrets: six-digit codes sent by SMS
// or e-mail and long tokens put into e-mailed links.
//
// Only keyed hashes (HMAC-SHA256) of codes and tokens are stored; a hash is
// bound to a purpose and to the flow it was issued for, so a code leaked from
// one flow is worthless in another. Comparison is constant-time. Counting
// attempts is the caller's job and happens before the comparison.
//
// otp imports problem and the standard library.
package otp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"io"
	"strings"

	"github.com/kabinet/kabinet/internal/problem"
)

// Digits is the length of a code.
const Digits = 6

// Generate returns a uniformly random code of Digits digits.
func Generate(r io.Reader) (string, error) {
	const limit = 1_000_000
	// Rejection sampling: 2^32 is not a multiple of 10^6.
	const ceiling = (1 << 32) / limit * limit
	var b [4]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", err
		}
		if n := binary.BigEndian.Uint32(b[:]); n < ceiling {
			s := make([]byte, Digits)
			v := n % limit
			for i := Digits - 1; i >= 0; i-- {
				s[i] = byte('0' + v%10)
				v /= 10
			}
			return string(s), nil
		}
	}
}

// NewToken returns a random token for a link (256 bits, URL-safe).
func NewToken(r io.Reader) (string, error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Normalize accepts a code as people type it ("123 456", "123-456", with
// full-width or surrounding spaces) and returns its digits, or the message
// "code.format" when it cannot be a code.
func Normalize(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", problem.M("code.required")
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '-' || r == '\u00a0':
		default:
			return "", problem.M("code.format", "Digits", Digits)
		}
		if b.Len() > Digits {
			return "", problem.M("code.format", "Digits", Digits)
		}
	}
	if b.Len() != Digits {
		return "", problem.M("code.format", "Digits", Digits)
	}
	return b.String(), nil
}

// Hasher computes keyed hashes of codes and tokens.
type Hasher struct {
	key []byte   // makes new hashes
	old [][]byte // also accepted: a code issued before a key rotation still works
}

// NewHasher returns a hasher under keys (each at least 32 bytes, from
// pii.Subkeys): the first makes new hashes, the others are accepted too,
// so that a code sent before the master secret changed still verifies
// after the nodes restart with the new one.
func NewHasher(keys ...[]byte) Hasher {
	if len(keys) == 0 {
		panic("otp: NewHasher without a key")
	}
	return Hasher{key: keys[0], old: keys[1:]}
}

// Hash binds secret to a purpose ("registration.code", "recovery.link", …)
// and to the flow or record it was issued for.
func (h Hasher) Hash(purpose, owner, secret string) []byte {
	return hash(h.key, purpose, owner, secret)
}

func hash(key []byte, purpose, owner, secret string) []byte {
	m := hmac.New(sha256.New, key)
	for _, part := range []string{purpose, owner, secret} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(part)))
		m.Write(n[:])
		m.Write([]byte(part))
	}
	return m.Sum(nil)
}

// Equal reports, in constant time, whether secret matches a stored hash. An
// empty stored hash never matches. A hash made under an old key matches
// too.
func (h Hasher) Equal(stored []byte, purpose, owner, secret string) bool {
	if len(stored) == 0 {
		return false
	}
	ok := hmac.Equal(stored, h.Hash(purpose, owner, secret))
	for _, k := range h.old {
		ok = hmac.Equal(stored, hash(k, purpose, owner, secret)) || ok // every key, whatever matched
	}
	return ok
}
