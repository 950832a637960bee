package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/desk"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/store"
)

// TestPassportIndex: the verified passport finds its account by series and
// number, only the verified one (a new verification moves the index), and
// a passport nobody has finds none.
func TestPassportIndex(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, id := range []string{"acc1", "acc2"} {
			if err := s.Accounts().CreateAccount(ctx, newAccount(id, "", id+"@example.com")); err != nil {
				t.Fatal(err)
			}
		}
		pd := profile.Data{Identity: person.Identity{Surname: "Иванов", Name: "Иван", BirthDate: t0.AddDate(-30, 0, 0)}, SNILS: "11223344595",
			Passport: document.Passport{Series: "4510", Number: "123456", IssueDate: t0.AddDate(-10, 0, 0)}}
		if err := s.Profiles().SaveVerified(ctx, "acc1", pd, t0); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			series, number, want string
		}{{"4510", "123456", "acc1"}, {"4510", "123457", ""}, {"4511", "123456", ""}, {"", "", ""}} {
			a, err := s.Accounts().AccountByPassport(ctx, c.series, c.number)
			switch {
			case c.want == "" && problem.KindOf(err) != problem.NotFound:
				t.Errorf("%s %s: %+v %v, want NotFound", c.series, c.number, a, err)
			case c.want != "" && (err != nil || a.ID != c.want):
				t.Errorf("%s %s: %+v %v, want %s", c.series, c.number, a, err, c.want)
			}
		}
		pd.Passport.Number = "654321"
		if err := s.Profiles().SaveVerified(ctx, "acc1", pd, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Accounts().AccountByPassport(ctx, "4510", "123456"); problem.KindOf(err) != problem.NotFound {
			t.Errorf("the replaced passport still finds the account: %v", err)
		}
		if a, err := s.Accounts().AccountByPassport(ctx, "4510", "654321"); err != nil || a.ID != "acc1" {
			t.Errorf("the new passport: %+v %v", a, err)
		}
	})
}

// TestConfirmationRecord: none reads as NotFound; a saved confirmation
// reads back; a later one replaces it.
func TestConfirmationRecord(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		d := s.Desk()
		if err := s.Accounts().CreateAccount(ctx, newAccount("acc1", "+79161234567", "")); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Confirmation(ctx, "acc1"); problem.KindOf(err) != problem.NotFound {
			t.Fatalf("none: %v", err)
		}
		for _, want := range []desk.Confirmation{
			{AccountID: "acc1", Method: desk.MethodInPerson, CenterID: "kaluga-mfc", StaffID: "stf1", At: t0},
			{AccountID: "acc1", Method: desk.MethodInPerson, CenterID: "kaluga-mfc-2", StaffID: "stf2", At: t0.Add(time.Hour)},
		} {
			if err := d.SaveConfirmation(ctx, &want); err != nil {
				t.Fatal(err)
			}
			got, err := d.Confirmation(ctx, "acc1")
			if err != nil || *got != want {
				t.Errorf("read back %+v %v, want %+v", got, err, want)
			}
		}
	})
}

// TestRekeyIndexesPassports: a row verified before the passport had an
// index (NULL, as migration 0015 leaves it) gets one from `kabinet rekey`
// under the same master secret, and nothing else changes.
func TestRekeyIndexesPassports(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Accounts().CreateAccount(ctx, newAccount("acc1", "+79161234567", "")); err != nil {
			t.Fatal(err)
		}
		pd := profile.Data{Identity: person.Identity{Surname: "Иванов", Name: "Иван", BirthDate: t0.AddDate(-30, 0, 0)}, SNILS: "11223344595",
			Passport: document.Passport{Series: "4510", Number: "123456", IssueDate: t0.AddDate(-10, 0, 0)}}
		if err := s.Profiles().SaveVerified(ctx, "acc1", pd, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, `UPDATE personal_data SET passport_index = NULL`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Accounts().AccountByPassport(ctx, "4510", "123456"); problem.KindOf(err) != problem.NotFound {
			t.Fatalf("unindexed: %v", err)
		}
		rep, err := s.Rekey(ctx, store.RekeyOptions{})
		if err != nil || rep.Changed() != 1 {
			t.Fatalf("rekey: %+v %v, want one index written", rep, err)
		}
		if a, err := s.Accounts().AccountByPassport(ctx, "4510", "123456"); err != nil || a.ID != "acc1" {
			t.Fatalf("after rekey: %+v %v", a, err)
		}
	})
}
