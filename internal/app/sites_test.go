package app_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// siteSecret checks that a page shows a site's secret once, with the
// warning, and kept by no cache; it returns the secret.
func siteSecret(t *testing.T, res *http.Response, body string) string {
	t.Helper()
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("the secret's page: %d, Cache-Control %q\n%s", res.StatusCode, res.Header.Get("Cache-Control"), body)
	}
	p := parse(t, body)
	l := p.find(func(n *html.Node) bool { return hasAttr(n, "data-client-secret") })
	if len(l) != 1 {
		t.Fatalf("%d secrets on the page", len(l))
	}
	if !strings.Contains(text(p.root), "Скопируйте секрет сейчас: он больше не будет показан") {
		t.Fatal("the page does not say the secret is shown once")
	}
	secret := text(l[0])
	if len(secret) != 43 { // 32 bytes, base64url
		t.Fatalf("secret %q", secret)
	}
	return secret
}

// checked reports whether the input with the id is checked.
func checked(p page, id string) bool { return hasAttr(p.byID(id), "checked") }

// TestSites walks the administrator's console for the sites that sign
// citizens in through kabinet: a registration refused on two fields (each
// message beside its field, the bad address by its line, everything typed
// kept), then registered with its secret shown once; the list; a change
// of its scopes; a new secret; disabling it, which wants a fresh code
// once the last is over 5 minutes old; and the audit log.
func TestSites(t *testing.T) {
	h := newHarness(t, nil)
	b := h.staffBrowser("admin")

	res, body := b.get("/staff/sites")
	if res.StatusCode != 200 || !parse(t, body).has("no-sites") || !strings.Contains(body, `href="/staff/sites/new"`) {
		t.Fatalf("the empty list: %d\n%s", res.StatusCode, body)
	}
	if _, console := b.get("/staff/console"); !strings.Contains(console, `href="/staff/sites"`) {
		t.Error("the administrator's menu has no «Сайты»")
	}
	res, body = b.get("/staff/sites/new")
	if p := parse(t, body); res.StatusCode != 200 || !checked(p, "f-scope-openid") || !hasAttr(p.byID("f-scope-openid"), "disabled") || !checked(p, "f-subject-type-pairwise") {
		t.Fatalf("the new site's form: %d", res.StatusCode)
	}

	form := url.Values{"id": {"mos-school"}, "name.ru": {" "}, "name.en": {"School enrolment"}, "purpose.ru": {"Записать ребёнка в школу"},
		"privacy_url":   {"https://school.example.gov.ru/privacy"},
		"redirect_uris": {"https://school.example.gov.ru/cb\r\n\r\nhttp://school.example.gov.ru/cb2"},
		"scopes":        {"fullname", "snils"}, "max_level": {"standard"}, "subject_type": {"public"}, "auth_method": {"client_secret_basic"}}
	res, body = b.post("/staff/sites", form)
	p := parse(t, body)
	if res.StatusCode != 422 {
		t.Fatalf("a site without a name: %d", res.StatusCode)
	}
	for id, want := range map[string]string{
		"f-name-ru-error":       "Заполните поле",
		"f-redirect-uris-error": "Строка 3: адрес должен начинаться с https",
	} {
		if got := text(p.byID(id)); !strings.Contains(got, want) {
			t.Errorf("#%s: %q, want %q", id, got, want)
		}
	}
	if s := text(p.find(func(n *html.Node) bool { return hasAttr(n, "data-error-summary") })[0]); !strings.Contains(s, "Название по-русски: заполните поле") ||
		!strings.Contains(s, "Адреса возврата (redirect_uri), строка 3: адрес должен начинаться с https") {
		t.Errorf("the error summary: %q", s)
	}
	if got := text(p.byID("f-redirect-uris")); !strings.Contains(got, "http://school.example.gov.ru/cb2") {
		t.Errorf("the redirect URIs typed are lost: %q", got)
	}
	if got := text(p.byID("f-purpose-ru")); got != "Записать ребёнка в школу" {
		t.Errorf("the purpose typed is lost: %q", got)
	}
	if attr(p.byID("f-name-en"), "value") != "School enrolment" || attr(p.byID("f-privacy-url"), "value") != "https://school.example.gov.ru/privacy" {
		t.Error("the name or the privacy page typed is lost")
	}
	if !checked(p, "f-scope-snils") || !checked(p, "f-scope-fullname") || checked(p, "f-scope-email") || !checked(p, "f-subject-type-public") {
		t.Error("the scopes or the subject type chosen are lost")
	}
	if !strings.Contains(body, `<option value="standard" selected>`) {
		t.Error("the level chosen is lost")
	}

	form.Set("name.ru", "Запись в школу")
	form.Set("redirect_uris", "https://school.example.gov.ru/cb")
	res, body = b.post("/staff/sites", form)
	first := siteSecret(t, res, body)
	if !strings.Contains(body, `data-client-id>mos-school<`) {
		t.Error("the page does not show the client ID")
	}

	res, body = b.get("/staff/sites")
	p = parse(t, body)
	rows := p.find(func(n *html.Node) bool { return attr(n, "data-site") == "mos-school" })
	if res.StatusCode != 200 || len(rows) != 1 || !strings.Contains(text(rows[0]), "Запись в школу") || !strings.Contains(text(rows[0]), "school.example.gov.ru") ||
		!strings.Contains(text(rows[0]), "Стандартная") || strings.Contains(text(rows[0]), "Отключён") {
		t.Fatalf("the list: %d\n%s", res.StatusCode, body)
	}
	if strings.Contains(body, first) {
		t.Fatal("the list shows the secret")
	}

	// A change of scopes: the form of the site, as registered.
	res, body = b.get("/staff/sites/mos-school")
	p = parse(t, body)
	if res.StatusCode != 200 || !checked(p, "f-scope-snils") || p.has("f-id") || strings.Contains(body, first) {
		t.Fatalf("the site's form: %d\n%s", res.StatusCode, body)
	}
	form.Set("editing", "1")
	form["scopes"] = []string{"fullname", "birthdate"}
	if res, _ := b.post("/staff/sites", form); res.StatusCode != 303 || res.Header.Get("Location") != "/staff/sites/mos-school?done=saved" {
		t.Fatalf("the change: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = b.get("/staff/sites/mos-school?done=saved")
	if p = parse(t, body); !checked(p, "f-scope-birthdate") || checked(p, "f-scope-snils") || !strings.Contains(body, "Изменения сохранены") {
		t.Error("the change of scopes does not show")
	}
	c, found, err := h.app.Store.RelyingParties().Client(context.Background(), "mos-school")
	if err != nil || !found || !slices.Equal(c.Scopes, []string{"openid", "fullname", "birthdate"}) || !c.CheckSecret(first) {
		t.Fatalf("stored: %v %v %+v", err, found, c)
	}

	// A new secret: the old one stops working.
	res, body = b.post("/staff/sites/mos-school/secret", url.Values{})
	second := siteSecret(t, res, body)
	c, _, _ = h.app.Store.RelyingParties().Client(context.Background(), "mos-school")
	if second == first || !c.CheckSecret(second) || c.CheckSecret(first) {
		t.Fatal("the new secret does not replace the old one")
	}

	// Disabling, with the last code over 5 minutes old: the code first.
	h.clock.Add(6 * time.Minute)
	res, body = b.post("/staff/sites/mos-school/disable", url.Values{})
	if p = parse(t, body); res.StatusCode != 422 || !strings.Contains(text(p.byID("f-status-code-error")), "код") || p.has("f-secret-code-error") {
		t.Fatalf("disabling without a fresh code: %d\n%s", res.StatusCode, body)
	}
	res, _ = b.post("/staff/sites/mos-school/disable", url.Values{"code": {h.staffCode(demoMember("admin").Secret)}})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/staff/sites/mos-school?done=disabled" {
		t.Fatalf("disabling: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if _, body := b.get("/staff/sites/mos-school?done=disabled"); !parse(t, body).has("site-enable") {
		t.Error("a disabled site's page offers no «Включить»")
	}
	_, body = b.get("/staff/sites")
	rows = parse(t, body).find(func(n *html.Node) bool { return attr(n, "data-site") == "mos-school" })
	if len(rows) != 1 || !strings.Contains(text(rows[0]), "Отключён") {
		t.Fatalf("the list does not show the site disabled:\n%s", body)
	}

	// A site that is not there, and an ID taken, said so.
	if res, _ := b.get("/staff/sites/no-such-site"); res.StatusCode != 404 {
		t.Errorf("a site that is not there: %d", res.StatusCode)
	}
	delete(form, "editing")
	res, body = b.post("/staff/sites", form)
	if p = parse(t, body); res.StatusCode != 422 || !strings.Contains(text(p.byID("f-id-error")), "уже зарегистрирован") || attr(p.byID("f-id"), "value") != "mos-school" {
		t.Errorf("an ID taken: %d", res.StatusCode)
	}

	for action, want := range map[string]int{"rp.registered": 1, "rp.changed": 1, "rp.secret_rotated": 1, "rp.disabled": 1} {
		if n := h.auditCount(action); n != want {
			t.Errorf("audit %s: %d, want %d", action, n, want)
		}
	}
}

// TestSitesAPI: the same over the staff API — a refusal names the bad
// redirect URI by its index; registered, the secret in that answer only;
// read, listed, changed (to keys and back, which issues a new secret), a
// new secret, disabled; an operator is refused, and a code over 5
// minutes old must be proven again.
func TestSitesAPI(t *testing.T) {
	h := newHarness(t, nil)
	admin := h.staffToken("admin")
	site := map[string]any{"id": "tax-kaluga", "name": map[string]string{"ru": "Налоги Калуги"}, "purpose": map[string]string{"ru": "Показать ваши налоги"},
		"privacy_url": "https://tax.example.gov.ru/privacy", "redirect_uris": []string{"https://tax.example.gov.ru/cb", "http://tax.example.gov.ru/cb"},
		"scopes": []string{"inn"}}
	r := h.api("POST", "/api/v1/staff/relying-parties", admin, site)
	if r.Status != 422 || r.fieldCode("redirect_uris[1]") != "relyingparty.uri_https" {
		t.Fatalf("an http redirect URI: %d %s", r.Status, r.Raw)
	}
	site["redirect_uris"] = []string{"https://tax.example.gov.ru/cb"}
	r = h.api("POST", "/api/v1/staff/relying-parties", admin, site)
	first := r.str("client_secret")
	if r.Status != 201 || len(first) != 43 || r.str("sector") != "tax.example.gov.ru" || r.str("auth_method") != "client_secret_basic" ||
		strings.Contains(r.Raw, "secret_hash") || !strings.Contains(r.Raw, `"scopes":["openid","inn"]`) {
		t.Fatalf("registered: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/relying-parties", admin, site); r.Status != 409 || r.str("code") != "relyingparty.id_taken" {
		t.Errorf("the same ID again: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/staff/relying-parties/tax-kaluga", admin, nil); r.Status != 200 || strings.Contains(r.Raw, `"client_secret":`) || r.str("id") != "tax-kaluga" {
		t.Errorf("read: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/staff/relying-parties", admin, nil); r.Status != 200 || !strings.Contains(r.Raw, `"id":"tax-kaluga"`) || strings.Contains(r.Raw, first) {
		t.Errorf("listed: %d %s", r.Status, r.Raw)
	}
	// Saved as registered: nothing changes, so nothing is recorded.
	if r := h.api("PUT", "/api/v1/staff/relying-parties/tax-kaluga", admin, site); r.Status != 200 || h.auditCount("rp.changed") != 0 {
		t.Errorf("saved unchanged: %d, %d rp.changed", r.Status, h.auditCount("rp.changed"))
	}

	// To keys: no secret, and none to rotate; back to a secret: a new one.
	site["auth_method"], site["jwks_uri"], site["scopes"] = "private_key_jwt", "https://tax.example.gov.ru/jwks.json", []string{"inn", "email"}
	r = h.api("PUT", "/api/v1/staff/relying-parties/tax-kaluga", admin, site)
	if r.Status != 200 || r.str("client_secret") != "" || r.str("auth_method") != "private_key_jwt" || !strings.Contains(r.Raw, `"scopes":["openid","inn","email"]`) {
		t.Fatalf("changed to keys: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/relying-parties/tax-kaluga/secret", admin, nil); r.Status != 409 || r.str("code") != "relyingparty.no_secret" {
		t.Errorf("a new secret for a site with keys: %d %s", r.Status, r.Raw)
	}
	site["auth_method"], site["jwks_uri"] = "client_secret_post", ""
	r = h.api("PUT", "/api/v1/staff/relying-parties/tax-kaluga", admin, site)
	second := r.str("client_secret")
	if r.Status != 200 || len(second) != 43 || second == first {
		t.Fatalf("changed back to a secret: %d %s", r.Status, r.Raw)
	}
	if r := h.api("PUT", "/api/v1/staff/relying-parties/no-such-site", admin, site); r.Status != 404 || r.str("code") != "relyingparty.not_found" {
		t.Errorf("a site that is not there: %d %s", r.Status, r.Raw)
	}

	r = h.api("POST", "/api/v1/staff/relying-parties/tax-kaluga/secret", admin, nil)
	if r.Status != 200 || r.str("client_id") != "tax-kaluga" || len(r.str("client_secret")) != 43 || r.str("client_secret") == second {
		t.Fatalf("a new secret: %d %s", r.Status, r.Raw)
	}
	c, _, _ := h.app.Store.RelyingParties().Client(context.Background(), "tax-kaluga")
	if !c.CheckSecret(r.str("client_secret")) || c.CheckSecret(second) {
		t.Fatal("the new secret does not replace the old one")
	}

	if r := h.api("PUT", "/api/v1/staff/relying-parties/tax-kaluga/status", admin, map[string]any{}); r.Status != 422 || r.fieldCode("disabled") != "console.sites.status_required" {
		t.Errorf("a status without disabled: %d %s", r.Status, r.Raw)
	}
	if r := h.api("PUT", "/api/v1/staff/relying-parties/tax-kaluga/status", admin, map[string]bool{"disabled": true}); r.Status != 200 || r.Body["disabled"] != true {
		t.Fatalf("disabled: %d %s", r.Status, r.Raw)
	}

	if r := h.api("GET", "/api/v1/staff/relying-parties", h.staffToken("operator"), nil); r.Status != 403 || r.str("code") != "staff.forbidden" {
		t.Errorf("an operator: %d %s", r.Status, r.Raw)
	}

	// Over 5 minutes after the last code, a change wants it again.
	h.clock.Add(6 * time.Minute)
	if r := h.api("PUT", "/api/v1/staff/relying-parties/tax-kaluga/status", admin, map[string]bool{"disabled": false}); r.Status != 403 || r.str("code") != "staff.reauth_required" {
		t.Fatalf("a stale code: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/sessions/current/reauth", admin, map[string]string{"code": h.staffCode(demoMember("admin").Secret)}); r.Status != 204 {
		t.Fatalf("reauth: %d %s", r.Status, r.Raw)
	}
	if r := h.api("PUT", "/api/v1/staff/relying-parties/tax-kaluga/status", admin, map[string]bool{"disabled": false}); r.Status != 200 || r.Body["disabled"] != false {
		t.Fatalf("enabled: %d %s", r.Status, r.Raw)
	}
	for action, want := range map[string]int{"rp.registered": 1, "rp.changed": 2, "rp.secret_rotated": 1, "rp.disabled": 1, "rp.enabled": 1} {
		if n := h.auditCount(action); n != want {
			t.Errorf("audit %s: %d, want %d", action, n, want)
		}
	}
}
