package app_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/testenv"
)

// letterCodeRE finds a printed code in a letter's text.
var letterCodeRE = regexp.MustCompile(`\b[` + letter.CodeAlphabet + `]{4}-[` + letter.CodeAlphabet + `]{4}-[` + letter.CodeAlphabet + `]{2}\b`)

// pdfText is the text of a PDF, as poppler's pdftotext reads it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "letters.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(testenv.PDFToText(t), "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

func (h *harness) citizenToken(phone string) string {
	h.t.Helper()
	r := h.signIn(phone, demo.Password, "")
	if r.Status != 201 {
		h.t.Fatalf("sign-in %s: %d %s", phone, r.Status, r.Raw)
	}
	return r.str("session_token")
}

func (h *harness) letterStatus(id string) string {
	h.t.Helper()
	var s string
	if err := h.app.Store.DB().QueryRowContext(context.Background(), "SELECT status FROM letters WHERE id = '"+id+"'").Scan(&s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// TestLetterJourney: the standard demo citizen orders a letter (the
// postcode required, one order a day), the post operator prints it — the
// PDF carries the citizen's name and the code, the API never does — marks
// the batch sent and exports its register; the citizen sees each step,
// types a wrong code, then the right one as people type it, and is
// confirmed and told. Every step leaves its audit record.
func TestLetterJourney(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	citizen := h.citizenToken(demo.StandardPhone)
	post := h.staffToken("post")

	if r := h.api("GET", "/api/v1/me/confirmation", citizen, nil); r.Status != 200 || r.str("level") != "standard" || r.Body["confirmation"] != nil {
		t.Fatalf("before: %d %s", r.Status, r.Raw)
	}
	addr := map[string]string{"region": "40", "locality": "Калуга", "street": "ул. Кирова", "house": "1", "flat": "5", "postcode": ""}
	r := h.api("POST", "/api/v1/me/confirmation/letter", citizen, map[string]any{"address": addr})
	if r.Status != 422 || r.fieldCode("address.postcode") != "letter.postcode_required" {
		t.Fatalf("no postcode: %d %s", r.Status, r.Raw)
	}
	addr["postcode"] = "248 000"
	ordered := h.auditCount("letter.ordered")
	r = h.api("POST", "/api/v1/me/confirmation/letter", citizen, map[string]any{"address": addr})
	if r.Status != 201 || r.str("status") != "ordered" || r.Body["address"].(map[string]any)["postcode"] != "248000" {
		t.Fatalf("order: %d %s", r.Status, r.Raw)
	}
	letterID := r.str("id")
	if h.auditCount("letter.ordered") != ordered+1 {
		t.Fatal("the order was not audited")
	}
	if r := h.api("POST", "/api/v1/me/confirmation/letter", citizen, map[string]any{"address": addr}); r.Status != 429 ||
		r.str("code") != "letter.order_rate_limited" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("a second order the same day: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/me/confirmation/letter/code", citizen, map[string]string{"code": "7KC4-M9TX-3P"}); r.Status != 409 || r.str("code") != "letter.not_printed" {
		t.Fatalf("a code before printing: %d %s", r.Status, r.Raw)
	}

	// The post operator prints: one letter waits (the demo letter was sent
	// long ago).
	if r := h.api("GET", "/api/v1/staff/letters", post, nil); r.Status != 200 || r.Body["pending"] != 1.0 {
		t.Fatalf("pending: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/letters/batches", post, map[string]int{"max": 0}); r.Status != 422 || r.fieldCode("max") != "letter.batch_size" {
		t.Fatalf("an empty batch: %d %s", r.Status, r.Raw)
	}
	printed := h.auditCount("letter.printed")
	r = h.api("POST", "/api/v1/staff/letters/batches", post, map[string]int{"max": 10})
	if r.Status != 201 || r.Header.Get("Content-Type") != "application/pdf" || r.Header.Get("X-Letters") != "1" || !strings.HasPrefix(r.Raw, "%PDF-") {
		t.Fatalf("print: %d %v %.60q", r.Status, r.Header, r.Raw)
	}
	batch := r.Header.Get("X-Batch-Id")
	text := pdfText(t, []byte(r.Raw))
	code := letterCodeRE.FindString(text)
	if code == "" || !strings.Contains(text, "Петрова Светлана Андреевна") || !strings.Contains(text, "Калужская") || !strings.Contains(text, "248000") {
		t.Fatalf("the letter's text:\n%s", text)
	}
	if h.auditCount("letter.printed") != printed+1 || h.auditCount("letters.batch_printed") < 1 {
		t.Fatal("printing was not audited per letter and per batch")
	}
	if r := h.api("GET", "/api/v1/me/confirmation/letter", citizen, nil); r.Status != 200 || r.Body["letter"].(map[string]any)["status"] != "printed" ||
		strings.Contains(r.Raw, strings.ReplaceAll(code, "-", "")) || strings.Contains(r.Raw, code) {
		t.Fatalf("the citizen's letter after printing: %d %s", r.Status, r.Raw)
	}
	viewed := h.auditCount("letter.viewed")
	r = h.api("GET", "/api/v1/staff/letters/batches/"+batch, post, nil)
	if h.auditCount("letter.viewed") != viewed+1 {
		t.Fatal("the look at the batch's addresses was not audited against the citizen")
	}
	if items, _ := r.Body["items"].([]any); r.Status != 200 || len(items) != 1 || items[0].(map[string]any)["recipient"] != "Петрова Светлана Андреевна" || strings.Contains(r.Raw, code) {
		t.Fatalf("the batch: %d %s", r.Status, r.Raw)
	}
	r = h.api("GET", "/api/v1/staff/letters/batches/"+batch+"/register", post, nil)
	if rows, _ := r.Body["letters"].([]any); r.Status != 200 || len(rows) != 1 || rows[0].(map[string]any)["letter_id"] != letterID ||
		rows[0].(map[string]any)["postcode"] != "248000" || strings.Contains(r.Raw, code) {
		t.Fatalf("the register: %d %s", r.Status, r.Raw)
	}
	// The PDF lost before the batch went out: printed again, a new code;
	// the first stops working.
	r = h.api("POST", "/api/v1/staff/letters/batches/"+batch+"/reprint", post, nil)
	if r.Status != 200 || r.Header.Get("X-Batch-Id") != batch {
		t.Fatalf("reprint: %d %v", r.Status, r.Header)
	}
	first := code
	if code = letterCodeRE.FindString(pdfText(t, []byte(r.Raw))); code == "" || code == first {
		t.Fatalf("the reprinted code %q (was %q)", code, first)
	}
	if r := h.api("POST", "/api/v1/staff/letters/batches/"+batch+"/sent", post, nil); r.Status != 200 || r.str("sent_at") == "" {
		t.Fatalf("sent: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/letters/batches/"+batch+"/sent", post, nil); r.Status != 409 || r.str("code") != "letter.batch_sent" {
		t.Fatalf("sent twice: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/letters/batches/"+batch+"/reprint", post, nil); r.Status != 409 || r.str("code") != "letter.batch_sent" {
		t.Fatalf("a reprint once sent: %d %s", r.Status, r.Raw)
	}
	// «Кто смотрел мои данные»: the printing and the looks, by the post
	// operator.
	if r := h.api("GET", "/api/v1/me/data-access", citizen, nil); r.Status != 200 || !strings.Contains(r.Raw, "letter.printed") || !strings.Contains(r.Raw, "letter.viewed") {
		t.Fatalf("data access: %d %s", r.Status, r.Raw)
	}
	if st := h.letterStatus(letterID); st != "sent" {
		t.Fatalf("status %s after the batch was sent", st)
	}

	// The post returns the letter: the citizen is told; the code, which
	// they may have read at the post office, keeps working.
	if r := h.api("POST", "/api/v1/staff/letters/"+letterID+"/returned", post, nil); r.Status != 200 || r.str("status") != "returned" {
		t.Fatalf("returned: %d %s", r.Status, r.Raw)
	}
	if tpl, _ := h.lastMessage(demo.StandardPhone); tpl != "letter_returned" {
		t.Fatalf("the citizen was told %q of the return", tpl)
	}

	// The citizen types the code: the first print's, then a wrong one,
	// then the right one in lower case with spaces, as people do.
	wrong := first
	if r := h.api("POST", "/api/v1/me/confirmation/letter/code", citizen, map[string]string{"code": wrong}); r.Status != 422 || r.fieldCode("code") != "letter.code_wrong" {
		t.Fatalf("a wrong code: %d %s", r.Status, r.Raw)
	}
	typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
	r = h.api("POST", "/api/v1/me/confirmation/letter/code", citizen, map[string]string{"code": typed})
	if r.Status != 200 || r.str("level") != "confirmed" || r.Body["confirmation"].(map[string]any)["method"] != "letter" {
		t.Fatalf("the right code: %d %s", r.Status, r.Raw)
	}
	if r := h.api("GET", "/api/v1/me", citizen, nil); r.str("level") != "confirmed" {
		t.Fatalf("/api/v1/me after the code: %s", r.Raw)
	}
	if tpl, _ := h.lastMessage(demo.StandardPhone); tpl != "confirmed_by_letter" {
		t.Fatalf("the citizen was told %q", tpl)
	}
	if h.letterStatus(letterID) != "used" || h.auditCount("letter.confirmed") != 1 {
		t.Fatal("the letter is not used, or the confirmation not audited")
	}
	// «Скачать мои данные» holds the letter, never its code.
	if r := h.api("GET", "/api/v1/me/export", citizen, nil); r.Status != 200 || !strings.Contains(r.Raw, `"letters"`) ||
		!strings.Contains(r.Raw, "ул. Кирова") || strings.Contains(r.Raw, code) {
		t.Fatalf("the export: %d %s", r.Status, r.Raw)
	}
}

// TestDemoLetterCitizen: the demo citizen whose letter is on its way is
// confirmed with the code the banner shows; a confirmation in person
// first would have voided the letter (TestLetterVoidedInPerson).
func TestDemoLetterCitizen(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	tok := h.citizenToken(demo.LetterPhone)
	r := h.api("GET", "/api/v1/me/confirmation/letter", tok, nil)
	l, _ := r.Body["letter"].(map[string]any)
	if r.Status != 200 || l["status"] != "sent" || l["expired"] != false || l["wrong_left"] != float64(letter.MaxWrong) {
		t.Fatalf("the demo letter: %d %s", r.Status, r.Raw)
	}
	if r := h.api("POST", "/api/v1/me/confirmation/letter/code", tok, map[string]string{"code": letter.FormatCode(demo.LetterCode)}); r.Status != 200 || r.str("level") != "confirmed" {
		t.Fatalf("the demo code: %d %s", r.Status, r.Raw)
	}
}

// TestLetterVoidedInPerson: a citizen confirmed at a service center while
// their letter is on its way: the letter is voided in the same
// transaction, and its code is refused.
func TestLetterVoidedInPerson(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	tok := h.citizenToken(demo.LetterPhone)
	letterID := h.api("GET", "/api/v1/me/confirmation/letter", tok, nil).Body["letter"].(map[string]any)["id"].(string)
	op := h.staffToken("operator")
	card := h.api("POST", "/api/v1/staff/citizens/search", op, map[string]string{"by": "snils", "value": demo.LetterSNILS.String(), "reason": "identity_confirmation"})
	if card.Status != 200 {
		t.Fatalf("search: %d %s", card.Status, card.Raw)
	}
	if r := h.api("POST", "/api/v1/staff/citizens/"+card.str("id")+"/confirmation", op, map[string]string{"series": "2911", "number": "604215"}); r.Status != 200 {
		t.Fatalf("confirm: %d %s", r.Status, r.Raw)
	}
	if st := h.letterStatus(letterID); st != "replaced" {
		t.Fatalf("the letter is %s after the confirmation in person", st)
	}
	if r := h.api("POST", "/api/v1/me/confirmation/letter/code", tok, map[string]string{"code": demo.LetterCode}); r.Status != 409 || r.str("code") != "letter.already_confirmed" {
		t.Fatalf("the code after confirmation in person: %d %s", r.Status, r.Raw)
	}
	r := h.api("GET", "/api/v1/me/confirmation", tok, nil)
	if c, _ := r.Body["confirmation"].(map[string]any); c["method"] != "in_person" || r.Body["letter"] != nil {
		t.Fatalf("the confirmation: %s", r.Raw)
	}
}

// staffBrowser signs a demo member in to the console.
func (h *harness) staffBrowser(login string) *browser {
	h.t.Helper()
	b := h.browser()
	b.post("/staff", url.Values{"login": {login}, "password": {demo.Password}})
	if res, _ := b.post("/staff/code", url.Values{"code": {h.staffCode(demoMember(login).Secret)}}); res.StatusCode != 303 {
		h.t.Fatalf("%s sign-in: %d", login, res.StatusCode)
	}
	return b
}

// TestLetterPages: the same journey on the pages, without JavaScript: a
// refused order keeps what was typed with the message on its field; the
// post operator's print answers the PDF; the batch page lists the letter,
// its register downloads, «передано на почту» marks it sent; the QR link
// opens the page with the code filled in; a wrong code says so next to
// the field, the right one confirms.
func TestLetterPages(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.SignIn.SecondStep = false })
	citizen := h.browser()
	citizen.post("/signin", url.Values{"login": {demo.StandardPhone}, "password": {demo.Password}})
	res, body := citizen.get("/account")
	if p := parse(t, body); res.StatusCode != 200 || attr(p.byID("confirm-ways"), "href") != "/account/confirmation" {
		t.Fatalf("the account page's way to confirm: %d %s", res.StatusCode, body)
	}
	res, body = citizen.get("/account/confirmation")
	if p := parse(t, body); res.StatusCode != 200 || !p.has("letter-order-form") || !p.has("find-centers") {
		t.Fatalf("the confirmation page: %d %s", res.StatusCode, body)
	}
	order := url.Values{"address.region": {"40"}, "address.locality": {"Калуга"}, "address.street": {"ул. Кирова"}, "address.house": {"1"}, "address.flat": {"5"}}
	res, body = citizen.post("/account/confirmation/letter", order)
	p := parse(t, body)
	if res.StatusCode != 422 || !p.has("f-address-postcode"+"-error") || attr(p.byID("f-address-street"), "value") != "ул. Кирова" {
		t.Fatalf("an order without a postcode: %d %s", res.StatusCode, body)
	}
	order.Set("address.postcode", "248000")
	if res, _ := citizen.post("/account/confirmation/letter", order); res.StatusCode != 303 || res.Header.Get("Location") != "/account/confirmation?ordered=1" {
		t.Fatalf("order: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = citizen.get("/account/confirmation?ordered=1")
	if p := parse(t, body); res.StatusCode != 200 || attr(p.byID("letter-status"), "data-letter-status") != "ordered" || !p.has("letter-cancel") || p.has("letter-code-form") {
		t.Fatalf("the ordered letter: %d %s", res.StatusCode, body)
	}

	post := h.staffBrowser("post")
	res, body = post.get("/staff/letters")
	if p := parse(t, body); res.StatusCode != 200 || attr(p.byID("letters-pending"), "data-pending") != "1" {
		t.Fatalf("the letters page: %d %s", res.StatusCode, body)
	}
	res, body = post.post("/staff/letters/print", url.Values{"max": {"много"}})
	if p := parse(t, body); res.StatusCode != 422 || !p.has("f-max-error") {
		t.Fatalf("a bad batch size: %d %s", res.StatusCode, body)
	}
	res, body = post.post("/staff/letters/print", url.Values{"max": {"10"}})
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("print: %d %v", res.StatusCode, res.Header)
	}
	code := letterCodeRE.FindString(pdfText(t, []byte(body)))
	batch := res.Header.Get("X-Batch-Id")
	res, body = post.get("/staff/letters/batches/" + batch)
	if p := parse(t, body); res.StatusCode != 200 || len(p.find(func(n *html.Node) bool { return attr(n, "data-status") == "printed" })) != 1 ||
		!strings.Contains(body, "Петрова Светлана Андреевна") || strings.Contains(body, code) {
		t.Fatalf("the batch page: %d %s", res.StatusCode, body)
	}
	res, body = post.get("/staff/letters/batches/" + batch + "/register")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(body, "Петрова Светлана Андреевна") || strings.Contains(body, code) {
		t.Fatalf("the register: %d %v %s", res.StatusCode, res.Header, body)
	}
	if res, _ := post.post("/staff/letters/batches/"+batch+"/sent", url.Values{}); res.StatusCode != 303 {
		t.Fatalf("sent: %d", res.StatusCode)
	}

	// The QR link: signed out, it goes through the sign-in and back.
	stranger := h.browser()
	link := "/account/confirmation/code?code=" + url.QueryEscape(code)
	if res, _ := stranger.get(link); res.StatusCode != 303 || !strings.Contains(res.Header.Get("Location"), url.QueryEscape(link)) {
		t.Fatalf("the QR link signed out: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = citizen.get(link)
	if p := parse(t, body); res.StatusCode != 200 || attr(p.byID("f-code"), "value") != code {
		t.Fatalf("the QR link: %d %s", res.StatusCode, body)
	}
	res, body = citizen.post("/account/confirmation/letter/code", url.Values{"code": {"ABC"}})
	if p := parse(t, body); res.StatusCode != 422 || !p.has("f-code"+"-error") {
		t.Fatalf("a malformed code: %d %s", res.StatusCode, body)
	}
	if res, _ := citizen.post("/account/confirmation/letter/code", url.Values{"code": {code}}); res.StatusCode != 303 || res.Header.Get("Location") != "/account?confirmed=letter" {
		t.Fatalf("the code: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	res, body = citizen.get("/account?confirmed=letter")
	if p := parse(t, body); res.StatusCode != 200 || !strings.Contains(text(p.byID("account-confirmation")), "заказного письма") {
		t.Fatalf("the account page after the code: %d %s", res.StatusCode, body)
	}
}
