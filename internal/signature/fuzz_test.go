package signature_test

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/problem"
)

// FuzzConfirm: whatever is uploaded, Confirm does not panic, and refuses
// anything but a good signature with a problem the citizen can read (never
// an internal error).
func FuzzConfirm(f *testing.F) {
	e := newEnv(f, "ecdsaP256", "root")
	ctx := context.Background()
	e.lim.off = true
	st, err := e.svc.Statement(ctx, "acc")
	if err != nil {
		f.Fatal(err)
	}
	good := e.p.sign(f, "good", st.Bytes())
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(good[:len(good)-1])
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: good}))
	f.Add([]byte(base64.StdEncoding.EncodeToString(good)))
	f.Add(e.p.sign(f, "revoked", st.Bytes()))
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x80, 0x06, 0x09})
	f.Add([]byte("-----BEGIN CMS-----\n!!!\n-----END CMS-----\n"))
	f.Fuzz(func(t *testing.T, upload []byte) {
		e.st.accounts["acc"].Level = account.Standard
		for _, s := range e.st.statements {
			s.UsedAt = time.Time{}
		}
		e.st.audit, e.else_.calls, e.notes.sent, e.sess.changed = nil, nil, nil, nil
		_, err := e.svc.Confirm(ctx, "acc", upload, citizen)
		if err == nil {
			return
		}
		if p, ok := problem.As(err); !ok || p.Kind == problem.Internal {
			t.Fatalf("%x: %v (%T) is not a problem for the citizen", upload, err, err)
		}
		if e.st.accounts["acc"].Level != account.Standard {
			t.Fatal("a refused upload confirmed the account")
		}
	})
}
