package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/staff"
)

// TestConfirmInPerson (issue 12 §3, §5): the demo operator signs in to
// the console with the password and the authenticator's code, finds the
// standard demo citizen by SNILS, types a wrong passport number (the
// message on both fields, what was typed kept), then the right one; the
// citizen signs in and sees «Подтверждённая» and the center. Axe finds
// nothing on the console's pages at desktop and phone widths.
func TestConfirmInPerson(t *testing.T) {
	t.Parallel()
	e := start(t)
	op := e.browser("desk-operator")

	op.open("/staff")
	op.fill("f-login", "operator")
	op.fill("f-password", demo.Password)
	op.submit(`#staff-signin-form button[type=submit]`)
	op.waitURL(`^/staff/code`)
	code, err := staff.Code(demoOperator(t).Secret, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	op.fill("f-code", code)
	op.submit(`form[action^="/staff/code"] button[type=submit]`)
	op.waitURL(`^/staff/console`)
	op.follow(`a[href="/staff/citizens"]`)
	op.expect("heading", op.heading(), "Найти гражданина")
	op.scan("console: find a citizen")

	op.do("search by SNILS, to confirm identity", chromedp.Evaluate[chromedp.Void](`(() => {
		document.getElementById('f-by').value = 'snils';
		document.getElementById('f-reason').value = 'identity_confirmation';
	})()`))
	op.fill("f-value", "157-482-936 07")
	if status := op.submit(`form[data-citizen-search] button[type=submit]`); status != 200 {
		t.Fatalf("search: %d", status)
	}
	op.expect("card heading", squash(op.text("#card-title")), "Петрова Светлана Андреевна")
	op.expect("passport on the card", op.text("[data-passport]"), "2909 512874")
	op.scan("console: the citizen's card")

	confirm := `form[data-confirm-form] button[type=submit]`
	op.fill("f-series", "2909")
	op.fill("f-number", "512875")
	if status := op.submit(confirm); status != 422 {
		t.Errorf("a wrong number: status %d, want 422", status)
	}
	op.expectContains("number message", op.text("#f-number-error"), "не совпадают")
	op.expect("number kept", op.value("f-number"), "512875")
	op.scan("console: the passport does not match")

	op.fill("f-number", "512874")
	if status := op.submit(confirm); status != 200 {
		t.Fatalf("confirm: %d", status)
	}
	op.expect("level", op.text("[data-level]"), "Подтверждённая учётная запись")
	op.expectContains("confirmation on the card", op.text("[data-confirmation]"), demo.CenterKalugaMFC)
	op.scan("console: identity confirmed")

	// The citizen signs in and sees it.
	b := e.browser("desk-citizen")
	e.clock.Add(time.Minute)
	b.open("/signin")
	b.fill("f-login", "+7 900 000-00-02")
	b.fill("f-password", demo.Password)
	sent := time.Now()
	b.submit(signinButton)
	b.waitURL(`^/signin/[^/?]+$`)
	b.fill("f-code", e.smsCode(demo.StandardPhone, sent))
	b.submit(codeButton)
	b.expect("URL after signing in", b.url(), "/account")
	b.expectContains("level", b.text(".badge"), "Подтверждённая")
	b.expectContains("center", b.text("#account-confirmation"), "МФЦ Калужской области")
	b.scan("account page, confirmed in person")
}

func demoOperator(t *testing.T) demo.StaffMember {
	for _, m := range demo.Staff {
		if m.Login == "operator" {
			return m
		}
	}
	t.Fatal("no demo operator")
	return demo.StaffMember{}
}
