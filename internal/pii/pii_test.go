package pii

import (
	"bytes"
	"crypto/rand"
	"testing"
)

func secret(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestSealOpen(t *testing.T) {
	k, err := NewKeyring(secret(1), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ct := k.Seal([]byte("Иванов"), "accounts.surname/a1")
	if bytes.Contains(ct, []byte("Иванов")) {
		t.Fatal("plaintext visible in ciphertext")
	}
	got, err := k.Open(ct, "accounts.surname/a1")
	if err != nil || string(got) != "Иванов" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := k.Open(ct, "accounts.surname/a2"); err != ErrDecrypt {
		t.Errorf("opened under another row's context: %v", err)
	}
	ct[len(ct)-1] ^= 1
	if _, err := k.Open(ct, "accounts.surname/a1"); err != ErrDecrypt {
		t.Errorf("tampered ciphertext opened: %v", err)
	}
	for _, bad := range [][]byte{nil, {}, {1}, {2, 0, 0, 0, 0}, make([]byte, 20)} {
		if _, err := k.Open(bad, "x"); err != ErrDecrypt {
			t.Errorf("Open(%x) = %v", bad, err)
		}
	}
	if a, b := k.Seal([]byte("x"), "c"), k.Seal([]byte("x"), "c"); bytes.Equal(a, b) {
		t.Error("two seals of the same value are equal: nonce reuse")
	}
}

func TestRotation(t *testing.T) {
	old, _ := NewKeyring(secret(1), nil, nil)
	ct := old.Seal([]byte("+79161234567"), "p")
	rotated, err := NewKeyring(secret(2), [][]byte{secret(1)}, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(ct, "p"); err != nil || string(got) != "+79161234567" {
		t.Fatalf("old ciphertext after rotation: %q, %v", got, err)
	}
	if !rotated.NeedsReseal(ct) || rotated.NeedsReseal(rotated.Seal([]byte("x"), "p")) {
		t.Error("NeedsReseal wrong")
	}
	fresh, _ := NewKeyring(secret(2), nil, nil)
	if _, err := fresh.Open(ct, "p"); err != ErrDecrypt {
		t.Error("opened without the old key")
	}
}

func TestIndex(t *testing.T) {
	k1, _ := NewKeyring(secret(1), nil, nil)
	k2, _ := NewKeyring(secret(2), nil, nil)
	if !bytes.Equal(k1.Index("phone", "+79161234567"), k1.Index("phone", "+79161234567")) {
		t.Error("index not deterministic")
	}
	if bytes.Equal(k1.Index("phone", "+79161234567"), k1.Index("email", "+79161234567")) {
		t.Error("kinds share an index space")
	}
	if bytes.Equal(k1.Index("phone", "+79161234567"), k2.Index("phone", "+79161234567")) {
		t.Error("index does not depend on the key")
	}
	if bytes.Equal(k1.Subkey("otp"), k1.Subkey("session")) {
		t.Error("subkeys collide")
	}
}

// TestRotatingIndexesAndSubkeys: during a rotation a look-up searches the
// current index first and then the old ones; hashes are checked under the
// old subkeys too; a secret listed twice counts once.
func TestRotatingIndexesAndSubkeys(t *testing.T) {
	a, _ := NewKeyring(secret(1), nil, nil)
	b, _ := NewKeyring(secret(2), nil, nil)
	ab, _ := NewKeyring(secret(2), [][]byte{secret(1), secret(1), secret(2)}, nil)
	if a.Rotating() || !ab.Rotating() {
		t.Error("Rotating wrong")
	}
	if a.KeyID() == b.KeyID() || ab.KeyID() != b.KeyID() {
		t.Errorf("KeyID: a %s, b %s, ab %s", a.KeyID(), b.KeyID(), ab.KeyID())
	}
	idx := ab.Indexes("phone", "+79161234567")
	if len(idx) != 2 || !bytes.Equal(idx[0], b.Index("phone", "+79161234567")) || !bytes.Equal(idx[1], a.Index("phone", "+79161234567")) {
		t.Errorf("Indexes = %x", idx)
	}
	if !bytes.Equal(ab.Index("phone", "x"), b.Index("phone", "x")) {
		t.Error("Index is not the current master's")
	}
	sub := ab.Subkeys("otp/v1")
	if len(sub) != 2 || !bytes.Equal(sub[0], b.Subkey("otp/v1")) || !bytes.Equal(sub[1], a.Subkey("otp/v1")) {
		t.Errorf("Subkeys = %x", sub)
	}
	if got := a.Indexes("email", "x"); len(got) != 1 || !bytes.Equal(got[0], a.Index("email", "x")) {
		t.Errorf("Indexes without old secrets = %x", got)
	}
}

func TestSecrets(t *testing.T) {
	s, err := GenerateSecret(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ParseSecret(s)
	if err != nil || len(b) != MinSecretLen {
		t.Fatalf("ParseSecret(generated) = %d bytes, %v", len(b), err)
	}
	for _, bad := range []string{"", "short", "not base64 at all!!!", "c2hvcnQ="} {
		if _, err := ParseSecret(bad); err == nil {
			t.Errorf("ParseSecret(%q) accepted", bad)
		}
	}
	if _, err := NewKeyring([]byte("short"), nil, nil); err == nil {
		t.Error("short master accepted")
	}
}
