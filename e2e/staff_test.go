package e2e

import (
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/staff"
)

// staffCode is a demo member's authenticator code now on kabinet's clock,
// a step after the last one used (a code works once).
func (e *env) staffCode(secret string) string {
	e.t.Helper()
	e.clock.Add(31e9)
	c, err := staff.Code(secret, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func demoStaff(login string) demo.StaffMember {
	for _, m := range demo.Staff {
		if m.Login == login {
			return m
		}
	}
	panic("no demo member " + login)
}

// TestStaffConsole walks the console as the demo administrator — the
// sign-in with the code the demo banner shows, the console, staff members,
// a new operator, the service centers and their form, the audit log — and
// a new member's first sign-in (the authenticator's QR code, then a
// password of their own), scanning every page with axe at 1280 and 375 px.
func TestStaffConsole(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("administrator")
	b.open("/staff")
	b.expect("heading", b.heading(), "Вход для сотрудников")
	b.expectContains("the banner names the demo administrator", b.text(`[data-demo-staff="admin"]`), demoStaff("admin").Secret)
	b.scan("staff sign-in")
	b.fill("f-login", "admin")
	b.fill("f-password", "not-the-password")
	if st := b.submit(`#staff-signin-form button[type="submit"]`); st != 401 {
		t.Errorf("wrong password: %d", st)
	}
	b.expectContains("wrong password", b.text(".error-summary"), "Неверный логин или пароль")
	b.scan("staff sign-in with an error")
	b.fill("f-login", "admin")
	b.fill("f-password", demo.Password)
	b.submit(`#staff-signin-form button[type="submit"]`)
	b.waitURL(`/staff/code`)
	b.scan("staff code page")
	b.fill("f-code", "000000")
	b.submit(`form[action^="/staff/code"] button[type="submit"]`)
	b.expectContains("wrong code", b.text("#f-code-error"), "Код не подходит")
	b.scan("staff code page with an error")
	b.fill("f-code", e.staffCode(demoStaff("admin").Secret))
	b.submit(`form[action^="/staff/code"] button[type="submit"]`)
	b.waitURL(`/staff/console$`)
	b.expect("console heading", b.heading(), "Консоль сотрудника")
	b.scan("staff console")

	b.follow(`header a[href="/staff/members"]`)
	b.scan("staff members")
	b.fill("f-login", "petrova.op")
	b.fill("f-name", "Петрова Анна")
	b.click("#f-role-operator")
	b.fill("f-centers", demo.CenterKalugaMFC)
	b.submit(`form[action="/staff/members"] button[type="submit"]`)
	temp := strings.TrimSpace(b.text("[data-temp-password]"))
	if len(temp) != 23 {
		t.Fatalf("temporary password %q", temp)
	}
	b.scan("staff members with a new member's password")

	b.follow(`header a[href="/staff/centers"]`)
	b.scan("service centers")
	b.follow(`a[href="/staff/centers/new"]`)
	b.fill("f-name", "Библиотека Обнинска")
	b.fill("f-region", "40")
	b.fill("f-locality", "Обнинск")
	b.fill("f-address", "пр. Ленина, 129")
	b.fill("f-hours", "пн-пт 25:00-18:00")
	b.submit(`form[action="/staff/centers"] button[type="submit"]`)
	if b.count("#f-hours-error") != 1 {
		t.Error("a wrong time is not reported beside the hours")
	}
	if b.value("f-name") != "Библиотека Обнинска" {
		t.Error("the form lost the name")
	}
	b.scan("center form with an error")
	b.fill("f-hours", "пн-пт 10:00-19:00")
	b.click("#f-service-identity_confirmation")
	b.submit(`form[action="/staff/centers"] button[type="submit"]`)
	b.waitURL(`/staff/centers\?done=saved`)
	b.open("/staff/centers/" + demo.CenterKalugaMFC)
	b.scan("center form, editing")

	b.open("/staff/audit?action=staff.*")
	if b.count("[data-audit-results] tbody tr[data-event]") == 0 {
		t.Error("the audit log shows no staff records")
	}
	b.scan("audit log")

	// The new operator's first sign-in.
	op := e.browser("new operator")
	op.open("/staff")
	op.fill("f-login", "petrova.op")
	op.fill("f-password", temp)
	op.submit(`#staff-signin-form button[type="submit"]`)
	op.waitURL(`/staff/enroll`)
	op.scan("authenticator enrolment")
	secret := strings.ReplaceAll(op.text("[data-totp-secret]"), " ", "")
	op.fill("f-code", e.staffCode(secret))
	op.submit(`form[action^="/staff/enroll"] button[type="submit"]`)
	op.waitURL(`/staff/password`)
	op.scan("staff's own password")
	op.fill("f-password", "Kaluga-Operator-Spring-2027")
	op.fill("f-password-confirmation", "Kaluga-Operator-Spring-2027")
	op.submit(`form[action="/staff/password"] button[type="submit"]`)
	op.waitURL(`/staff/console$`)
	op.expectContains("the operator's console", op.text("main"), "Петрова Анна")
	op.open("/staff/console?lang=en")
	op.expect("English console", op.heading(), "Staff console")
	op.scan("staff console in English")
}
