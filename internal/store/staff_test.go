package store_test

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/store"
)

// TestStaff: the migration's role table; a member reads back with roles,
// centers and sealed name and secret (not in clear in the row); a taken
// login is refused on its field; updates and sessions are compare-and-set;
// a TOTP step is accepted once.
func TestStaff(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x := s.Staff()
		g, err := x.StaffGrants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		admin, op := staff.Actor{Member: &staff.Member{Roles: []string{"administrator"}}}, staff.Actor{Member: &staff.Member{Roles: []string{"operator"}, Centers: []string{"c1"}}, CenterID: "c1"}
		if !g.Permits(admin, staff.PermStaffManage) || g.Permits(admin, staff.PermIdentityConfirm) || !g.Permits(op, staff.PermIdentityConfirm) || g.Permits(op, staff.PermAuditRead) {
			t.Fatalf("grants: %+v", g)
		}
		m := &staff.Member{ID: "stf_1", Login: "op.kaluga", Name: "Оператор Ольга", Roles: []string{"operator"}, Centers: []string{"kaluga-mfc", "kaluga-mfc-2"},
			PasswordHash: "$argon2id$x", MustChangePassword: true, TOTPSecret: "JBSWY3DPEHPK3PXP", EnrolledAt: t0, CreatedAt: t0, CreatedBy: "bootstrap"}
		if err := x.CreateStaff(ctx, m); err != nil {
			t.Fatal(err)
		}
		dup := *m
		dup.ID = "stf_2"
		if err := x.CreateStaff(ctx, &dup); err == nil {
			t.Fatal("a taken login was accepted")
		} else if pe, ok := problem.As(err); !ok || pe.Kind != problem.Invalid {
			t.Fatalf("taken login: %v", err)
		}
		got, err := x.StaffByLogin(ctx, "op.kaluga")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("read back\n%+v\nwant\n%+v", got, m)
		}
		var name, secret []byte
		if err := s.DB().QueryRowContext(ctx, `SELECT name, totp_secret FROM staff WHERE id = 'stf_1'`).Scan(&name, &secret); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(name, []byte("Ольга")) || bytes.Contains(secret, []byte("JBSWY3DP")) {
			t.Fatal("name or secret in clear")
		}
		if _, err := x.StaffByID(ctx, "nobody"); problem.KindOf(err) != problem.NotFound {
			t.Fatalf("missing member: %v", err)
		}

		got.Roles, got.Centers, got.DisabledAt = []string{"administrator", "operator"}, []string{"kaluga-mfc"}, t0.Add(time.Hour)
		if ok, err := x.UpdateStaff(ctx, got); err != nil || !ok {
			t.Fatalf("update: %v %v", ok, err)
		}
		if ok, err := x.UpdateStaff(ctx, m); err != nil || ok {
			t.Fatalf("a stale update won: %v %v", ok, err)
		}
		list, err := x.ListStaff(ctx)
		if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0].Roles, []string{"administrator", "operator"}) || !reflect.DeepEqual(list[0].Centers, []string{"kaluga-mfc"}) || !list[0].Disabled() {
			t.Fatalf("list: %+v %v", list, err)
		}

		for i, want := range []bool{true, false, false, true} {
			step := []int64{100, 100, 99, 101}[i]
			if ok, err := x.UseTOTPStep(ctx, "stf_1", step); err != nil || ok != want {
				t.Fatalf("step %d: %v %v, want %v", step, ok, err, want)
			}
		}

		sess := &staff.Session{ID: "ss1", TokenHash: staff.HashToken("tok"), StaffID: "stf_1", Stage: staff.StageCode, IP: "127.0.0.1", UserAgent: "ua",
			CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := x.CreateStaffSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		rs, err := x.StaffSessionByToken(ctx, staff.HashToken("tok"))
		if err != nil || !reflect.DeepEqual(rs, sess) {
			t.Fatalf("session read back %+v %v\nwant %+v", rs, err, sess)
		}
		rs.Stage, rs.CenterID, rs.FactorAt = staff.StageActive, "kaluga-mfc", t0
		stale := *rs
		if ok, err := x.UpdateStaffSession(ctx, rs); err != nil || !ok {
			t.Fatalf("session update %v %v", ok, err)
		}
		if ok, err := x.UpdateStaffSession(ctx, &stale); err != nil || ok {
			t.Fatalf("stale session update won: %v %v", ok, err)
		}
		if err := x.TouchStaffSession(ctx, "ss1", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n, err := x.EndStaffSessions(ctx, "stf_1", "", staff.EndedDisabled, t0.Add(2*time.Minute)); err != nil || n != 1 {
			t.Fatalf("end: %d %v", n, err)
		}
		rs, _ = x.StaffSessionByToken(ctx, staff.HashToken("tok"))
		if rs.EndReason != staff.EndedDisabled || !rs.LastSeenAt.Equal(t0.Add(time.Minute)) || rs.CenterID != "kaluga-mfc" {
			t.Fatalf("after end: %+v", rs)
		}
		if _, err := x.StaffSessionByToken(ctx, staff.HashToken("other")); problem.KindOf(err) != problem.NotFound {
			t.Fatalf("unknown token: %v", err)
		}
	})
}
