package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/profile"
)

// TestAdditionalData (issue 11 §4): a citizen whose «Мои данные» are those
// of the simulator's Смирнова fills «Дополнительные данные» in Russian:
// the region from the list, the town from the region's suggestions, the
// same address for residence (its block hides), a home phone and a policy;
// a wrong INN comes back on its field with nothing typed lost; «Найти мой
// ИНН» gets 770123456703 from the Tax Service; the save is confirmed. Axe
// finds nothing at 1280, 375 and 320 px, in Russian and in English.
func TestAdditionalData(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := citizen{surname: "Смирнова", name: "Анна", phone: "+79035556677", login: "+7 903 555-66-77", password: goodPassword}
	b := e.browser("additional-data")
	register(e, b, c)
	ctx := context.Background()
	a, err := e.app.Store.Accounts().AccountByPhone(ctx, contact.Phone(c.phone))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Profile.Submit(ctx, profile.Submission{AccountID: a.ID, Input: profile.Input{
		IdentityInput: person.IdentityInput{Surname: "Смирнова", Name: "Анна", Patronymic: "Сергеевна", Gender: "female", BirthDate: "1990-03-15", BirthPlace: "г. Москва", Citizenship: "RUS"},
		Passport:      document.PassportInput{Series: "4510", Number: "123456", IssueDate: "2010-04-01", IssuedBy: "ГУ МВД России по г. Москве", DivisionCode: "770-001"},
		SNILS:         "112-233-445 95"}}); err != nil {
		t.Fatal(err)
	}

	b.open("/account")
	b.follow(`a[href="/account/additional-data"]`)
	b.expect("URL", b.url(), "/account/additional-data")
	b.expect("heading", b.heading(), "Дополнительные данные")
	b.scan("additional data page")

	// The region from the list; its towns become the locality's
	// suggestions.
	b.do("choose Тамбовская обл", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.getElementById('f-registration-address-region');
		s.value = '68';
		s.dispatchEvent(new Event('change', {bubbles: true}));
	})()`))
	b.waitFor("Тамбов suggested", `document.querySelector('#registration_address-localities option[value="Тамбов"]') !== null`)
	b.fill(`f-registration-address-locality`, "Тамбов")
	b.fill(`f-registration-address-street`, "ул. Советская")
	b.fill(`f-registration-address-house`, "5")
	b.fill(`f-registration-address-flat`, "12")
	b.fill(`f-registration-address-postcode`, "392000")
	b.click("#f-residence-same")
	b.waitFor("the residence block hidden", `document.getElementById('residence-block').hidden`)
	b.fill("f-home-phone", "8 4752 12-34-56")
	b.fill("f-inn", "770123456704")
	b.fill("f-oms", "1234 5678 9012 3452")
	save := `#additional-data-form > button[type="submit"]`

	if status := b.submit(save); status != 422 {
		t.Errorf("a wrong INN: status %d, want 422", status)
	}
	b.expectContains("INN message", b.text("#f-inn-error"), "Контрольные цифры не совпадают")
	b.expect("summary link", b.text(`.error-summary a[href="#f-inn"]`), b.text("#f-inn-error")[len("Ошибка: "):])
	b.expect("policy kept", b.value("f-oms"), "1234 5678 9012 3452")
	b.expect("house kept", b.value(`f-registration-address-house`), "5")
	b.waitFor("the residence block hidden again", `document.getElementById('residence-block').hidden`)
	b.scan("additional data page with an error")

	if status := b.submit("#find-inn"); status != 200 {
		t.Errorf("«Найти мой ИНН»: status %d", status)
	}
	b.expectContains("notice", b.text(".notice"), "770123456703")
	b.expect("INN found", b.value("f-inn"), "770123456703")
	b.expect("its source", b.text("#f-inn-source"), "Источник: найден в ФНС")
	b.expect("policy still kept", b.value("f-oms"), "1234 5678 9012 3452")
	b.scan("additional data page with the INN found")

	b.submit(save)
	b.waitURL(`^/account/additional-data\?saved=1$`)
	b.expect("saved notice", b.text(".notice"), "Дополнительные данные сохранены.")
	b.expect("home phone", b.value("f-home-phone"), "+7 475 212-34-56")
	b.expect("same address", fmt.Sprint(get(b, "same address ticked", checked("f-residence-same"))), "true")
	saved, err := e.app.Store.Extras().AdditionalData(ctx, a.ID)
	if err != nil || saved.INN != "770123456703" || saved.INNSource != "fns" || saved.Registration == nil || saved.Registration.Locality != "Тамбов" || !saved.ResidenceSame {
		t.Errorf("stored %+v, %v", saved, err)
	}

	b.open("/account/additional-data?lang=en")
	b.expect("English heading", b.heading(), "Additional data")
	b.scan("additional data page in English")
}
