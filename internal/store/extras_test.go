package store_test

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/extras"
	"github.com/kabinet/kabinet/internal/store"
)

// TestAdditionalData: none reads as the zero Data; a save reads back
// field for field and replaces the previous one; the row holds no value
// in clear; erasing the account deletes it.
func TestAdditionalData(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x := s.Extras()
		if err := s.Accounts().CreateAccount(ctx, newAccount("acc1", "+79161234567", "")); err != nil {
			t.Fatal(err)
		}
		if d, err := x.AdditionalData(ctx, "acc1"); err != nil || !reflect.DeepEqual(d, extras.Data{}) {
			t.Fatalf("none saved: %+v, %v", d, err)
		}
		reg := address.Address{Region: "68", Locality: "Тамбов", Street: "ул. Советская", House: "5", Building: "1", Flat: "12", Postcode: "392000"}
		res := address.Address{Region: "77", Locality: "Москва", House: "1"}
		tests := []extras.Data{
			{Registration: &reg, Residence: &res, HomePhone: "+74752123456", INN: "770123456703", INNSource: extras.FromFNS, OMS: "1234567890123452", UpdatedAt: t0},
			{Registration: &reg, ResidenceSame: true, UpdatedAt: t0.Add(time.Minute)},
			{OMS: "1234567890123452", UpdatedAt: t0.Add(time.Hour)},
		}
		for i, want := range tests {
			err := s.Transact(ctx, func(ctx context.Context) error {
				if err := x.SaveAdditionalData(ctx, "acc1", want); err != nil {
					return err
				}
				return x.AppendAudit(ctx, &audit.Event{At: t0, Action: "additional_data.updated", ActorKind: audit.ActorCitizen, SubjectAccountID: "acc1"})
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := x.AdditionalData(ctx, "acc1")
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("save %d: read back %+v, %v; want %+v", i, got, err, want)
			}
		}
		var raw []byte
		if err := s.DB().QueryRowContext(ctx, `SELECT data FROM additional_data WHERE account_id = 'acc1'`).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("1234567890123452")) {
			t.Error("the policy number is stored in clear")
		}
		if err := s.Accounts().ScheduleDeletion(ctx, "acc1", t0, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Accounts().EraseAccount(ctx, "acc1", t0); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM additional_data`).Scan(&n); err != nil || n != 0 {
			t.Errorf("after erasure %d rows, %v", n, err)
		}
	})
}
