package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// mydataButton submits the «Мои данные» form.
const mydataButton = `#mydata-form button.button[type=submit]`

// waitStatus waits until the status panel of «Мои данные» (reloaded by the
// page's script when a check ends) contains text.
func (b *browser) waitStatus(what, text string) {
	b.t.Helper()
	b.waitFor(what, fmt.Sprintf(`(() => { const s = document.getElementById('mydata-status'); return !!s && s.textContent.includes(%q); })()`, text))
}

// TestPersonalDataToStandard: a newly registered citizen follows the next
// step to «Мои данные», fills it in Russian (a wrong SNILS is said next to
// its field, nothing typed lost), watches both registries check it — the
// Ministry first refuses the date of issue (the demo's Смирнова with
// 02.04.2010) — corrects it and reaches a standard account; then changes
// the passport and sees the verified data kept beside the change; and
// reads the page in English; and signs in with the verified SNILS from
// another browser.
func TestPersonalDataToStandard(t *testing.T) {
	t.Parallel()
	e := start(t)
	b := e.browser("anna")
	register(e, b, citizen{surname: "Смирнова", name: "Анна", phone: "+79165553311", login: "8 916 555-33-11", password: goodPassword})

	b.open("/account")
	b.expectContains("personal data row", b.text("#account-data"), "не заполнены")
	b.follow(`#next-step a[href="/account/personal-data"]`)
	b.expect("heading", b.heading(), "Мои данные")
	b.expect("surname from the account", b.value("f-surname"), "Смирнова")
	b.expect("citizenship", b.value("f-citizenship"), "RUS")
	b.scan("personal-data form")

	b.fill("f-patronymic", "Сергеевна")
	b.click("#f-gender-female")
	b.fill("f-birth-date", "15.03.1990")
	b.fill("f-birth-place", "г. Москва")
	b.fill("f-document-series", "45 10")
	b.fill("f-document-number", "123456")
	b.fill("f-document-issue-date", "02.04.2010") // the Ministry has 01.04.2010
	b.fill("f-document-issued-by", "ГУ МВД России по г. Москве")
	b.fill("f-document-division-code", "770-001")
	b.fill("f-snils", "112-233-445 96")
	if st := b.submit(mydataButton); st != 422 {
		t.Errorf("a wrong SNILS: status %d", st)
	}
	b.expectContains("SNILS message", b.text("#f-snils-error"), "проверьте последние две цифры")
	b.expectContains("summary link", b.text(`.error-summary a[href="#f-snils"]`), "проверьте последние две цифры")
	b.expect("issued by kept", b.value("f-document-issued-by"), "ГУ МВД России по г. Москве")
	b.expect("gender kept", fmt.Sprint(get(b, "gender", checked("f-gender-female"))), "true")
	b.scan("personal-data form with an error")

	b.fill("f-snils", "112-233-445 95")
	b.submit(mydataButton)
	b.expect("URL after sending", b.url(), "/account/personal-data?sent=1")
	b.expectContains("notice", b.text(".notice"), "Данные отправлены на проверку")
	b.expectContains("progress", b.text(`[data-check="sfr"]`), "Социальный фонд:")
	b.scan("personal-data page while checked")
	b.shot("mydata-pending")

	// The script follows the checks and reloads the page when they end.
	b.waitStatus("the failed check", "не подтверждены")
	b.expectContains("the Ministry's reason", b.text(`[data-check="mvd"]`), "дата выдачи паспорта")
	b.expectContains("the Social Fund", b.text(`[data-check="sfr"]`), "подтверждено")
	b.expect("the typed date kept", b.value("f-document-issue-date"), "02.04.2010")
	b.scan("personal-data page after a failed check")

	b.fill("f-document-issue-date", "01.04.2010")
	b.submit(mydataButton)
	b.waitStatus("the verified data", "Учётная запись стандартная")
	b.scan("personal-data page, verified")
	b.open("/account")
	b.expect("level", b.text(".badge"), "Стандартная учётная запись")
	b.expectContains("next step", b.text("#next-step"), "Подтвердите личность")
	b.scan("account page of a standard account")
	// A service that needs a standard account is open now.
	b.open("/services/pension-account-statement")
	b.expect("a standard service open", get(b, "step", chromedp.Evaluate[string](`document.getElementById('service-step').dataset.step`)), "available")
	b.scan("a service page of a standard account")

	// A change is checked while the verified data stays in force.
	b.open("/account/personal-data")
	b.fill("f-document-issue-date", "02.04.2010")
	b.submit(mydataButton)
	b.expectContains("verified data shown", b.text("#mydata-verified"), "01.04.2010")
	b.expect("form heading", b.text("#mydata-form-title"), "На проверке")
	b.scan("personal-data page with a change checked")
	b.waitStatus("the failed change", "не подтверждены")
	b.expect("form heading", b.text("#mydata-form-title"), "Не подтверждено: исправьте и отправьте снова")
	b.expectContains("verified data kept", b.text("#mydata-verified"), "01.04.2010")
	b.open("/account")
	b.expect("level kept", b.text(".badge"), "Стандартная учётная запись")

	// English.
	b.open("/account/personal-data?lang=en")
	b.expect("heading in English", b.heading(), "My data")
	b.expectContains("status in English", b.text("#mydata-status"), "was not verified")
	b.expectContains("reason in English", b.text(`[data-check="mvd"]`), "passport's date of issue")
	b.expect("verified heading", b.text("#mydata-verified-title"), "Verified data")
	b.scan("personal-data page in English")

	// The verified SNILS is a login now, in another written form than
	// typed; the code still goes to the account's phone.
	other := b.incognito("anna-by-snils")
	e.clock.Add(time.Minute) // codes to one number go out at least a minute apart
	other.open("/signin")
	other.fill("f-login", "112 233 445 95")
	other.fill("f-password", goodPassword)
	sent := time.Now()
	other.submit(signinButton)
	other.waitURL(`^/signin/[^/?]+$`)
	other.expectContains("code page", other.text("main"), "+7 916 ***-**-11")
	other.fill("f-code", e.smsCode("+79165553311", sent))
	other.submit(codeButton)
	other.expect("signed in by SNILS", other.url(), "/account")
	other.expect("the account", other.text(".badge"), "Стандартная учётная запись")
}
