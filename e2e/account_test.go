package e2e

import (
	"testing"
)

// TestChangePasswordAndDeleteAccount: from the account page the citizen
// changes the password (a wrong current password said next to its field
// first), then asks to delete the account with the new password, sees
// the date, and cancels.
func TestChangePasswordAndDeleteAccount(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := citizen{surname: "Орлова", name: "Вера", phone: "+79035556677", login: "+7 903 555-66-77", password: goodPassword}
	const newPw = "Raduga#Sever-2027"
	b := e.browser("citizen")
	register(e, b, c)

	b.open("/account")
	b.follow(`a[href="/account/password"]`)
	b.expect("heading", b.heading(), "Сменить пароль")
	b.scan("password change form")
	b.fill("f-current-password", "Neverno#Kapital-2026")
	b.fill("f-password", newPw)
	b.fill("f-password-confirmation", newPw)
	if st := b.submit(`form[action="/account/password"] button[type=submit]`); st != 422 {
		t.Errorf("wrong current password: status %d", st)
	}
	b.expect("error next to the field", b.text("#f-current-password-error"), "Ошибка: Неверный текущий пароль")
	b.scan("password change form with an error")
	b.fill("f-current-password", goodPassword)
	b.fill("f-password", newPw)
	b.fill("f-password-confirmation", newPw)
	b.submit(`form[action="/account/password"] button[type=submit]`)
	b.expect("URL after the change", b.url(), "/account?password_changed=0")
	b.expectContains("notice", b.text(".notice"), "Пароль изменён")

	b.follow(`a[href="/account/delete"]`)
	b.expect("heading", b.heading(), "Удалить учётную запись")
	b.scan("account deletion form")
	b.fill("f-password", newPw)
	b.submit(`form[action="/account/delete"] button[type=submit]`)
	b.expect("URL after the request", b.url(), "/account/delete?requested=1")
	b.expect("heading", b.heading(), "Учётная запись будет удалена")
	b.expectContains("date", b.text("#deletion-date"), "Учётная запись будет удалена")
	b.scan("pending deletion page")
	b.shot("deletion-pending")

	b.submit(`form[action="/account/delete/cancel"] button[type=submit]`)
	b.expect("URL after cancelling", b.url(), "/account?deletion_cancelled=1")
	b.expect("notice", b.text(".notice"), "Удаление учётной записи отменено.")
	if b.count("#deletion-pending") != 0 {
		t.Error("the account page still shows a pending deletion")
	}
}
