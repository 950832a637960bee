package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/contactchange"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/store"
)

// TestContactChanges: a contact is replaced, added and found by its new
// blind index only; one another account has is the Conflict; undo records
// keep the old contact sealed and are used once; sessions keep the time of
// their last password check.
func TestContactChanges(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cc := s.ContactChanges()
		for _, a := range []struct{ id, phone, email string }{{"acc1", "+79161234567", ""}, {"acc2", "+79035550000", "b@example.com"}} {
			if err := s.Accounts().CreateAccount(ctx, newAccount(a.id, a.phone, a.email)); err != nil {
				t.Fatal(err)
			}
		}
		if err := cc.SetContact(ctx, "acc1", contact.ChannelSMS, "+79031112233", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := cc.SetContact(ctx, "acc1", contact.ChannelEmail, "a@example.com", t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Accounts().AccountByPhone(ctx, "+79031112233"); err != nil || got.ID != "acc1" || got.Email != "a@example.com" {
			t.Errorf("by the new phone: %+v %v", got, err)
		}
		if _, err := s.Accounts().AccountByPhone(ctx, "+79161234567"); problem.KindOf(err) != problem.NotFound {
			t.Errorf("by the old phone: %v", err)
		}
		for _, c := range []struct {
			ch contact.Channel
			v  string
		}{{contact.ChannelSMS, "+79035550000"}, {contact.ChannelEmail, "b@example.com"}} {
			if err := cc.SetContact(ctx, "acc1", c.ch, c.v, t0); problem.KindOf(err) != problem.Conflict {
				t.Errorf("another account's %s: %v", c.v, err)
			}
		}

		u := &contactchange.Undo{ID: "u1", AccountID: "acc1", Channel: contact.ChannelSMS, OldValue: "+79161234567", TokenHash: []byte("hash"),
			CreatedAt: t0, ExpiresAt: t0.Add(contactchange.UndoTime)}
		if err := cc.CreateContactUndo(ctx, u); err != nil {
			t.Fatal(err)
		}
		got, err := cc.ContactUndo(ctx, "u1")
		if err != nil || got.OldValue != "+79161234567" || got.Channel != contact.ChannelSMS || string(got.TokenHash) != "hash" ||
			!got.ExpiresAt.Equal(u.ExpiresAt) || !got.UsedAt.IsZero() {
			t.Errorf("read back %+v %v", got, err)
		}
		var raw []byte
		if err := s.DB().QueryRowContext(ctx, `SELECT old_value FROM contact_undos WHERE id = 'u1'`).Scan(&raw); err != nil || string(raw) == "+79161234567" {
			t.Errorf("old contact stored as %q (%v)", raw, err)
		}
		for i, want := range []bool{true, false} {
			if ok, err := cc.UseContactUndo(ctx, "u1", t0.Add(time.Minute)); ok != want || err != nil {
				t.Errorf("use %d: %v %v", i+1, ok, err)
			}
		}
		if _, err := cc.ContactUndo(ctx, "nope"); problem.KindOf(err) != problem.NotFound {
			t.Errorf("unknown undo: %v", err)
		}

		x := &session.Session{ID: "s1", TokenHash: session.HashToken("tok"), AccountID: "acc1", Method: "password", IP: "127.0.0.1",
			CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour), PasswordAt: t0}
		if err := s.Sessions().CreateSession(ctx, x); err != nil {
			t.Fatal(err)
		}
		if err := s.Sessions().SetSessionPasswordAt(ctx, "acc1", "s1", t0.Add(20*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _, err := s.Sessions().SessionByToken(ctx, x.TokenHash); err != nil || !got.PasswordAt.Equal(t0.Add(20*time.Minute)) {
			t.Errorf("password time: %v %v", got, err)
		}
		if err := s.Sessions().SetSessionPasswordAt(ctx, "acc2", "s1", t0); problem.KindOf(err) != problem.NotFound {
			t.Errorf("another account's session: %v", err)
		}
	})
}
