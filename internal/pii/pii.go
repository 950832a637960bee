// Package pii protects personal data at rest: authenticated encryption of
// field values under a key ring that supports rotation, and keyed hashes
// ("blind indexes") that let the store look a phone number or an e-mail
// address up without keeping it in clear.
//
// Every key is derived with HKDF-SHA256 from a master secret. Ciphertexts
// carry the ID of the key that sealed them, so data written under an old
// master secret still opens while that secret is listed as old. Blind
// indexes and code hashes are made under the current secret; while old
// secrets are listed, look-ups and checks also try theirs (Indexes,
// Subkeys), until `kabinet rekey` has rebuilt every stored one (see
// docs/decisions/0003-personal-data-at-rest.md and 0010-key-rotation.md).
//
// pii imports only the standard library.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MinSecretLen is the shortest master secret accepted, in bytes.
const MinSecretLen = 32

const version = 1

// ErrDecrypt is returned when a ciphertext was tampered with, belongs to
// another field, or was sealed under a key the ring does not hold.
var ErrDecrypt = errors.New("pii: cannot decrypt")

// ParseSecret decodes a base64 (standard or URL alphabet, padded or not)
// master secret and checks its length.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) < MinSecretLen {
				return nil, fmt.Errorf("pii: secret is %d bytes, want at least %d", len(b), MinSecretLen)
			}
			return b, nil
		}
	}
	return nil, errors.New("pii: secret is not base64")
}

// GenerateSecret returns a new random master secret, base64-encoded.
func GenerateSecret(r io.Reader) (string, error) {
	b := make([]byte, MinSecretLen)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

type sealKey struct {
	id   uint32
	aead cipher.AEAD
}

// Keyring seals and opens personal data and computes keyed hashes. It is
// safe for concurrent use.
type Keyring struct {
	current sealKey
	byID    map[uint32]sealKey
	// index holds the blind-index keys, the current master's first.
	index [][]byte
	// masters are the current master secret and then the old ones, each
	// once.
	masters [][]byte
	rand    io.Reader
}

// NewKeyring builds a key ring from the current master secret and any old
// ones. rand is the source of nonces (crypto/rand.Reader when nil).
func NewKeyring(master []byte, old [][]byte, r io.Reader) (*Keyring, error) {
	if len(master) < MinSecretLen {
		return nil, fmt.Errorf("pii: master secret is %d bytes, want at least %d", len(master), MinSecretLen)
	}
	if r == nil {
		r = rand.Reader
	}
	k := &Keyring{byID: map[uint32]sealKey{}, rand: r}
	for i, m := range append([][]byte{master}, old...) {
		sk, err := newSealKey(m)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			k.current = sk
		}
		if _, dup := k.byID[sk.id]; dup {
			continue // an old secret listed twice, or the current one again
		}
		k.byID[sk.id] = sk
		k.masters = append(k.masters, m)
		k.index = append(k.index, derive(m, "kabinet/pii/blind-index/v1", 32))
	}
	return k, nil
}

func newSealKey(master []byte) (sealKey, error) {
	key := derive(master, "kabinet/pii/aes-256-gcm/v1", 32)
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealKey{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealKey{}, err
	}
	sum := sha256.Sum256(key)
	return sealKey{id: binary.BigEndian.Uint32(sum[:4]), aead: aead}, nil
}

func derive(master []byte, label string, n int) []byte {
	b, err := hkdf.Key(sha256.New, master, nil, label, n)
	if err != nil {
		panic("pii: hkdf: " + err.Error()) // only for impossible lengths
	}
	return b
}

// Subkey derives a key for another purpose (code hashes, session tokens)
// from the current master secret. Labels must be unique per purpose.
func (k *Keyring) Subkey(label string) []byte { return derive(k.masters[0], "kabinet/"+label, 32) }

// Subkeys derives the key for label from every master secret the ring
// holds, the current one's first: what a hash made before a rotation is
// checked against. New hashes use only the first (Subkey).
func (k *Keyring) Subkeys(label string) [][]byte {
	out := make([][]byte, len(k.masters))
	for i, m := range k.masters {
		out[i] = derive(m, "kabinet/"+label, 32)
	}
	return out
}

// Rotating reports whether the ring holds old master secrets besides the
// current one.
func (k *Keyring) Rotating() bool { return len(k.masters) > 1 }

// KeyID names the current master secret's sealing key (8 hex digits, the
// ID ciphertexts carry): it tells one rotation's target from another's
// and says nothing of the key.
func (k *Keyring) KeyID() string { return fmt.Sprintf("%08x", k.current.id) }

// Seal encrypts plaintext. context names where the value lives (for example
// "accounts.phone/<account id>"): a ciphertext opens only under the same
// context, so values cannot be swapped between rows or columns.
func (k *Keyring) Seal(plaintext []byte, context string) []byte {
	a := k.current.aead
	out := make([]byte, 5, 5+a.NonceSize()+len(plaintext)+a.Overhead())
	out[0] = version
	binary.BigEndian.PutUint32(out[1:5], k.current.id)
	nonce := out[5 : 5+a.NonceSize()]
	out = out[:5+a.NonceSize()]
	if _, err := io.ReadFull(k.rand, nonce); err != nil {
		panic("pii: no randomness: " + err.Error())
	}
	return a.Seal(out, nonce, plaintext, []byte(context))
}

// Open decrypts a value sealed by Seal under the same context.
func (k *Keyring) Open(ciphertext []byte, context string) ([]byte, error) {
	if len(ciphertext) < 5 || ciphertext[0] != version {
		return nil, ErrDecrypt
	}
	sk, ok := k.byID[binary.BigEndian.Uint32(ciphertext[1:5])]
	if !ok {
		return nil, ErrDecrypt
	}
	n := sk.aead.NonceSize()
	if len(ciphertext) < 5+n+sk.aead.Overhead() {
		return nil, ErrDecrypt
	}
	pt, err := sk.aead.Open(nil, ciphertext[5:5+n], ciphertext[5+n:], []byte(context))
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// SealString and OpenString are Seal and Open for text. An empty string
// seals to nil, so optional fields stay NULL in the database.
func (k *Keyring) SealString(s, context string) []byte {
	if s == "" {
		return nil
	}
	return k.Seal([]byte(s), context)
}

// OpenString opens a value sealed by SealString; nil opens to "".
func (k *Keyring) OpenString(ciphertext []byte, context string) (string, error) {
	if ciphertext == nil {
		return "", nil
	}
	b, err := k.Open(ciphertext, context)
	return string(b), err
}

// NeedsReseal reports whether a ciphertext was sealed under an old key (or
// an unknown one: Open tells which).
func (k *Keyring) NeedsReseal(ciphertext []byte) bool {
	return len(ciphertext) >= 5 && binary.BigEndian.Uint32(ciphertext[1:5]) != k.current.id
}

// Index returns the keyed hash of a normalized value of some kind ("phone",
// "email", "snils"), used for unique lookups. Equal inputs give equal
// indexes; nothing about the value can be learnt without the key. It uses
// the current master secret: it is what new rows store.
func (k *Keyring) Index(kind, value string) []byte { return index(k.index[0], kind, value) }

// Indexes returns the value's index under every master secret the ring
// holds, the current one's first: what a look-up searches for while a
// rotation is under way and some rows still carry an old index.
func (k *Keyring) Indexes(kind, value string) [][]byte {
	out := make([][]byte, len(k.index))
	for i, key := range k.index {
		out[i] = index(key, kind, value)
	}
	return out
}

func index(key []byte, kind, value string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}
