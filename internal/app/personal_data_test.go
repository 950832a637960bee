package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// smirnova is a demo person whose data passes both registries
// (docs/registry-sim.md), as the API takes it.
func smirnova() map[string]any {
	return map[string]any{
		"surname": "Смирнова", "name": "Анна", "patronymic": "Сергеевна", "no_patronymic": false, "gender": "female",
		"birth_date": "1990-03-15", "birth_place": "г. Москва", "citizenship": "RUS",
		"document": map[string]any{"type": "passport_rf", "series": "4510", "number": "123456", "issue_date": "2010-04-01",
			"issued_by": "ГУ МВД России по г. Москве", "division_code": "770-001"},
		"snils": "112-233-445 95",
	}
}

// with returns a copy of the data with one field changed; "document.x"
// names a field of the document.
func with(d map[string]any, field string, v any) map[string]any {
	b, _ := json.Marshal(d)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if f, ok := strings.CutPrefix(field, "document."); ok {
		out["document"].(map[string]any)[f] = v
	} else {
		out[field] = v
	}
	return out
}

// runChecks runs every pending verification once, as its job would (the
// harness runs no jobs), and returns how many checks were pending.
func (h *harness) runChecks() int {
	h.t.Helper()
	ctx := context.Background()
	list, err := h.app.Store.Profiles().StuckChecks(ctx, h.clock.Now().Add(24*time.Hour), 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	ran := map[string]bool{}
	for _, c := range list {
		if ran[c.VerificationID] {
			continue
		}
		ran[c.VerificationID] = true
		retry, err := h.app.Profile.RunVerification(ctx, c.VerificationID)
		if err != nil || retry > 0 {
			h.t.Fatalf("verification %s: retry in %s, %v", c.VerificationID, retry, err)
		}
	}
	return len(list)
}

func (r response) obj(k string) map[string]any {
	m, _ := r.Body[k].(map[string]any)
	return m
}

// checks returns a verification answer's checks by registry.
func (r response) checks() map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := r.Body["checks"].([]any)
	for _, c := range list {
		m := c.(map[string]any)
		out[m["registry"].(string)] = m
	}
	return out
}

// TestPersonalDataToStandard: an empty form with the account's names; a
// valid submission is 202 with both registries pending; once the checks
// have run the verification passed and the account is standard; the same
// data again needs no check (200).
func TestPersonalDataToStandard(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.register("8 916 100-20-01", "Ogurec-Zelenyi-2026")

	r := h.api("GET", "/api/v1/me/personal-data", tok, nil)
	if r.Status != 200 || r.str("status") != "none" || r.str("surname") != "Иванов" || r.str("name") != "Иван" || r.str("snils") != "" {
		t.Fatalf("before anything: %d %s", r.Status, r.Raw)
	}
	if r.obj("document")["type"] != "passport_rf" || r.Body["verified"] != nil || r.Body["verified_at"] != nil {
		t.Errorf("before anything: %s", r.Raw)
	}
	if r = h.api("GET", "/api/v1/me/verification", tok, nil); r.Status != 404 || r.str("code") != "verification.not_found" {
		t.Errorf("verification before any submission: %d %s", r.Status, r.Raw)
	}

	r = h.api("PUT", "/api/v1/me/personal-data", tok, smirnova())
	if r.Status != 202 || r.str("state") != "pending" || len(r.checks()) != 2 || r.checks()["sfr"]["state"] != "pending" || r.checks()["mvd"]["state"] != "pending" {
		t.Fatalf("submit: %d %s", r.Status, r.Raw)
	}
	if r = h.api("PUT", "/api/v1/me/personal-data", tok, smirnova()); r.Status != 202 || r.str("state") != "pending" {
		t.Errorf("the same data while pending: %d %s", r.Status, r.Raw)
	}
	if r = h.api("GET", "/api/v1/me/personal-data", tok, nil); r.str("status") != "pending" || r.str("surname") != "Смирнова" || r.str("snils") != "112-233-445 95" {
		t.Errorf("while pending: %s", r.Raw)
	}
	if r = h.api("GET", "/api/v1/me", tok, nil); r.str("level") != "simplified" {
		t.Errorf("level while pending: %s", r.Raw)
	}

	if n := h.runChecks(); n != 2 {
		t.Fatalf("%d checks ran, want 2", n)
	}
	r = h.api("GET", "/api/v1/me/verification", tok, nil)
	if r.Status != 200 || r.str("state") != "passed" || r.checks()["sfr"]["state"] != "passed" || r.checks()["mvd"]["state"] != "passed" {
		t.Fatalf("after the checks: %d %s", r.Status, r.Raw)
	}
	if _, ok := r.checks()["mvd"]["reason_code"]; ok {
		t.Errorf("a passed check with a reason: %s", r.Raw)
	}
	if r = h.api("GET", "/api/v1/me", tok, nil); r.str("level") != "standard" {
		t.Errorf("level after the checks: %s", r.Raw)
	}
	r = h.api("GET", "/api/v1/me/personal-data", tok, nil)
	if r.str("status") != "verified" || r.str("verified_at") == "" || r.Body["verified"] != nil || r.str("birth_date") != "1990-03-15" ||
		r.obj("document")["division_code"] != "770-001" {
		t.Errorf("verified: %s", r.Raw)
	}

	r = h.api("PUT", "/api/v1/me/personal-data", tok, with(smirnova(), "snils", "11223344595"))
	if r.Status != 200 || r.str("state") != "passed" {
		t.Errorf("the verified data again (SNILS typed otherwise): %d %s", r.Status, r.Raw)
	}
}

// TestPersonalDataValidation: each wrong field has its own message next to
// it, in the request's language, and nothing starts.
func TestPersonalDataValidation(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.register("8 916 100-20-02", "Ogurec-Zelenyi-2026")
	tests := []struct {
		name        string
		data        map[string]any
		field, code string
		ru, en      string // part of the message
	}{
		{"SNILS checksum", with(smirnova(), "snils", "112-233-445 96"), "snils", "snils.checksum", "проверьте последние две цифры", "check the last two digits"},
		{"SNILS length", with(smirnova(), "snils", "112-233-445"), "snils", "snils.length", "11 цифр", "11 digits"},
		{"passport series", with(smirnova(), "document.series", "451"), "document.series", "passport.series.length", "4 цифры", "4 digits"},
		{"passport number", with(smirnova(), "document.number", "12345X"), "document.number", "passport.number.symbols", "«X»", "X"},
		{"division code", with(smirnova(), "document.division_code", "77-001"), "document.division_code", "division_code.length", "6 цифр", "6 digits"},
		{"issued before 14", with(smirnova(), "document.issue_date", "2003-05-01"), "document.issue_date", "passport.issue_date.before_14", "с 14 лет", "age of 14"},
		{"not replaced at 45", with(with(smirnova(), "birth_date", "1960-01-10"), "document.issue_date", "2000-01-01"), "document.issue_date", "passport.must_be_replaced", "заменить в 45 лет", "replaced at 45"},
		{"issue date in the future", with(smirnova(), "document.issue_date", "2027-01-01"), "document.issue_date", "passport.issue_date.future", "в будущем", "future"},
		{"gender", with(smirnova(), "gender", ""), "gender", "gender.required", "пол", "gender"},
		{"patronymic and none", with(smirnova(), "no_patronymic", true), "patronymic", "patronymic.with_none", "Нет отчества", "No patronymic"},
		{"foreign citizenship", with(smirnova(), "citizenship", "KAZ"), "citizenship", "citizenship.passport_rf", "гражданам России", "Russian citizens"},
		{"document type", with(smirnova(), "document.type", "passport_foreign"), "document.type", "document.type_unknown", "паспорт", "passport"},
		{"birth date format", with(smirnova(), "birth_date", "15/03/1990"), "birth_date", "date.format", "ДД.ММ.ГГГГ", "DD.MM.YYYY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, l := range []struct{ lang, want string }{{"ru", tt.ru}, {"en", tt.en}} {
				r := h.api("PUT", "/api/v1/me/personal-data?lang="+l.lang, tok, tt.data)
				if r.Status != 422 || r.str("code") != "form.invalid" || r.fieldCode(tt.field) != tt.code {
					t.Fatalf("%s: %d %s; want 422 with %s on %s", l.lang, r.Status, r.Raw, tt.code, tt.field)
				}
				if msg, _ := r.obj("fields")[tt.field].(string); !strings.Contains(msg, l.want) {
					t.Errorf("%s: message %q, want it to say %q", l.lang, msg, l.want)
				}
				if codes := r.obj("field_codes"); len(codes) != 1 {
					t.Errorf("%s: messages on %v, want only %s", l.lang, codes, tt.field)
				}
			}
		})
	}
	// DD.MM.YYYY is as good as the API's form; the SNILS in any form.
	r := h.api("PUT", "/api/v1/me/personal-data", tok, with(with(smirnova(), "birth_date", "15.03.1990"), "snils", "112 233 445 95"))
	if r.Status != 202 {
		t.Errorf("dates as DD.MM.YYYY: %d %s", r.Status, r.Raw)
	}
	if r := h.api("PUT", "/api/v1/me/personal-data", tok, with(smirnova(), "inn", "770123456703")); r.Status != 400 || r.str("code") != "request.unknown_field" {
		t.Errorf("an unknown member: %d %s", r.Status, r.Raw)
	}
	if r := h.api("PUT", "/api/v1/me/personal-data", "", smirnova()); r.Status != 401 {
		t.Errorf("without a session: %d %s", r.Status, r.Raw)
	}
}

// TestPersonalDataMismatch: Смирнова with a wrong date of issue fails the
// Ministry's check with a reason naming the date of issue, her typing kept
// for correction; corrected, it passes.
func TestPersonalDataMismatch(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.register("8 916 100-20-03", "Ogurec-Zelenyi-2026")
	wrong := with(smirnova(), "document.issue_date", "2010-04-02")
	if r := h.api("PUT", "/api/v1/me/personal-data", tok, wrong); r.Status != 202 {
		t.Fatalf("submit: %d %s", r.Status, r.Raw)
	}
	h.runChecks()
	for _, l := range []struct{ lang, want string }{{"ru", "дата выдачи паспорта"}, {"en", "date of issue"}} {
		r := h.api("GET", "/api/v1/me/verification?lang="+l.lang, tok, nil)
		mvd := r.checks()["mvd"]
		if r.str("state") != "failed" || mvd["state"] != "failed" || mvd["reason_code"] != "verification.passport_mismatch" || r.checks()["sfr"]["state"] != "passed" {
			t.Fatalf("%s: %s", l.lang, r.Raw)
		}
		if reason, _ := mvd["reason"].(string); !strings.Contains(reason, l.want) {
			t.Errorf("%s: reason %q, want it to name %q", l.lang, reason, l.want)
		}
	}
	r := h.api("GET", "/api/v1/me/personal-data", tok, nil)
	if r.str("status") != "failed" || r.obj("document")["issue_date"] != "2010-04-02" || r.Body["verified"] != nil {
		t.Errorf("after the failure: %s", r.Raw)
	}
	if r = h.api("GET", "/api/v1/me", tok, nil); r.str("level") != "simplified" {
		t.Errorf("level after the failure: %s", r.Raw)
	}
	if r = h.api("PUT", "/api/v1/me/personal-data", tok, smirnova()); r.Status != 202 {
		t.Fatalf("corrected: %d %s", r.Status, r.Raw)
	}
	h.runChecks()
	if r = h.api("GET", "/api/v1/me/verification", tok, nil); r.str("state") != "passed" {
		t.Errorf("corrected: %s", r.Raw)
	}
	if r = h.api("GET", "/api/v1/me", tok, nil); r.str("level") != "standard" {
		t.Errorf("level after the correction: %s", r.Raw)
	}
}

// TestPersonalDataChange: changing a verified passport checks it at the
// Ministry only; the verified values stay in force (and are shown as
// such) while it is checked and after it fails; a good new passport
// replaces them.
func TestPersonalDataChange(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.register("8 916 100-20-04", "Ogurec-Zelenyi-2026")
	h.api("PUT", "/api/v1/me/personal-data", tok, smirnova())
	h.runChecks()

	r := h.api("PUT", "/api/v1/me/personal-data", tok, with(smirnova(), "document.issue_date", "2010-04-02"))
	if r.Status != 202 || len(r.checks()) != 1 || r.checks()["mvd"] == nil {
		t.Fatalf("a changed passport: %d %s; want the Ministry's check only", r.Status, r.Raw)
	}
	verifiedIssue := func(r response) any { return r.obj("verified")["document"].(map[string]any)["issue_date"] }
	r = h.api("GET", "/api/v1/me/personal-data", tok, nil)
	if r.str("status") != "pending" || r.obj("document")["issue_date"] != "2010-04-02" || r.obj("verified") == nil || verifiedIssue(r) != "2010-04-01" || r.str("verified_at") == "" {
		t.Fatalf("while the change is checked: %s", r.Raw)
	}
	h.runChecks()
	r = h.api("GET", "/api/v1/me/personal-data", tok, nil)
	if r.str("status") != "failed" || r.obj("verified") == nil || verifiedIssue(r) != "2010-04-01" {
		t.Errorf("after the change failed: %s", r.Raw)
	}
	if r = h.api("GET", "/api/v1/me", tok, nil); r.str("level") != "standard" {
		t.Errorf("level after a failed change: %s", r.Raw)
	}

	// A new passport (in demo mode one the Ministry does not know is valid).
	next := with(with(with(smirnova(), "document.series", "4520"), "document.number", "654321"), "document.issue_date", "2025-03-20")
	if r = h.api("PUT", "/api/v1/me/personal-data", tok, next); r.Status != 202 {
		t.Fatalf("a new passport: %d %s", r.Status, r.Raw)
	}
	h.runChecks()
	r = h.api("GET", "/api/v1/me/personal-data", tok, nil)
	if r.str("status") != "verified" || r.obj("document")["number"] != "654321" || r.Body["verified"] != nil {
		t.Errorf("after the new passport passed: %s", r.Raw)
	}
}

// TestPersonalDataOwnOnly: a citizen sees only their own data and
// verification, by API and page.
func TestPersonalDataOwnOnly(t *testing.T) {
	h := newHarness(t, nil)
	anna := h.register("8 916 100-20-05", "Ogurec-Zelenyi-2026")
	h.api("PUT", "/api/v1/me/personal-data", anna, smirnova())
	other := h.browser()
	signedUp(t, h, other, "Кузнецов", "Пётр", "8 916 100-20-06")
	if _, body := other.get("/api/v1/me/personal-data"); !strings.Contains(body, `"status":"none"`) || !strings.Contains(body, "Кузнецов") || strings.Contains(body, "Смирнова") {
		t.Errorf("another citizen's data: %s", body)
	}
	if res, body := other.get("/api/v1/me/verification"); res.StatusCode != 404 {
		t.Errorf("another citizen's verification: %d %s", res.StatusCode, body)
	}
	if _, body := other.get("/account/personal-data"); strings.Contains(body, "112-233-445 95") || strings.Contains(body, "Смирнова") {
		t.Error("another citizen's data on the page")
	}
}

// TestPersonalDataLimit: ten submissions that start a check a day, then
// 429 with Retry-After.
func TestPersonalDataLimit(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.register("8 916 100-20-07", "Ogurec-Zelenyi-2026")
	for i := range 10 {
		if r := h.api("PUT", "/api/v1/me/personal-data", tok, with(smirnova(), "birth_place", fmt.Sprintf("г. Москва, %d", i))); r.Status != 202 {
			t.Fatalf("submission %d: %d %s", i+1, r.Status, r.Raw)
		}
	}
	r := h.api("PUT", "/api/v1/me/personal-data", tok, with(smirnova(), "birth_place", "г. Тверь"))
	if r.Status != 429 || r.str("code") != "personal_data.rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Errorf("the 11th: %d %s", r.Status, r.Raw)
	}
}

// TestPersonalDataPage: the page without JavaScript — the form prefilled
// with the account's names, messages next to their fields with everything
// typed kept, the status while checked and once verified; the account and
// services pages show the next step.
func TestPersonalDataPage(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	signedUp(t, h, b, "Иванов", "Иван", "8 916 100-20-08")

	_, body := b.get("/account")
	for _, want := range []string{"Заполните личные данные", `href="/account/personal-data"`, "не заполнены"} {
		if !strings.Contains(body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	// A service that needs a standard account says what to do.
	_, body = b.get("/services/pension-account-statement")
	if !strings.Contains(body, `data-step="personal_data"`) || !strings.Contains(body, "Заполните личные данные") {
		t.Error("the service page lacks the next step to standard")
	}

	res, body := b.get("/account/personal-data")
	if res.StatusCode != 200 || !strings.Contains(body, `value="Иванов"`) || !strings.Contains(body, `<option value="RUS" selected>Россия</option>`) {
		t.Fatalf("empty form: %d", res.StatusCode)
	}
	form := url.Values{"surname": {"Смирнова"}, "name": {"Анна"}, "patronymic": {"Сергеевна"}, "gender": {"female"}, "birth_date": {"15.03.1990"},
		"birth_place": {"г. Москва"}, "citizenship": {"RUS"}, "document.series": {"4510"}, "document.number": {"123456"},
		"document.issue_date": {"01.04.2010"}, "document.issued_by": {"ГУ МВД России по г. Москве"}, "document.division_code": {"770-00"},
		"snils": {"112-233-445 96"}}
	res, body = b.post("/account/personal-data", form)
	if res.StatusCode != 422 {
		t.Fatalf("wrong SNILS and code: %d", res.StatusCode)
	}
	for _, want := range []string{
		`id="f-snils-error"`, `id="f-document-division-code-error"`, `aria-describedby="f-snils-hint f-snils-error"`,
		`href="#f-snils"`, `href="#f-document-division-code"`, "проверьте последние две цифры",
		`value="112-233-445 96"`, `value="770-00"`, `value="ГУ МВД России по г. Москве"`, `value="female" checked`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page with errors lacks %s", want)
		}
	}
	form.Set("snils", "112-233-445 95")
	form.Set("document.division_code", "770001")
	res, _ = b.post("/account/personal-data", form)
	if res.StatusCode != 303 || res.Header.Get("Location") != "/account/personal-data?sent=1" {
		t.Fatalf("valid form: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = b.get("/account/personal-data?sent=1")
	for _, want := range []string{"Данные отправлены на проверку", `data-verification="/api/v1/me/verification"`, `aria-live="polite"`,
		"Социальный фонд:", "проверяется", `value="770-001"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the pending page lacks %s", want)
		}
	}
	if _, body = b.get("/account"); !strings.Contains(body, "Данные на проверке") {
		t.Error("the account page does not say the data is being checked")
	}
	h.runChecks()
	_, body = b.get("/account/personal-data")
	if !strings.Contains(body, "Учётная запись стандартная") || strings.Contains(body, "data-verification") {
		t.Error("the verified page does not say so")
	}
	_, body = b.get("/account")
	for _, want := range []string{"Стандартная учётная запись", "Подтвердите личность", "заказным письмом", "электронной подписью"} {
		if !strings.Contains(body, want) {
			t.Errorf("a standard account's page lacks %q", want)
		}
	}

	// English, and the language switch keeps what was typed.
	form.Set("birth_place", "г. Тверь")
	form.Set("lang", "en")
	res, body = b.post("/account/personal-data", form)
	if res.StatusCode != 200 || !strings.Contains(body, "My data") || !strings.Contains(body, `value="г. Тверь"`) || !strings.Contains(body, "Data checked at") {
		t.Errorf("switched to English: %d", res.StatusCode)
	}
}

// TestPersonalDataExport: «download my data» holds the verified data and
// the latest submission with each registry's check.
func TestPersonalDataExport(t *testing.T) {
	h := newHarness(t, nil)
	tok := h.register("8 916 100-20-09", "Ogurec-Zelenyi-2026")
	_, d := h.export(tok, "")
	if len(d.part(t, "personal_data")) != 0 || len(d.part(t, "verification")) != 0 {
		t.Errorf("before any submission: %v", d.Parts)
	}
	h.api("PUT", "/api/v1/me/personal-data", tok, smirnova())
	h.runChecks()
	h.api("PUT", "/api/v1/me/personal-data", tok, with(smirnova(), "document.issue_date", "2010-04-02"))
	h.runChecks()
	_, d = h.export(tok, "")
	v := d.part(t, "personal_data")
	if len(v) != 1 || v[0]["snils"] != "112-233-445 95" || v[0]["passport_issue_date"] != "2010-04-01" || v[0]["gender"] != "female" || v[0]["verified_at"] == nil {
		t.Errorf("verified data %v", v)
	}
	l := d.part(t, "verification")
	if len(l) != 1 || l[0]["state"] != "failed" || l[0]["mvd_check"] != "failed" || l[0]["sfr_check"] != "none" || l[0]["passport_issue_date"] != "2010-04-02" {
		t.Errorf("latest submission %v", l)
	}
}

// TestFollowingTheCheckIsNotActivity: the «Мои данные» page asking how
// the check goes, every few seconds, does not keep an idle session alive.
func TestFollowingTheCheckIsNotActivity(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	signedUp(t, h, b, "Иванов", "Иван", "8 916 100-20-10")
	b.get("/account/personal-data")
	h.clock.Add(20 * time.Minute)
	if res, _ := b.get("/api/v1/me/verification"); res.StatusCode != 404 {
		t.Fatalf("poll at 20 min: %d", res.StatusCode)
	}
	h.clock.Add(11 * time.Minute)
	if res, _ := b.get("/api/v1/me/verification"); res.StatusCode != 401 {
		t.Errorf("poll at 31 min: %d, want the session ended at 30", res.StatusCode)
	}
}

// TestPersonalDataReplaceSoon: a passport in its grace after the 20th
// birthday is accepted, and the page says by when to replace it.
func TestPersonalDataReplaceSoon(t *testing.T) {
	h := newHarness(t, nil)
	b := h.browser()
	signedUp(t, h, b, "Иванов", "Иван", "8 916 100-20-11")
	// Born 01.11.2006: 20 on 01.11.2026, three weeks before the harness's
	// today; the old passport is valid 90 days more, until 30.01.2027.
	form := url.Values{"surname": {"Иванов"}, "name": {"Иван"}, "no_patronymic": {"yes"}, "gender": {"male"}, "birth_date": {"01.11.2006"},
		"birth_place": {"г. Тула"}, "citizenship": {"RUS"}, "document.series": {"7021"}, "document.number": {"111222"},
		"document.issue_date": {"15.11.2020"}, "document.issued_by": {"УМВД России по Тульской области"}, "document.division_code": {"710-001"},
		"snils": {"112-233-445 95"}}
	if res, body := b.post("/account/personal-data", form); res.StatusCode != 303 {
		t.Fatalf("a passport in its grace: %d\n%s", res.StatusCode, body)
	}
	_, body := b.get("/account/personal-data")
	if !strings.Contains(body, `id="mydata-replace"`) || !strings.Contains(body, "30.01.2027") || !strings.Contains(body, "20 лет") {
		t.Error("the page does not say by when to replace the passport")
	}
}
