package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/contactchange"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/extras"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/testenv"
)

// masters returns a key ring with current secret b and the old ones.
func masters(t testing.TB, b byte, old ...byte) *pii.Keyring {
	var olds [][]byte
	for _, o := range old {
		olds = append(olds, bytes.Repeat([]byte{o}, 32))
	}
	k, err := pii.NewKeyring(bytes.Repeat([]byte{b}, 32), olds, nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// eachDatabase runs f on SQLite and PostgreSQL with open, which opens (and
// migrates) one database per engine under the key ring it is given, as a
// node restarted with other secrets does.
func eachDatabase(t *testing.T, f func(t *testing.T, open func(*pii.Keyring) *store.Store)) {
	opener := func(t *testing.T, o store.Options) func(*pii.Keyring) *store.Store {
		return func(k *pii.Keyring) *store.Store {
			s, err := store.Open(context.Background(), o, k)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		f(t, opener(t, store.Options{SQLitePath: filepath.Join(t.TempDir(), "k.db")}))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		f(t, opener(t, store.Options{URL: testenv.NewPostgresDatabase(t)}))
	})
}

type citizen struct{ id, phone, email string }

var people = []citizen{
	{"acc1", "+79160000001", "one@example.com"}, {"acc2", "+79160000002", ""}, {"acc3", "", "three@example.com"},
	{"acc4", "+79160000004", "four@example.com"}, {"acc5", "+79160000005", ""}, {"acc6", "", "six@example.com"},
	{"acc7", "+79160000007", "seven@example.com"},
}

// populate writes a row in every sealed table, and an erased account.
func populate(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, p := range people {
		if err := s.Accounts().CreateAccount(ctx, newAccount(p.id, p.phone, p.email)); err != nil {
			t.Fatal(err)
		}
	}
	gone := newAccount("gone", "+79160000099", "")
	if err := s.Accounts().CreateAccount(ctx, gone); err != nil {
		t.Fatal(err)
	}
	if err := s.Accounts().ScheduleDeletion(ctx, "gone", t0, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Accounts().EraseAccount(ctx, "gone", t0); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		f := &flow.Flow{ID: fmt.Sprintf("f%d", i), Kind: "registration", State: flow.AwaitingCode, Channel: contact.ChannelSMS, AccountID: "acc1",
			Destination: "+79160000001", Data: []byte(`{"surname":"Петрова"}`), Lang: "ru", CreatedAt: t0, UpdatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.Flows().CreateFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Notifications().InsertNotification(ctx, &notify.Record{ID: "n1", AccountID: "acc1", Channel: notify.ChannelEmail, To: "one@example.com",
		Template: "t", Lang: "ru", Subject: "Тема", Text: "Текст", HTML: "<p>Текст</p>", Status: notify.Queued, CreatedAt: t0, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.ContactChanges().CreateContactUndo(ctx, &contactchange.Undo{ID: "u1", AccountID: "acc1", Channel: contact.ChannelSMS,
		OldValue: "+79169999999", TokenHash: []byte("h"), CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Verified personal data (sealed JSON with the SNILS's index) and a
	// submission being checked.
	pd := profile.Data{Identity: person.Identity{Surname: "Иванов", Name: "Иван", BirthDate: t0.AddDate(-30, 0, 0)}, SNILS: "11223344595",
		Passport: document.Passport{Series: "4510", Number: "123456", IssueDate: t0.AddDate(-10, 0, 0)}}
	if err := s.Profiles().SaveVerified(ctx, "acc1", pd, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Profiles().CreateVerification(ctx, &profile.Verification{ID: "v1", AccountID: "acc1", State: profile.Pending, Data: pd, SubmittedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Extras().SaveAdditionalData(ctx, "acc1", extras.Data{INN: "770123456703", INNSource: extras.Typed, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
}

// readsAll checks that every populated row reads back, accounts found by
// ID, phone and e-mail.
func readsAll(t *testing.T, s *store.Store, when string) {
	t.Helper()
	ctx := context.Background()
	for _, p := range people {
		a, err := s.Accounts().AccountByID(ctx, p.id)
		if err != nil || string(a.Phone) != p.phone || string(a.Email) != p.email || a.Surname != "Иванов" {
			t.Fatalf("%s: account %s: %+v %v", when, p.id, a, err)
		}
		if p.phone != "" {
			if a, err := s.Accounts().AccountByPhone(ctx, contact.Phone(p.phone)); err != nil || a.ID != p.id {
				t.Fatalf("%s: by phone %s: %v", when, p.phone, err)
			}
		}
		if p.email != "" {
			if a, err := s.Accounts().AccountByEmail(ctx, contact.Email(p.email)); err != nil || a.ID != p.id {
				t.Fatalf("%s: by e-mail %s: %v", when, p.email, err)
			}
		}
	}
	if a, err := s.Accounts().AccountBySNILS(ctx, "11223344595"); err != nil || a.ID != "acc1" {
		t.Fatalf("%s: by SNILS: %+v %v", when, a, err)
	}
	if a, err := s.Accounts().AccountByPassport(ctx, "4510", "123456"); err != nil || a.ID != "acc1" {
		t.Fatalf("%s: by passport: %+v %v", when, a, err)
	}
	if rec, err := s.Profiles().PersonalData(ctx, "acc1"); err != nil || rec.Verified == nil || rec.Verified.Passport.Number != "123456" ||
		rec.Latest == nil || rec.Latest.Data.SNILS != "11223344595" {
		t.Fatalf("%s: personal data: %+v %v", when, rec, err)
	}
	if d, err := s.Extras().AdditionalData(ctx, "acc1"); err != nil || d.INN != "770123456703" {
		t.Fatalf("%s: additional data: %+v %v", when, d, err)
	}
	if a, err := s.Accounts().AccountByID(ctx, "gone"); err != nil || a.Surname != "" {
		t.Fatalf("%s: erased account: %+v %v", when, a, err)
	}
	for i := range 3 {
		if f, err := s.Flows().Flow(ctx, "registration", fmt.Sprintf("f%d", i)); err != nil || f.Destination != "+79160000001" {
			t.Fatalf("%s: flow: %+v %v", when, f, err)
		}
	}
	if n, err := s.Notifications().Notification(ctx, "n1"); err != nil || n.HTML != "<p>Текст</p>" || n.To != "one@example.com" {
		t.Fatalf("%s: notification: %+v %v", when, n, err)
	}
	if u, err := s.ContactChanges().ContactUndo(ctx, "u1"); err != nil || u.OldValue != "+79169999999" {
		t.Fatalf("%s: undo: %+v %v", when, u, err)
	}
}

// TestRekey: rows sealed under A; the nodes restart with B current and A
// old; a dry run counts and changes nothing; a rekey stopped after two
// batches leaves the data readable and found by its contacts, goes on
// where it stopped and completes; then a dry run (the verification) finds
// nothing left, every value opens under B alone, and a second rekey
// changes nothing.
func TestRekey(t *testing.T) {
	eachDatabase(t, func(t *testing.T, open func(*pii.Keyring) *store.Store) {
		ctx := context.Background()
		populate(t, open(masters(t, 1)))
		s := open(masters(t, 2, 1))
		readsAll(t, s, "rotated, before rekey")
		if err := s.Accounts().CreateAccount(ctx, newAccount("new", "+79160000008", "")); err != nil {
			t.Fatal(err)
		}

		dry, err := s.Rekey(ctx, store.RekeyOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		// 8 accounts × (surname, name) − the erased one's, + 5 phones, 5
		// e-mails (each with its index), 3 × 2 flow columns, 4
		// notification columns, the undo's old value, the verified
		// personal data (with its SNILS and passport indexes), the
		// submission and the additional data.
		wantSealed, wantIndexed := 7*2+5+5+3*2+4+1+1+1+1, 5+5+1+1
		if got := sum(dry.Tables, func(x store.RekeyTable) int { return x.Resealed }); got != wantSealed {
			t.Errorf("dry run: %d to re-seal, want %d (%+v)", got, wantSealed, dry.Tables)
		}
		if got := sum(dry.Tables, func(x store.RekeyTable) int { return x.Reindexed }); got != wantIndexed {
			t.Errorf("dry run: %d to re-index, want %d", got, wantIndexed)
		}
		if again, _ := s.Rekey(ctx, store.RekeyOptions{DryRun: true}); again.Changed() != dry.Changed() {
			t.Errorf("a dry run changed something: %d then %d", dry.Changed(), again.Changed())
		}

		// Stopped after two batches of two rows.
		stop, cancel := context.WithCancel(ctx)
		batches := 0
		_, err = s.Rekey(stop, store.RekeyOptions{Batch: 2, Progress: func(store.RekeyTable) {
			if batches++; batches == 2 {
				cancel()
			}
		}})
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stopped rekey: %v", err)
		}
		readsAll(t, s, "half rotated")
		if half, _ := s.Rekey(ctx, store.RekeyOptions{DryRun: true}); half.Changed() == 0 || half.Changed() >= dry.Changed() {
			t.Errorf("after two batches %d left of %d", half.Changed(), dry.Changed())
		}

		rep, err := s.Rekey(ctx, store.RekeyOptions{Batch: 2})
		if err != nil || !rep.Resumed || len(rep.Problems) > 0 {
			t.Fatalf("resumed rekey: %+v %v", rep, err)
		}
		if rows := sum(rep.Tables, func(x store.RekeyTable) int { return x.Rows }); rows >= 9+3+1+1+1+1 {
			t.Errorf("the resumed run read %d rows: it started over", rows)
		}
		verify, err := s.Rekey(ctx, store.RekeyOptions{DryRun: true})
		if err != nil || verify.Changed() != 0 || len(verify.Problems) > 0 {
			t.Fatalf("verify: %+v %v", verify, err)
		}
		readsAll(t, open(masters(t, 2)), "under B alone")
		if again, err := s.Rekey(ctx, store.RekeyOptions{}); err != nil || again.Changed() != 0 || again.Resumed {
			t.Errorf("second rekey: %+v %v", again, err)
		}
	})
}

func sum(ts []store.RekeyTable, f func(store.RekeyTable) int) int {
	n := 0
	for _, x := range ts {
		n += f(x)
	}
	return n
}

// TestRekeyKeepsConcurrentWrites: a contact changed by the live system
// between a batch's read and its write is not overwritten with the value
// read; the row is done again.
func TestRekeyKeepsConcurrentWrites(t *testing.T) {
	eachDatabase(t, func(t *testing.T, open func(*pii.Keyring) *store.Store) {
		ctx := context.Background()
		populate(t, open(masters(t, 1)))
		s := open(masters(t, 2, 1))
		once := false
		o := store.RekeyOptions{}.AfterRead(func() {
			if !once {
				once = true
				if err := s.ContactChanges().SetContact(ctx, "acc1", contact.ChannelSMS, "+79035551234", t0.Add(time.Hour)); err != nil {
					t.Error(err)
				}
			}
		})
		rep, err := s.Rekey(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Tables[0].Retried != 1 {
			t.Errorf("retried %+v", rep.Tables[0])
		}
		b := open(masters(t, 2))
		if a, err := b.Accounts().AccountByPhone(ctx, "+79035551234"); err != nil || a.ID != "acc1" || a.Email != "one@example.com" {
			t.Errorf("the live write: %+v %v", a, err)
		}
		if verify, _ := s.Rekey(ctx, store.RekeyOptions{DryRun: true}); verify.Changed() != 0 {
			t.Errorf("left: %+v", verify.Tables)
		}
	})
}

// TestRekeyReportsUnopenable: a value sealed under a key the ring does not
// hold is reported by table, column and row key (never its value), the
// rest is done, and the verification still reports it.
func TestRekeyReportsUnopenable(t *testing.T) {
	eachDatabase(t, func(t *testing.T, open func(*pii.Keyring) *store.Store) {
		ctx := context.Background()
		populate(t, open(masters(t, 1)))
		if err := open(masters(t, 3)).Notifications().InsertNotification(ctx, &notify.Record{ID: "lost", Channel: notify.ChannelSMS,
			To: "+79160000001", Template: "t", Lang: "ru", Text: "секрет", Status: notify.Sent, CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		s := open(masters(t, 2, 1))
		rep, err := s.Rekey(ctx, store.RekeyOptions{Batch: 3})
		if err != nil {
			t.Fatal(err)
		}
		want := []store.RowProblem{
			{Table: "notifications", Column: "recipient", Key: "lost", Reason: "opens under none of the keys"},
			{Table: "notifications", Column: "body", Key: "lost", Reason: "opens under none of the keys"},
		}
		if fmt.Sprint(rep.Problems) != fmt.Sprint(want) {
			t.Errorf("problems %+v, want %+v", rep.Problems, want)
		}
		if strings.Contains(fmt.Sprint(rep), "+7916") || strings.Contains(fmt.Sprint(rep), "секрет") {
			t.Error("the report shows a value")
		}
		readsAll(t, open(masters(t, 2)), "under B alone")
		if verify, _ := s.Rekey(ctx, store.RekeyOptions{DryRun: true}); verify.Changed() != 0 || len(verify.Problems) != 2 {
			t.Errorf("verify: %+v", verify)
		}
	})
}

// TestMoveLoginGuard: a guard moves to a new key, not over one that
// exists.
func TestMoveLoginGuard(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		lg := s.LoginGuards()
		if _, err := lg.AddLoginFailure(ctx, []byte("old"), t0); err != nil {
			t.Fatal(err)
		}
		if ok, err := lg.SuspendLogin(ctx, []byte("old"), t0); err != nil || !ok {
			t.Fatal(ok, err)
		}
		if moved, err := lg.MoveLoginGuard(ctx, []byte("none"), []byte("new")); err != nil || moved {
			t.Errorf("moved nothing: %v %v", moved, err)
		}
		if moved, err := lg.MoveLoginGuard(ctx, []byte("old"), []byte("new")); err != nil || !moved {
			t.Fatalf("move: %v %v", moved, err)
		}
		if g, _ := lg.LoginGuard(ctx, []byte("new")); g.Failures != 1 || !g.SuspendedAt.Equal(t0) {
			t.Errorf("moved guard %+v", g)
		}
		if g, _ := lg.LoginGuard(ctx, []byte("old")); !g.UpdatedAt.IsZero() {
			t.Errorf("old guard kept: %+v", g)
		}
		lg.AddLoginFailure(ctx, []byte("old"), t0)
		if moved, err := lg.MoveLoginGuard(ctx, []byte("old"), []byte("new")); err != nil || moved {
			t.Errorf("moved over an existing guard: %v %v", moved, err)
		}
	})
}

// TestSealedColumnsListed: every binary column of the schema is a sealed
// column or a blind index in store.SealedColumns, or listed in notSealed
// with the reason; and every entry names a column that exists. A
// migration adding personal data must register it here to pass.
func TestSealedColumnsListed(t *testing.T) {
	sch := schemaOf(t, openSQLite(t))
	binary := map[string]bool{}
	for table, lines := range sch {
		for _, l := range lines {
			if f := strings.Fields(l); len(f) >= 3 && f[0] == "column" && f[2] == "bytes" {
				binary[table+"."+f[1]] = true
			}
		}
	}
	listed := map[string]string{}
	for _, c := range store.SealedColumns() {
		listed[c.Table+"."+c.Column] = "sealed"
		for _, x := range c.Indexes {
			listed[c.Table+"."+x.Column] = "blind index"
		}
	}
	for name := range store.NotSealed {
		listed[name] = "not sealed"
	}
	for name := range binary {
		if listed[name] == "" {
			t.Errorf("%s is a binary column in neither sealedColumns nor notSealed (internal/store/sealed.go): add it to one", name)
		}
	}
	for name, what := range listed {
		if !binary[name] {
			t.Errorf("%s (%s) is not a binary column of the schema", name, what)
		}
	}
}
