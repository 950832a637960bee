package staff

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
)

var testGrants = Grants{
	{Role: RoleAdministrator, Permission: PermStaffManage},
	{Role: RoleAdministrator, Permission: PermAuditRead},
	{Role: RoleOperator, Permission: PermCitizensFind, Scoped: true},
	{Role: RoleOperator, Permission: PermIdentityConfirm, Scoped: true},
}

func TestAuthorize(t *testing.T) {
	admin := &Member{ID: "a", Roles: []string{RoleAdministrator}}
	op := &Member{ID: "o", Roles: []string{RoleOperator}, Centers: []string{"kaluga-mfc", "kaluga-mfc-zhizdra"}}
	gone := &Member{ID: "g", Roles: []string{RoleAdministrator}, DisabledAt: time.Unix(1, 0)}
	for _, tc := range []struct {
		name         string
		actor        Actor
		perm, center string
		want         string // "" allowed, else the message ID
	}{
		{"admin manages staff", Actor{Member: admin}, PermStaffManage, "", ""},
		{"admin cannot confirm", Actor{Member: admin}, PermIdentityConfirm, "", "staff.forbidden"},
		{"operator cannot manage staff", Actor{Member: op, CenterID: "kaluga-mfc"}, PermStaffManage, "", "staff.forbidden"},
		{"operator at own center", Actor{Member: op, CenterID: "kaluga-mfc"}, PermIdentityConfirm, "", ""},
		{"operator naming own center", Actor{Member: op, CenterID: "kaluga-mfc"}, PermIdentityConfirm, "kaluga-mfc", ""},
		{"operator for another of theirs", Actor{Member: op, CenterID: "kaluga-mfc"}, PermIdentityConfirm, "kaluga-mfc-zhizdra", "staff.not_your_center"},
		{"operator with no center chosen", Actor{Member: op}, PermCitizensFind, "", "staff.no_center"},
		{"operator claiming a center not theirs", Actor{Member: op, CenterID: "moscow"}, PermCitizensFind, "", "staff.no_center"},
		{"disabled admin", Actor{Member: gone}, PermStaffManage, "", "staff.forbidden"},
		{"nobody", Actor{}, PermAuditRead, "", "staff.forbidden"},
		{"unknown permission", Actor{Member: admin}, "x.y", "", "staff.forbidden"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := testGrants.Authorize(tc.actor, tc.perm, tc.center)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			pe, ok := problem.As(err)
			if !ok || pe.Kind != problem.Forbidden || pe.Message.ID != tc.want {
				t.Fatalf("got %v, want Forbidden %s", err, tc.want)
			}
		})
	}
}

func TestValidCode(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Date(2026, 12, 1, 12, 0, 10, 0, time.UTC)
	code, err := Code(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	prev, _ := Code(secret, now.Add(-30*time.Second))
	old, _ := Code(secret, now.Add(-90*time.Second))
	for _, tc := range []struct {
		name, code string
		ok         bool
		step       int64
	}{
		{"current", code, true, now.Unix() / 30},
		{"with a space", code[:3] + " " + code[3:], true, now.Unix() / 30},
		{"previous step", prev, true, now.Unix()/30 - 1},
		{"three steps ago", old, false, 0},
		{"short", code[:5], false, 0},
		{"letters", "abcdef", false, 0},
		{"empty", "", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step, ok := ValidCode(secret, tc.code, now)
			if ok != tc.ok || (ok && step != tc.step) {
				t.Fatalf("ValidCode(%q) = %d, %v; want %d, %v", tc.code, step, ok, tc.step, tc.ok)
			}
		})
	}
}

func TestNormalizeNewMember(t *testing.T) {
	exists := func(_ context.Context, id string) (bool, error) { return id == "kaluga-mfc", nil }
	g := append(testGrants, Grant{Role: RoleOperator, Permission: PermAccessRestore, Scoped: true})
	for _, tc := range []struct {
		name  string
		in    NewMember
		field string // "" valid
		id    string
	}{
		{"admin", NewMember{Login: " Admin.Main ", Name: "Иванов  Иван", Roles: []string{"administrator"}}, "", ""},
		{"operator", NewMember{Login: "op1", Name: "Оператор", Roles: []string{"operator"}, Centers: []string{"kaluga-mfc"}}, "", ""},
		{"no login", NewMember{Name: "x", Roles: []string{"administrator"}}, "login", "staff.login_required"},
		{"cyrillic login", NewMember{Login: "админ", Name: "x", Roles: []string{"administrator"}}, "login", "staff.login_format"},
		{"short login", NewMember{Login: "ab", Name: "x", Roles: []string{"administrator"}}, "login", "staff.login_format"},
		{"no name", NewMember{Login: "abc", Roles: []string{"administrator"}}, "name", "staff.name_required"},
		{"long name", NewMember{Login: "abc", Name: strings.Repeat("я", 201), Roles: []string{"administrator"}}, "name", "staff.name_long"},
		{"no role", NewMember{Login: "abc", Name: "x"}, "roles", "staff.role_required"},
		{"unknown role", NewMember{Login: "abc", Name: "x", Roles: []string{"root"}}, "roles", "staff.role_unknown"},
		{"operator without center", NewMember{Login: "abc", Name: "x", Roles: []string{"operator"}}, "centers", "staff.center_required"},
		{"unknown center", NewMember{Login: "abc", Name: "x", Roles: []string{"operator"}, Centers: []string{"nowhere"}}, "centers", "staff.center_unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tc.in.Normalize(context.Background(), g, exists)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if out.Login != strings.ToLower(strings.TrimSpace(tc.in.Login)) || strings.Contains(out.Name, "  ") {
					t.Fatalf("not normalised: %+v", out)
				}
				return
			}
			pe, ok := problem.As(err)
			if !ok {
				t.Fatalf("got %v", err)
			}
			m, ok := pe.Field(tc.field)
			if !ok || m.ID != tc.id {
				t.Fatalf("field %s: got %v, want %s", tc.field, err, tc.id)
			}
		})
	}
}

func TestTempPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		pw, err := TempPassword(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != 23 || strings.ContainsAny(pw, "01ilo") || seen[pw] {
			t.Fatalf("bad temporary password %q", pw)
		}
		seen[pw] = true
	}
}

func FuzzNormalizeNewMember(f *testing.F) {
	f.Add("admin", "Иван", "administrator", "kaluga-mfc")
	f.Add(" ", "\x00", "operator", "")
	exists := func(_ context.Context, id string) (bool, error) { return id == "kaluga-mfc", nil }
	f.Fuzz(func(t *testing.T, login, name, role, center string) {
		out, err := NewMember{Login: login, Name: name, Roles: []string{role}, Centers: []string{center}}.Normalize(context.Background(), testGrants, exists)
		if err != nil {
			if _, ok := problem.As(err); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if out.Login == "" || out.Name == "" || len(out.Roles) == 0 {
			t.Fatalf("accepted %+v", out)
		}
	})
}

func FuzzValidCode(f *testing.F) {
	f.Add("123456")
	f.Add("12 34-56")
	f.Fuzz(func(t *testing.T, code string) {
		now := time.Unix(1_800_000_000, 0)
		want, _ := Code("JBSWY3DPEHPK3PXP", now)
		if _, ok := ValidCode("JBSWY3DPEHPK3PXP", code, now); ok {
			c := strings.NewReplacer(" ", "", "-", "").Replace(code)
			prev, _ := Code("JBSWY3DPEHPK3PXP", now.Add(-30*time.Second))
			next, _ := Code("JBSWY3DPEHPK3PXP", now.Add(30*time.Second))
			if c != want && c != prev && c != next {
				t.Fatalf("accepted %q", code)
			}
		}
	})
}
