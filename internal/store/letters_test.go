package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/otp"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/throttle"
)

type letterGrants struct{ s *store.Store }

func (g letterGrants) Grants(ctx context.Context) (staff.Grants, error) {
	return g.s.Staff().StaffGrants(ctx)
}

type noSessions struct{}

func (noSessions) AccountChanged(context.Context, string) error { return nil }

type allowAll struct{}

func (allowAll) Take(context.Context, throttle.Rule, string) error { return nil }

type discard struct{}

func (discard) Send(context.Context, message.Notification) error { return nil }

type letterLinks struct{}

func (letterLinks) Account() string            { return "https://k.example/account" }
func (letterLinks) LetterCode(c string) string { return "https://k.example/account/letter?code=" + c }

// TestLetters: on each engine, a letter is ordered (addressee and address
// sealed: not in the table in clear), printed by a post operator under the
// role the migration grants, sent, and its code confirms the account and
// records the method; the letter, its batch and its times read back.
func TestLetters(t *testing.T) {
	rs, err := places.Load()
	if err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Accounts().CreateAccount(ctx, newAccount("acc1", "+79161234567", "")); err != nil {
			t.Fatal(err)
		}
		pd := profile.Data{Identity: person.Identity{Surname: "Щёкина", Name: "Алёна", Patronymic: "Юрьевна", BirthDate: t0.AddDate(-30, 0, 0)}}
		if err := s.Profiles().SaveVerified(ctx, "acc1", pd, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Accounts().RaiseLevel(ctx, "acc1", account.Standard, t0); err != nil {
			t.Fatal(err)
		}
		now := t0
		n := 0
		svc := letter.New(letter.Deps{Store: s.Letters(), Grants: letterGrants{s}, Sessions: noSessions{}, Limiter: allowAll{}, Notifier: discard{},
			Links: letterLinks{}, Hasher: otp.NewHasher(bytes.Repeat([]byte{1}, 32)), Regions: rs, Site: "k.example",
			Now: func() time.Time { return now }, Rand: rand.Reader, NewID: func() (string, error) { n++; return fmt.Sprintf("l%d", n), nil }})
		home := address.Address{Region: "40", Locality: "Калуга", Street: "ул. Ленина", House: "1", Flat: "2", Postcode: "248000"}
		l, err := svc.Order(ctx, "acc1", home, session.Client{IP: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		var raw []byte
		if err := s.DB().QueryRowContext(ctx, `SELECT address FROM letters WHERE id = 'l1'`).Scan(&raw); err != nil || bytes.Contains(raw, []byte("Ленина")) {
			t.Fatalf("the address in the table: %q %v", raw, err)
		}
		got, err := s.Letters().Letter(ctx, l.ID)
		if err != nil || got.Recipient != "Щёкина Алёна Юрьевна" || got.Address != home || got.Status != letter.Ordered || !got.OrderedAt.Equal(t0) {
			t.Fatalf("read back %+v %v", got, err)
		}
		post := staff.Actor{Member: &staff.Member{ID: "post1", Roles: []string{staff.RolePostOperator}}}
		now = now.Add(time.Hour)
		b, sheets, err := svc.Print(ctx, post, 50)
		if err != nil || len(sheets) != 1 {
			t.Fatalf("print %v %v", sheets, err)
		}
		if _, err := svc.MarkSent(ctx, post, b.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Letters().Letter(ctx, l.ID)
		if got.Status != letter.Sent || got.BatchID != b.ID || !got.ExpiresAt.Equal(now.Add(letter.DefaultValidity)) || len(got.CodeHash) != 32 {
			t.Fatalf("after sending %+v", got)
		}
		if bs, err := s.Letters().Batches(ctx, 5); err != nil || len(bs) != 1 || !bs[0].SentAt.Equal(now) || bs[0].Letters != 1 {
			t.Fatalf("batches %+v %v", bs, err)
		}
		if err := svc.EnterCode(ctx, "acc1", strings.ToLower(sheets[0].Code), session.Client{}); err != nil {
			t.Fatal(err)
		}
		c, err := s.Desk().Confirmation(ctx, "acc1")
		if err != nil || c.Method != letter.MethodLetter {
			t.Fatalf("confirmation %+v %v", c, err)
		}
		if a, _ := s.Accounts().AccountByID(ctx, "acc1"); a.Level != account.Confirmed {
			t.Fatalf("level %s", a.Level)
		}
		if v, err := svc.Current(ctx, "acc1"); err != nil || v.Letter.Status != letter.Used {
			t.Fatalf("current %+v %v", v, err)
		}
		if _, err := s.Letters().Letter(ctx, "nope"); problem.KindOf(err) != problem.NotFound {
			t.Fatalf("an unknown letter: %v", err)
		}
		// An erased account's letters go with it: the addressee and the
		// address are personal data.
		if err := s.Accounts().ScheduleDeletion(ctx, "acc1", t0, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Accounts().EraseAccount(ctx, "acc1", now); err != nil {
			t.Fatal(err)
		}
		var left int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM letters`).Scan(&left); err != nil || left != 0 {
			t.Errorf("after erasure %d letters, %v", left, err)
		}
	})
}
