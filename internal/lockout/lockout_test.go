package lockout

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"
)

// TestDeviceToken: a token works for the account it was made for and for
// no other, and any change to it makes it a stranger's.
func TestDeviceToken(t *testing.T) {
	s := New(nil, nil, Policy{}, [][]byte{[]byte("device test key")}, time.Now, rand.Reader)
	tok, err := s.DeviceToken("acc1")
	if err != nil {
		t.Fatal(err)
	}
	nonce, ok := s.device(tok, "acc1")
	if !ok || nonce == "" || !strings.HasPrefix(tok, nonce+".") {
		t.Fatalf("own token refused: %q", tok)
	}
	other, _ := s.DeviceToken("acc1")
	if other == tok {
		t.Error("two tokens alike")
	}
	forged := []string{
		"", ".", tok + "x", "x" + tok, strings.Replace(tok, ".", "", 1), nonce + ".", "." + strings.SplitN(tok, ".", 2)[1],
		strings.Repeat("a", 200),
	}
	for _, f := range forged {
		if _, ok := s.device(f, "acc1"); ok {
			t.Errorf("forged token %q accepted", f)
		}
	}
	if _, ok := s.device(tok, "acc2"); ok {
		t.Error("a token works for another account")
	}
	if _, ok := s.device(tok, ""); ok {
		t.Error("a token works for an unknown login")
	}
	if _, ok := New(nil, nil, Policy{}, [][]byte{[]byte("another key")}, time.Now, rand.Reader).device(tok, "acc1"); ok {
		t.Error("a token made under another key works")
	}
}

// FuzzDeviceToken: no input makes the token check panic or accept a token not
// made for the account.
func FuzzDeviceToken(f *testing.F) {
	s := New(nil, nil, Policy{}, [][]byte{[]byte("device test key")}, time.Now, rand.Reader)
	tok, _ := s.DeviceToken("acc1")
	f.Add(tok)
	f.Add("a.b")
	f.Fuzz(func(t *testing.T, in string) {
		if _, ok := s.device(in, "acc2"); ok {
			t.Fatalf("accepted %q for another account", in)
		}
	})
}
