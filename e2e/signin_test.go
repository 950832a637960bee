package e2e

import (
	"time"

	"github.com/kabinet/kabinet/internal/demo"
)

// signIn signs a demo citizen in through the page and the SMS code of the
// second step: login as typed («+7 900 000-00-02»), phone as stored.
func (e *env) signIn(b *browser, login, phone string) {
	b.t.Helper()
	e.clock.Add(time.Minute)
	b.open("/signin")
	b.fill("f-login", login)
	b.fill("f-password", demo.Password)
	sent := time.Now()
	b.submit(signinButton)
	b.waitURL(`^/signin/[^/?]+$`)
	b.fill("f-code", e.smsCode(phone, sent))
	b.submit(codeButton)
}

// staffSignIn signs a demo staff member in to the console with the
// password and the authenticator's code, to the console's first page.
func (e *env) staffSignIn(b *browser, login string) {
	b.t.Helper()
	b.open("/staff")
	b.fill("f-login", login)
	b.fill("f-password", demo.Password)
	b.submit(`#staff-signin-form button[type=submit]`)
	b.waitURL(`^/staff/code`)
	b.fill("f-code", e.staffCode(demoStaff(login).Secret))
	b.submit(`form[action^="/staff/code"] button[type=submit]`)
	b.waitURL(`^/staff/console`)
}
