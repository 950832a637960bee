package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
)

// TestDataAccessPage: a citizen whose data staff accessed (the events
// written straight to the log, as the staff console will) opens «Кто смотрел
// мои данные» from the account page: the accesses in words with role and
// reason, the older ones a link away without JavaScript; axe finds nothing
// at 1280 px, at 375 px (where the page does not scroll sideways) and in
// English.
func TestDataAccessPage(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := citizen{surname: "Орлова", name: "Вера", phone: "+79035556677", login: "+7 903 555-66-77", password: goodPassword}
	b := e.browser("data-access")
	register(e, b, c)

	ctx := context.Background()
	phone, err := contact.ParsePhone(c.phone)
	if err != nil {
		t.Fatal(err)
	}
	acc, err := e.app.Store.Accounts().AccountByPhone(ctx, phone)
	if err != nil {
		t.Fatal(err)
	}
	b.open("/account")
	b.follow(`a[href="/account/data-access"]`)
	b.expect("heading", b.heading(), "Кто смотрел мои данные")
	b.expect("nothing yet", b.text("#data-access-empty"), "Сотрудники ещё не обращались к вашим данным.")
	b.scan("data access page, empty")

	at := time.Now().Add(-time.Hour)
	seed := []audit.Event{{Action: "staff.citizen_viewed", ActorRole: "operator", CenterID: "kaluga-1", Reason: "identity_confirmation"},
		{Action: "staff.identity_confirmed", ActorRole: "operator", CenterID: "kaluga-1", Reason: "identity_confirmation"}}
	for range 50 {
		seed = append(seed, audit.Event{Action: "staff.citizen_viewed", ActorRole: "administrator", Reason: "complaint"})
	}
	for i, ev := range seed {
		ev.At, ev.ActorKind, ev.ActorID, ev.SubjectAccountID = at.Add(time.Duration(i)*time.Second), audit.ActorStaff, "staff-7", acc.ID
		if err := e.app.Store.AuditLog().AppendAudit(ctx, &ev); err != nil {
			t.Fatal(err)
		}
	}
	b.open("/account/data-access")
	if n := b.count("#data-access tbody tr"); n != 50 {
		t.Errorf("rows: %d, want 50", n)
	}
	b.expectContains("newest row", b.text("#data-access tbody tr"), "Просмотр ваших данных")
	b.expectContains("newest row", b.text("#data-access tbody tr"), "Администратор")
	b.expectContains("newest row", b.text("#data-access tbody tr"), "Проверка жалобы")
	b.scan("data access page at 1280 px")

	b.follow("#data-access-older")
	if n := b.count("#data-access tbody tr"); n != 2 {
		t.Errorf("older rows: %d, want 2", n)
	}
	b.expectContains("older row", b.text("#data-access tbody tr"), "Подтверждение личности")
	b.expectContains("older row", b.text("#data-access tbody tr"), "Оператор центра обслуживания")

	b.do("narrow the window", chromedp.EmulateViewport(375, 740))
	b.open("/account/data-access")
	if wide := get(b, "page width", chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`)); wide {
		t.Error("375 px: the page scrolls sideways")
	}
	b.scan("data access page at 375 px")

	b.open("/account/data-access?lang=en")
	b.expect("English heading", b.heading(), "Who looked at my data")
	b.scan("data access page in English")
}
