package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/extras"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/profile"
)

// Issue 11 §4: «Дополнительные данные» through the API and the page, the
// INN found by the registry simulator's Tax Service.

// personalInput is «Мои данные» of one of the simulator's demo people.
func personalInput(surname, name, patronymic, gender, born, series, number, issued, snils string) profile.Input {
	return profile.Input{
		IdentityInput: person.IdentityInput{Surname: surname, Name: name, Patronymic: patronymic, Gender: gender, BirthDate: born, BirthPlace: "г. Москва", Citizenship: "RUS"},
		DocumentType:  profile.PassportRF,
		Passport:      document.PassportInput{Series: series, Number: number, IssueDate: issued, IssuedBy: "ГУ МВД России", DivisionCode: "770-001"},
		SNILS:         snils,
	}
}

var (
	smirnovaInput = personalInput("Смирнова", "Анна", "Сергеевна", "female", "1990-03-15", "4510", "123456", "2010-04-01", "112-233-445 95")
	kuznetsov     = personalInput("Кузнецов", "Иван", "Петрович", "male", "1985-07-20", "9205", "234567", "2005-08-10", "123-456-789 64")
)

// meID returns the signed-in account's ID.
func (h *harness) meID(token string) string {
	h.t.Helper()
	r := h.api("GET", "/api/v1/me", token, nil)
	if r.Status != 200 {
		h.t.Fatalf("me: %d %s", r.Status, r.Raw)
	}
	return r.str("id")
}

// submitPersonal submits personal data for the account: a pending
// verification (the harness runs no jobs), which is what the Tax Service is
// asked with until something is verified.
func (h *harness) submitPersonal(accountID string, in profile.Input) {
	h.t.Helper()
	if _, err := h.app.Profile.Submit(context.Background(), profile.Submission{AccountID: accountID, Input: in}); err != nil {
		h.t.Fatal(err)
	}
}

// taxService sets the simulated Tax Service's behaviour (PUT /control).
func (h *harness) taxService(behaviour map[string]any) {
	h.t.Helper()
	b, _ := json.Marshal(map[string]any{"fns": behaviour})
	req, _ := http.NewRequest("PUT", h.app.Config.Registry.URL+"/control", bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+h.app.Config.Registry.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		h.t.Fatalf("control: %d", res.StatusCode)
	}
}

var tambovJSON = map[string]any{"region": "68", "locality": "Тамбов", "street": "ул. Советская", "house": "5", "building": "", "flat": "12", "postcode": "392000"}

func TestAdditionalDataAPI(t *testing.T) {
	h := newHarness(t, nil)
	token := h.register("8 916 555-01-01", goodPassword)

	r := h.api("GET", "/api/v1/me/additional-data", token, nil)
	if r.Status != 200 || r.Body["registration_address"] != nil || r.Body["inn"] != "" || r.Body["inn_source"] != nil || r.Body["updated_at"] != nil {
		t.Fatalf("nothing saved: %d %s", r.Status, r.Raw)
	}

	bad := []struct {
		name   string
		body   map[string]any
		fields map[string]string
	}{
		{"a field error on every item", map[string]any{"registration_address": map[string]any{"region": "68", "locality": "Тамбов"},
			"residence_address": map[string]any{"region": "00", "locality": "Москва", "house": "1"}, "home_phone": "8 916 123-45-67", "inn": "770123456704", "oms": "123"},
			map[string]string{"registration_address.house": "address.house.required", "residence_address.region": "address.region.unknown",
				"home_phone": "phone.home.mobile", "inn": "inn.checksum", "oms": "oms.length"}},
		{"the same address without one", map[string]any{"residence_same": true}, map[string]string{"residence_same": "additional_data.same_without_registration"}},
		{"an organisation's INN", map[string]any{"inn": "7707083893"}, map[string]string{"inn": "inn.organisation"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := h.api("PUT", "/api/v1/me/additional-data", token, tt.body)
			if r.Status != 422 || r.str("code") != "form.invalid" {
				t.Fatalf("%d %s", r.Status, r.Raw)
			}
			got := map[string]string{}
			for k, v := range r.Body["field_codes"].(map[string]any) {
				got[k] = v.(string)
			}
			if !reflect.DeepEqual(got, tt.fields) {
				t.Errorf("field codes %v, want %v", got, tt.fields)
			}
		})
	}
	if r := h.api("PUT", "/api/v1/me/additional-data", token, map[string]any{"inn": "770123456703", "inn_source": "fns"}); r.Status != 400 {
		t.Errorf("inn_source is read-only: %d %s", r.Status, r.Raw)
	}

	r = h.api("PUT", "/api/v1/me/additional-data", token, map[string]any{"registration_address": tambovJSON, "residence_address": nil, "residence_same": true,
		"home_phone": "8 (4752) 12-34-56", "inn": "5001 0073 2259", "oms": "1234 5678 9012 3452"})
	if r.Status != 200 {
		t.Fatalf("save: %d %s", r.Status, r.Raw)
	}
	want := map[string]any{"registration_address": tambovJSON, "residence_address": tambovJSON, "residence_same": true, "home_phone": "+74752123456",
		"inn": "500100732259", "inn_source": "typed", "oms": "1234567890123452"}
	got := h.api("GET", "/api/v1/me/additional-data", token, nil)
	for k, v := range want {
		if !reflect.DeepEqual(got.Body[k], v) || !reflect.DeepEqual(r.Body[k], v) {
			t.Errorf("%s: saved %v, read %v; want %v", k, r.Body[k], got.Body[k], v)
		}
	}
	// Cleared by what is not sent.
	if r = h.api("PUT", "/api/v1/me/additional-data", token, map[string]any{"oms": "1234567890123452"}); r.Status != 200 || r.Body["registration_address"] != nil || r.Body["inn"] != "" {
		t.Errorf("replace: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/me/additional-data", "", nil); r.Status != 401 {
		t.Errorf("without a session: %d", r.Status)
	}
}

func TestFindINN(t *testing.T) {
	h := newHarness(t, nil)
	anna := h.register("8 916 555-02-01", goodPassword)
	ivan := h.register("8 916 555-02-02", goodPassword)

	// Nothing to ask with yet.
	if r := h.api("POST", "/api/v1/me/inn/find", anna, nil); r.Status != 409 || r.str("code") != "additional_data.inn_no_personal_data" {
		t.Fatalf("no personal data: %d %s", r.Status, r.Raw)
	}
	h.submitPersonal(h.meID(anna), smirnovaInput)
	h.submitPersonal(h.meID(ivan), kuznetsov)
	if r := h.api("PUT", "/api/v1/me/additional-data", anna, map[string]any{"oms": "1234567890123452", "inn": "500100732259"}); r.Status != 200 {
		t.Fatal(r.Raw)
	}

	// The Tax Service not answering: 503, the typed INN kept, no made-up one.
	h.taxService(map[string]any{"fail_rate": 1})
	if r := h.api("POST", "/api/v1/me/inn/find", anna, nil); r.Status != 503 || r.str("code") != "additional_data.inn_unavailable" {
		t.Errorf("Tax Service down: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/me/additional-data", anna, nil); r.str("inn") != "500100732259" || r.str("inn_source") != "typed" {
		t.Errorf("after the failure: %s", r.Raw)
	}
	h.taxService(map[string]any{})

	r := h.api("POST", "/api/v1/me/inn/find", anna, nil)
	if r.Status != 200 || r.str("inn") != "770123456703" || r.str("inn_source") != "fns" {
		t.Fatalf("found: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/me/additional-data", anna, nil); r.str("inn") != "770123456703" || r.str("inn_source") != "fns" || r.str("oms") != "1234567890123452" {
		t.Errorf("saved: %s", r.Raw)
	}
	// The Tax Service knows no INN for Кузнецов.
	if r := h.api("POST", "/api/v1/me/inn/find", ivan, nil); r.Status != 404 || r.str("code") != "additional_data.inn_not_found" {
		t.Errorf("not found: %d %s", r.Status, r.Raw)
	}

	// Five look-ups a day (two spent above).
	for i := range 3 {
		if r := h.api("POST", "/api/v1/me/inn/find", anna, nil); r.Status != 200 {
			t.Fatalf("look-up %d: %d %s", i+3, r.Status, r.Raw)
		}
	}
	r = h.api("POST", "/api/v1/me/inn/find", anna, nil)
	if r.Status != 429 || r.str("code") != "additional_data.inn_rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Errorf("over the limit: %d %s", r.Status, r.Raw)
	}
}

// TestAdditionalDataExportedAndErased: the export holds the additional
// data; erasing the account deletes it.
func TestAdditionalDataExportedAndErased(t *testing.T) {
	h := newHarness(t, nil)
	token := h.register("8 916 555-03-01", goodPassword)
	id := h.meID(token)
	if r := h.api("PUT", "/api/v1/me/additional-data", token, map[string]any{"registration_address": tambovJSON, "residence_same": true, "inn": "500100732259"}); r.Status != 200 {
		t.Fatal(r.Raw)
	}
	_, doc := h.export(token, "")
	part := doc.part(t, "additional_data")
	line := "392000, Тамбовская обл, Тамбов, ул. Советская, д. 5, кв. 12"
	if len(part) != 1 || part[0]["registration_address"] != line || part[0]["residence_address"] != line || part[0]["inn"] != "500100732259" || part[0]["inn_source"] != "typed" {
		t.Errorf("export part %v", part)
	}

	ctx := context.Background()
	now := h.clock.Now()
	if err := h.app.Store.Accounts().ScheduleDeletion(ctx, id, now, now); err != nil {
		t.Fatal(err)
	}
	h.clock.Add(time.Minute)
	if _, err := h.app.Deletion.EraseDue(ctx); err != nil {
		t.Fatal(err)
	}
	if d, err := h.app.Store.Extras().AdditionalData(ctx, id); err != nil || !reflect.DeepEqual(d, extras.Data{}) {
		t.Errorf("after erasure: %+v, %v", d, err)
	}
}

func TestRegionsAndLocalities(t *testing.T) {
	h := newHarness(t, nil)
	r := h.api("GET", "/api/v1/regions", "", nil)
	regions, _ := r.Body["regions"].([]any)
	if r.Status != 200 || len(regions) < 80 {
		t.Fatalf("regions: %d, %d of them", r.Status, len(regions))
	}
	r = h.api("GET", "/api/v1/localities?region=68&q="+url.QueryEscape("тамб"), "", nil)
	if l, _ := r.Body["localities"].([]any); r.Status != 200 || len(l) != 1 || l[0].(map[string]any)["name"] != "Тамбов" {
		t.Errorf("localities: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/localities?region=00", "", nil); r.Status != 422 || r.fieldCode("region") != "address.region.unknown" {
		t.Errorf("localities of an unknown region: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/localities", "", nil); r.Status != 422 || r.fieldCode("q") != "choose_region.q_required" {
		t.Errorf("localities of nothing: %d %s", r.Status, r.Raw)
	}
	// «Выбрать регион»: every region's towns, one typo forgiven.
	r = h.api("GET", "/api/v1/localities?q="+url.QueryEscape("калгуа"), "", nil)
	if l, _ := r.Body["localities"].([]any); r.Status != 200 || len(l) == 0 || l[0].(map[string]any)["name"] != "Калуга" || l[0].(map[string]any)["region"] != "40" {
		t.Errorf("localities of every region: %d %s", r.Status, r.Raw)
	}
}

// TestAdditionalDataPage: the page without JavaScript — errors next to
// their fields, described by them, summed up at the top, nothing typed
// lost; a save; «Найти мой ИНН» as its own POST, keeping what was typed.
func TestAdditionalDataPage(t *testing.T) {
	h := newHarness(t, nil)
	br := h.browser()
	signedUp(t, h, br, "Смирнова", "Анна", "8 916 555-04-01")

	res, body := br.get("/account")
	if p := parse(t, body); res.StatusCode != 200 || len(p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/account/additional-data" })) != 1 {
		t.Fatalf("the account page links no additional data")
	}
	res, body = br.get("/account/additional-data")
	p := parse(t, body)
	if res.StatusCode != 200 || p.h1() != "Дополнительные данные" || !strings.Contains(body, `<option value="68">Тамбовская обл</option>`) {
		t.Fatalf("page: %d %q", res.StatusCode, p.h1())
	}

	form := url.Values{"registration_address.region": {"68"}, "registration_address.locality": {"Тамбов"}, "registration_address.street": {"ул. Советская"},
		"residence_address.region": {"77"}, "residence_address.locality": {"Москва"}, "residence_address.house": {"1"},
		"home_phone": {"8 916 123-45-67"}, "inn": {"770123456704"}, "oms": {"1234 5678 9012 3452"}}
	res, body = br.post("/account/additional-data", form)
	p = parse(t, body)
	if res.StatusCode != 422 {
		t.Fatalf("errors: %d", res.StatusCode)
	}
	for field, msg := range map[string]string{"registration_address.house": "Укажите номер дома", "home_phone": "Это номер мобильного телефона",
		"inn": "Контрольные цифры не совпадают"} {
		id := "f-" + strings.NewReplacer("_", "-", ".", "-").Replace(field)
		in := p.byID(id)
		if in == nil || !strings.Contains(attr(in, "aria-describedby"), id+"-error") || attr(in, "aria-invalid") != "true" {
			t.Errorf("%s: not described by its error", field)
		}
		if e := p.byID(id + "-error"); e == nil || !strings.Contains(text(e), msg) {
			t.Errorf("%s: no message %q", field, msg)
		}
		if len(p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "#"+id })) != 1 {
			t.Errorf("%s: not in the error summary", field)
		}
	}
	if v := attr(p.byID("f-oms"), "value"); v != "1234 5678 9012 3452" {
		t.Errorf("typed policy lost: %q", v)
	}
	if !strings.Contains(body, `<option value="68" selected>`) || !strings.Contains(body, `<option value="Тамбов">`) {
		t.Error("the region chosen and its towns are not kept")
	}

	form.Set("registration_address.house", "5")
	form.Set("home_phone", "8 4752 12-34-56")
	form.Set("inn", "")
	form.Set("residence_same", "on")
	res, _ = br.post("/account/additional-data", form)
	if res.StatusCode != 303 || res.Header.Get("Location") != "/account/additional-data?saved=1" {
		t.Fatalf("save: %d", res.StatusCode)
	}
	_, body = br.get("/account/additional-data?saved=1")
	p = parse(t, body)
	if !strings.Contains(p.textOf("notice"), "сохранены") || attr(p.byID("f-home-phone"), "value") != "+7 475 212-34-56" || !strings.Contains(body, `value="on" checked`) {
		t.Errorf("saved page: notice %q, phone %q", p.textOf("notice"), attr(p.byID("f-home-phone"), "value"))
	}

	// «Найти мой ИНН» before «Мои данные»: said on the INN field, with a
	// link there, and what was typed kept.
	form.Set("oms", "1111")
	res, body = br.post("/account/additional-data/inn", form)
	p = parse(t, body)
	if res.StatusCode != 409 || !strings.Contains(text(p.byID("f-inn-error")), "Мои данные") || attr(p.byID("f-oms"), "value") != "1111" ||
		len(p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/account/personal-data" })) != 1 {
		t.Errorf("find without personal data: %d %q", res.StatusCode, text(p.byID("f-inn-error")))
	}
	a, err := h.app.Store.Accounts().AccountByPhone(context.Background(), "+79165550401")
	if err != nil {
		t.Fatal(err)
	}
	h.submitPersonal(a.ID, smirnovaInput)
	res, body = br.post("/account/additional-data/inn", form)
	p = parse(t, body)
	if res.StatusCode != 200 || attr(p.byID("f-inn"), "value") != "770123456703" || !strings.Contains(p.textOf("notice"), "770123456703") ||
		!strings.Contains(text(p.byID("f-inn-source")), "найден в ФНС") || attr(p.byID("f-oms"), "value") != "1111" {
		t.Errorf("found: %d, inn %q, notice %q", res.StatusCode, attr(p.byID("f-inn"), "value"), p.textOf("notice"))
	}
	if res, _ := br.get("/account/additional-data/inn"); res.StatusCode != 303 {
		t.Errorf("GET of the button's address: %d", res.StatusCode)
	}

	// The language switch keeps what was typed, unsaved.
	form.Set("lang", "en")
	res, body = br.post("/account/additional-data", form)
	if p = parse(t, body); res.StatusCode != 200 || p.h1() != "Additional data" || attr(p.byID("f-oms"), "value") != "1111" {
		t.Errorf("language switch: %d %q", res.StatusCode, p.h1())
	}
}
