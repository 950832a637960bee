package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/store"
)

const newPassword = "Leto-2027?kab"

func noSecondStep(c *config.Config) { c.SignIn.SecondStep = false }

// changePw calls POST /api/v1/me/password.
func (h *harness) changePw(token, cur, pw string, endOthers bool) response {
	h.t.Helper()
	return h.api("POST", "/api/v1/me/password", token, map[string]any{"current_password": cur, "password": pw, "password_confirmation": pw,
		"end_other_sessions": endOthers})
}

// TestChangePasswordAPI: the refusals name their field; a change keeps the
// other sessions or ends them as asked, keeps the session that asked,
// tells the owner by SMS, and the new password is the one that signs in.
func TestChangePasswordAPI(t *testing.T) {
	h := newHarness(t, noSecondStep)
	tok := h.register("+7 916 123-45-67", goodPassword)
	other := h.signIn(owner, goodPassword, "").str("session_token")

	for _, tc := range []struct {
		name, cur, pw, field, code string
	}{
		{"no current password", "", newPassword, "current_password", "credential.required"},
		{"wrong current password", "Osen-2020!kab", newPassword, "current_password", "credential.wrong"},
		{"the current one again", goodPassword, goodPassword, "password", "credential.same"},
		{"built from the phone", goodPassword, "9161234567Aa!", "password", ""},
	} {
		r := h.changePw(tok, tc.cur, tc.pw, true)
		if r.Status != 422 || r.fieldCode(tc.field) == "" || (tc.code != "" && r.fieldCode(tc.field) != tc.code) {
			t.Errorf("%s: %d %s, want 422 with %s %s", tc.name, r.Status, r.Raw, tc.field, tc.code)
		}
	}

	// Kept: the other session still works.
	if r := h.changePw(tok, goodPassword, newPassword, false); r.Status != 200 || r.Body["ended_sessions"] != float64(0) {
		t.Fatalf("change: %d %s", r.Status, r.Raw)
	}
	if tpl, text := h.lastMessage(owner); tpl != "password_changed_by_owner" || !strings.Contains(text, "/recover") {
		t.Errorf("notice %s: %q", tpl, text)
	}
	if r := h.api("GET", "/api/v1/me", other, nil); r.Status != 200 {
		t.Errorf("the other session after a change that kept it: %d", r.Status)
	}
	// Ended: the other session is refused and says why; this one stays.
	if r := h.changePw(tok, newPassword, goodPassword, true); r.Status != 200 || r.Body["ended_sessions"] != float64(1) {
		t.Fatalf("change ending the others: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/me", other, nil); r.Status != 401 || r.str("code") != "session.ended.password" {
		t.Errorf("the other session: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/me", tok, nil); r.Status != 200 {
		t.Errorf("the session that asked: %d", r.Status)
	}
	if r := h.signIn(owner, newPassword, ""); r.Status != 401 {
		t.Errorf("the replaced password signs in: %d", r.Status)
	}
	if r := h.signIn(owner, goodPassword, ""); r.Status != 201 {
		t.Errorf("the new password: %d %s", r.Status, r.Raw)
	}
	id := h.api("GET", "/api/v1/me", tok, nil).str("id")
	if n := strings.Count(strings.Join(h.auditActions(id), " "), "password.changed"); n != 2 {
		t.Errorf("%d password.changed events: %v", n, h.auditActions(id))
	}
}

// TestChangePasswordLockout: wrong current passwords count towards the
// login's lock like wrong sign-ins: a warning from the third, a lock at the
// fifth, which then holds sign-in too, and the owner is told.
func TestChangePasswordLockout(t *testing.T) {
	h := newHarness(t, noSecondStep)
	tok := h.register("+7 916 123-45-67", goodPassword)
	var codes []string
	for range 5 {
		r := h.changePw(tok, "Osen-2020!kab", newPassword, false)
		c := r.fieldCode("current_password")
		if c == "" {
			c = r.str("code")
		}
		codes = append(codes, c)
	}
	want := "credential.wrong credential.wrong credential.wrong_left credential.wrong_left signin.locked"
	if got := strings.Join(codes, " "); got != want {
		t.Errorf("answers %s, want %s", got, want)
	}
	if r := h.changePw(tok, goodPassword, newPassword, false); r.Status != 429 || r.Header.Get("Retry-After") == "" {
		t.Errorf("right password while locked: %d %s", r.Status, r.Raw)
	}
	if r := h.signIn(owner, goodPassword, ""); r.Status != 429 {
		t.Errorf("sign-in while locked: %d", r.Status)
	}
	if n := h.templatesTo(owner, "signin_locked"); n != 1 {
		t.Errorf("%d lock notices", n)
	}
}

// TestChangePasswordPage: the page works without script: a wrong current
// password is said next to its field with the choice kept; the change
// lands on the account page with a notice.
func TestChangePasswordPage(t *testing.T) {
	h := newHarness(t, noSecondStep)
	br := h.signedIn(h.register("+7 916 123-45-67", goodPassword))
	if res, body := br.get("/account"); res.StatusCode != 200 || !strings.Contains(body, `href="/account/password"`) {
		t.Fatalf("account page: %d", res.StatusCode)
	}
	res, body := br.post("/account/password", url.Values{"current_password": {"Osen-2020!kab"}, "password": {newPassword},
		"password_confirmation": {newPassword}})
	p := parse(t, body)
	if res.StatusCode != 422 || !strings.Contains(text(p.byID("f-current-password-error")), "Неверный текущий пароль") {
		t.Fatalf("wrong current password: %d %s", res.StatusCode, body)
	}
	if attr(p.byID("f-end-other-sessions"), "checked") != "" {
		t.Error("the unticked choice came back ticked")
	}
	res, _ = br.post("/account/password", url.Values{"current_password": {goodPassword}, "password": {newPassword},
		"password_confirmation": {newPassword}, "end_other_sessions": {"on"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/account?password_changed=0" {
		t.Fatalf("change: %d %s", res.StatusCode, loc)
	}
	if _, body := br.get("/account?password_changed=0"); !strings.Contains(body, "Пароль изменён") {
		t.Error("no notice on the account page")
	}
}

// TestDeletionCancelledBySignIn: a deletion asked with the password shows
// in /me with its date, the owner is told; DELETE cancels it; asked again,
// a sign-in cancels it, says so on the page and tells the owner.
func TestDeletionCancelledBySignIn(t *testing.T) {
	h := newHarness(t, noSecondStep)
	tok := h.register("+7 916 123-45-67", goodPassword)
	if r := h.api("POST", "/api/v1/me/deletion", tok, map[string]string{"password": "Osen-2020!kab"}); r.Status != 422 || r.fieldCode("password") != "credential.wrong" {
		t.Fatalf("wrong password: %d %s", r.Status, r.Raw)
	}
	r := h.api("POST", "/api/v1/me/deletion", tok, map[string]string{"password": goodPassword})
	at, err := time.Parse(time.RFC3339, r.str("effective_at"))
	if r.Status != 202 || err != nil || at.Sub(h.clock.Now()) < 167*time.Hour || at.Sub(h.clock.Now()) > 168*time.Hour {
		t.Fatalf("request: %d %s", r.Status, r.Raw)
	}
	if me := h.api("GET", "/api/v1/me", tok, nil); me.str("deletion_effective_at") != r.str("effective_at") {
		t.Errorf("/me: %s", me.Raw)
	}
	if tpl, _ := h.lastMessage(owner); tpl != "deletion_requested" {
		t.Errorf("notice %s", tpl)
	}
	if r := h.api("DELETE", "/api/v1/me/deletion", tok, nil); r.Status != 204 {
		t.Fatalf("cancel: %d %s", r.Status, r.Raw)
	}
	if me := h.api("GET", "/api/v1/me", tok, nil); strings.Contains(me.Raw, "deletion_effective_at") {
		t.Errorf("/me after cancel: %s", me.Raw)
	}

	h.api("POST", "/api/v1/me/deletion", tok, map[string]string{"password": goodPassword})
	br := h.browser()
	res, _ := br.post("/signin", url.Values{"login": {"+7 916 123-45-67"}, "password": {goodPassword}})
	if loc := res.Header.Get("Location"); loc != "/account?deletion_cancelled=signin" {
		t.Fatalf("sign-in went to %q", loc)
	}
	if _, body := br.get("/account?deletion_cancelled=signin"); !strings.Contains(body, "удаление учётной записи отменено") {
		t.Error("the page does not say the deletion was cancelled")
	}
	if tpl, _ := h.lastMessage(owner); tpl != "deletion_cancelled" {
		t.Errorf("notice %s", tpl)
	}
	if me := h.api("GET", "/api/v1/me", tok, nil); strings.Contains(me.Raw, "deletion_effective_at") {
		t.Errorf("/me after sign-in: %s", me.Raw)
	}
	// Through the API, the new session's answer says so.
	h.api("POST", "/api/v1/me/deletion", tok, map[string]string{"password": goodPassword})
	if r := h.signIn(owner, goodPassword, ""); r.Status != 201 || r.Body["deletion_cancelled"] != true {
		t.Errorf("API sign-in: %d %s", r.Status, r.Raw)
	}
	if r := h.signIn(owner, goodPassword, ""); strings.Contains(r.Raw, "deletion_cancelled") {
		t.Errorf("a sign-in with nothing pending: %s", r.Raw)
	}
	id := h.api("GET", "/api/v1/me", tok, nil).str("id")
	want := "account.deletion_requested account.deletion_cancelled account.deletion_requested"
	if got := strings.Join(h.auditActions(id), " "); !strings.Contains(got, want) || !strings.Contains(got, "account.deletion_requested account.deletion_cancelled signin.succeeded") {
		t.Errorf("audit %s", got)
	}
}

// TestDeletionErases: once the grace period has passed the job erases the
// account: the old session is refused, the personal data is gone from the
// row, the phone registers anew, and the audit keeps the ID alone.
func TestDeletionErases(t *testing.T) {
	h := newHarness(t, noSecondStep)
	tok := h.register("+7 916 123-45-67", goodPassword)
	id := h.api("GET", "/api/v1/me", tok, nil).str("id")
	br := h.signedIn(tok)
	res, _ := br.post("/account/delete", url.Values{"password": {goodPassword}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/account/delete?requested=1" {
		t.Fatalf("request: %d %s", res.StatusCode, loc)
	}
	if _, body := br.get("/account/delete?requested=1"); parse(t, body).byID("deletion-date") == nil {
		t.Fatal("no date on the page")
	}
	ctx := context.Background()
	h.clock.Add(167 * time.Hour)
	if n, err := h.app.Deletion.EraseDue(ctx); n != 0 || err != nil {
		t.Fatalf("before the date: %d %v", n, err)
	}
	h.clock.Add(time.Hour)
	if n, err := h.app.Deletion.EraseDue(ctx); n != 1 || err != nil {
		t.Fatalf("after the date: %d %v", n, err)
	}
	if r := h.api("GET", "/api/v1/me", tok, nil); r.Status != 401 {
		t.Errorf("the old session: %d", r.Status)
	}
	var status, pwHash string
	var phone, phoneIndex []byte
	q := "SELECT status, phone, phone_index, password_hash FROM accounts WHERE id = ?"
	if h.app.Store.Dialect() == store.Postgres {
		q = strings.Replace(q, "?", "$1", 1)
	}
	err := h.app.Store.DB().QueryRowContext(ctx, q, id).
		Scan(&status, &phone, &phoneIndex, &pwHash)
	if err != nil || status != "deleted" || phone != nil || phoneIndex != nil || pwHash != "" {
		t.Errorf("erased row: %v %s %x %x %q", err, status, phone, phoneIndex, pwHash)
	}
	// Nothing else of the person stays: sessions (addresses, browsers),
	// history, flows, messages.
	for _, table := range []string{"sessions", "sign_ins", "flows", "notifications", "contact_undos"} {
		q := "SELECT count(*) FROM " + table + " WHERE account_id = ?"
		if h.app.Store.Dialect() == store.Postgres {
			q = strings.Replace(q, "?", "$1", 1)
		}
		var n int
		if err := h.app.Store.DB().QueryRowContext(ctx, q, id).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s rows of the erased account: %d %v", table, n, err)
		}
	}
	if r := h.signIn(owner, goodPassword, ""); r.Status != 401 {
		t.Errorf("sign-in to the erased account: %d", r.Status)
	}
	h.clock.Add(time.Hour)
	fresh := h.register("+7 916 123-45-67", newPassword)
	if r := h.api("GET", "/api/v1/me", fresh, nil); r.Status != 200 || r.str("id") == id {
		t.Errorf("the new account: %d %s", r.Status, r.Raw)
	}
	if got := h.auditActions(id); got[len(got)-1] != "account.erased" {
		t.Errorf("audit %v", got)
	}
}

// TestDeletionCancelledByRecovery: getting back in through password
// recovery is signing in, so it cancels a pending deletion too, and its
// answer says so.
func TestDeletionCancelledByRecovery(t *testing.T) {
	h := newHarness(t, noSecondStep)
	tok := h.register("+7 916 123-45-67", goodPassword)
	if r := h.api("POST", "/api/v1/me/deletion", tok, map[string]string{"password": goodPassword}); r.Status != 202 {
		t.Fatalf("request: %d %s", r.Status, r.Raw)
	}
	r := h.api("POST", "/api/v1/password-recovery", "", map[string]string{"login": owner})
	id := r.str("id")
	if r = h.api("POST", "/api/v1/password-recovery/"+id+"/confirm", "", map[string]string{"code": h.lastCode(owner)}); r.Status != 200 {
		t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	const fresh = "Novyi#Parol-2027"
	r = h.api("POST", "/api/v1/password-recovery/"+id+"/password", "", map[string]string{"password": fresh, "password_confirmation": fresh})
	if r.Status != 201 || r.Body["deletion_cancelled"] != true {
		t.Fatalf("recovery: %d %s", r.Status, r.Raw)
	}
	if me := h.api("GET", "/api/v1/me", r.str("session_token"), nil); strings.Contains(me.Raw, "deletion_effective_at") {
		t.Errorf("/me after recovery: %s", me.Raw)
	}
}
