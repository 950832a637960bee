package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

var undoLinkRE = regexp.MustCompile(`https?://\S+/account/undo/\S+`)

// TestChangePhone: a citizen changes the phone from the account page: the
// password again (the last check is over 15 minutes old), the new
// number's code, the notice. The old number's SMS carries an undo link:
// opened on another device, one click puts the old number back, ends the
// citizen's session and leads to password recovery. Every page is scanned
// at 1280 and 375 px.
func TestChangePhone(t *testing.T) {
	t.Parallel()
	e := start(t)
	const old, neu = "+79035551122", "+79036663344"
	b := e.browser("citizen")
	registerByPhone(t, e, b, "Орлова", "Вера", "8 903 555-11-22", old)

	b.open("/account")
	b.follow(`main a[href="/account/contacts"]`)
	b.expect("heading", b.heading(), "Телефон и электронная почта")
	b.expectContains("contacts", b.text("main"), "+7 903 555-11-22")
	b.scan("contacts page")
	b.follow(`main a[href="/account/contacts/new?field=phone"]`)
	b.expect("heading", b.heading(), "Изменить номер телефона")
	b.scan("new phone form")

	e.clock.Add(16 * time.Minute) // the registration's password check is now too old
	b.fill("f-phone", "8 903 666-33-44")
	b.submit(`form[action="/account/contacts"] button[type=submit]`)
	b.expect("heading", b.heading(), "Введите пароль")
	b.scan("password prompt")
	b.fill("f-password", goodPassword)
	sent := time.Now()
	b.submit(`form[action="/account/reauthenticate"] button[type=submit]`)

	b.waitURL(`^/account/contacts/[^/?]+$`)
	b.expect("heading", b.heading(), "Подтвердите новый номер")
	b.expectContains("code page", b.text("main"), "+7 903 ***-**-44")
	b.scan("new phone code page")
	b.fill("f-code", e.smsCode(neu, sent))
	b.submit(codeButton)
	b.expect("URL", b.url(), "/account/contacts?changed=1")
	b.expectContains("notice", b.text(".notice"), "контакт сохранён")
	b.expectContains("contacts", b.text("main"), "+7 903 666-33-44")
	b.scan("contacts page after the change")

	// The old number's SMS, opened on another device.
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	m, err := e.sms.WaitFor(ctx, old, sent)
	if err != nil {
		t.Fatalf("no SMS to the old number: %v", err)
	}
	link := undoLinkRE.FindString(m.Text)
	if link == "" {
		t.Fatalf("no undo link in %q", m.Text)
	}
	other := e.browser("old-phone")
	other.open(link)
	other.expect("heading", other.heading(), "Отменить замену контакта?")
	other.scan("undo page")
	other.submit(`main form button[type=submit]`)
	other.expect("URL", other.url(), "/recover?undone=1")
	other.expectContains("notice", other.text(".notice"), "Замена отменена")
	other.scan("recovery after the undo")

	// The citizen's session ended with the undo.
	b.open("/account")
	if got := b.url(); !strings.HasPrefix(got, "/signin") {
		t.Errorf("still signed in after the undo: %s", got)
	}
}
