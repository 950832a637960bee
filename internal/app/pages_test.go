package app_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// Issue 10 §1: what a citizen reads on the pages, in both languages,
// checked in the HTML that a browser without JavaScript gets.

// langBrowser is a cookie-keeping browser that chose a language.
func langBrowser(h *harness, lang string) *browser {
	br := h.browser()
	br.get("/?lang=" + lang)
	return br
}

// title is the page's <title>.
func (p page) title() string {
	l := p.find(func(n *html.Node) bool { return n.Data == "title" })
	if len(l) == 0 {
		return ""
	}
	return text(l[0])
}

// signedUp registers in br without JavaScript; br ends on the
// congratulations page, signed in.
func signedUp(t *testing.T, h *harness, br *browser, surname, name, phone string) {
	t.Helper()
	res, _ := br.post("/register", url.Values{"surname": {surname}, "name": {name}, "phone": {phone}, "accept_terms": {"yes"}})
	if res.StatusCode != 303 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	step := res.Header.Get("Location")
	if res, _ = br.post(step+"/code", url.Values{"code": {h.lastCode("+7" + digits(phone)[1:])}}); res.StatusCode != 303 {
		t.Fatalf("code: %d", res.StatusCode)
	}
	if res, _ = br.post(step+"/password", url.Values{"password": {goodPassword}, "password_confirmation": {goodPassword}}); res.StatusCode != 303 {
		t.Fatalf("password: %d", res.StatusCode)
	}
	h.clock.Add(time.Minute)
}

// TestErrorSummaryNamesEachField (defect 11): the GOV.UK summary, titled
// «Исправьте ошибки», names the field of a rule shared by several fields,
// and the page title starts with «Ошибка: ».
func TestErrorSummaryNamesEachField(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		lang, title, summary, pageTitle, plainTitle string
		lines                                       []string
	}{
		{"ru", "Исправьте ошибки", "", "Ошибка: Регистрация — Госуслуги kabinet", "Регистрация — Госуслуги kabinet", []string{
			"Фамилия: уберите цифры: здесь нужны только буквы",
			"Имя: заполните это поле",
			"Введите номер мобильного телефона цифрами, например +7 916 123-45-67",
			"Чтобы зарегистрироваться, примите условия использования и политику конфиденциальности",
		}},
		{"en", "There is a problem", "", "Error: Registration — kabinet public services", "Registration — kabinet public services", []string{
			"Surname: remove the digits: use letters only",
			"Name: fill in this field",
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			br := langBrowser(h, tc.lang)
			_, body := br.get("/register")
			if got := parse(t, body).title(); got != tc.plainTitle {
				t.Errorf("title without errors %q, want %q", got, tc.plainTitle)
			}
			res, body := br.post("/register", url.Values{"surname": {"Иванов2"}, "name": {""}, "phone": {"12345"}})
			if res.StatusCode != 422 {
				t.Fatalf("status %d", res.StatusCode)
			}
			p := parse(t, body)
			if got := p.title(); got != tc.pageTitle {
				t.Errorf("title %q, want %q", got, tc.pageTitle)
			}
			if got := text(p.byID("error-summary-title")); got != tc.title {
				t.Errorf("summary title %q, want %q", got, tc.title)
			}
			var lines []string
			for _, a := range p.find(func(n *html.Node) bool {
				return n.Data == "a" && n.Parent != nil && n.Parent.Data == "li" && hasClass(n.Parent.Parent, "error-summary__list")
			}) {
				lines = append(lines, text(a))
			}
			for i, want := range tc.lines {
				if i >= len(lines) || lines[i] != want {
					t.Errorf("summary lines %q, want %q first", lines, tc.lines)
					break
				}
			}
			// The message next to the field stays as it was: the label is
			// right above it.
			if got := text(p.byID("f-name-error")); strings.Contains(got, ":") && !strings.HasPrefix(got, "Ошибка:") && !strings.HasPrefix(got, "Error:") {
				t.Errorf("message next to the name: %q", got)
			}
		})
	}
}

// TestRegisterChannelSwitchKeepsInput (defect 7): «У меня нет мобильного
// телефона» without JavaScript posts the form back and gets it with the
// e-mail field, the surname and name kept and no error shown; the e-mail
// variant does not talk of a mobile phone; and back again.
func TestRegisterChannelSwitchKeepsInput(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct{ lang, noPhone, phoneWord string }{
		{"ru", "У меня нет мобильного телефона", "мобильн"},
		{"en", "I have no mobile phone", "mobile"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			br := langBrowser(h, tc.lang)
			_, body := br.get("/register")
			p := parse(t, body)
			sw := p.find(func(n *html.Node) bool {
				return n.Data == "button" && attr(n, "name") == "switch_channel" && attr(n, "value") == "email"
			})
			if len(sw) != 1 || text(sw[0]) != tc.noPhone || attr(sw[0], "type") != "submit" {
				t.Fatalf("no submit button %q that switches to e-mail", tc.noPhone)
			}
			res, body := br.post("/register", url.Values{"surname": {"Смирнова"}, "name": {"Ольга"}, "phone": {"8 916"}, "channel": {"phone"}, "switch_channel": {"email"}})
			if res.StatusCode != 200 {
				t.Fatalf("switch: %d", res.StatusCode)
			}
			p = parse(t, body)
			if p.has("error-summary-title") || len(p.find(func(n *html.Node) bool { return hasClass(n, "error-message") })) > 0 {
				t.Error("the switch shows errors")
			}
			for id, want := range map[string]string{"f-surname": "Смирнова", "f-name": "Ольга", "f-phone": "8 916"} {
				if got := attr(p.byID(id), "value"); got != want {
					t.Errorf("%s = %q, want %q", id, got, want)
				}
			}
			channel := p.find(func(n *html.Node) bool { return attr(n, "name") == "channel" })
			if len(channel) != 1 || attr(channel[0], "value") != "email" {
				t.Error("the form does not post the e-mail channel")
			}
			// What shows: the e-mail field, and no word of a mobile phone
			// in the e-mail variant's own wording.
			for _, n := range p.find(func(n *html.Node) bool { return attr(n, "data-channel-show") != "" }) {
				hidden := false
				for _, a := range n.Attr {
					hidden = hidden || a.Key == "hidden"
				}
				if hidden != (attr(n, "data-channel-show") == "phone") {
					t.Errorf("%s block hidden=%v", attr(n, "data-channel-show"), hidden)
				}
			}
			if hint := text(p.byID("f-email-hint")); strings.Contains(strings.ToLower(hint), tc.phoneWord) {
				t.Errorf("the e-mail hint talks of a mobile phone: %q", hint)
			}
			lead := p.find(func(n *html.Node) bool { return n.Data == "p" && attr(n, "data-channel-show") == "email" })
			if len(lead) != 1 || strings.Contains(strings.ToLower(text(lead[0])), tc.phoneWord) {
				t.Errorf("the e-mail lead talks of a mobile phone")
			}
			// And back to the phone, with the number kept.
			_, body = br.post("/register", url.Values{"surname": {"Смирнова"}, "name": {"Ольга"}, "phone": {"8 916"}, "email": {"o@example.ru"}, "channel": {"email"}, "switch_channel": {"phone"}})
			p = parse(t, body)
			if got := attr(p.byID("f-email"), "value"); got != "o@example.ru" {
				t.Errorf("e-mail lost on the way back: %q", got)
			}
			if ch := p.find(func(n *html.Node) bool { return attr(n, "name") == "channel" }); len(ch) != 1 || attr(ch[0], "value") != "phone" {
				t.Error("the form does not post the phone channel")
			}
		})
	}
	// Enter in a field presses the first submit button: the registration's.
	_, body := h.browser().get("/register")
	first := parse(t, body).find(func(n *html.Node) bool { return n.Data == "button" && attr(n, "type") == "submit" })
	if len(first) == 0 || attr(first[0], "name") != "" {
		t.Error("the form's first submit button is not the registration's")
	}
}

// TestWelcomeSaysWhatComesNext (defect 1, then issue 11 §6): the pages say
// what comes next, and the step's link leads to the personal-data form,
// which exists.
func TestWelcomeSaysWhatComesNext(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct{ lang, link, says string }{
		{"ru", "Заполните личные данные", "Мы проверим их в Социальном фонде и МВД"},
		{"en", "Fill in your personal data", "We will check it with the Social Fund"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			br := langBrowser(h, tc.lang)
			signedUp(t, h, br, "Кузнецов", "Пётр", map[string]string{"ru": "8 916 700-00-01", "en": "8 916 700-00-02"}[tc.lang])
			for _, path := range []string{"/welcome", "/account"} {
				_, body := br.get(path)
				p := parse(t, body)
				var links []string
				for _, a := range p.find(func(n *html.Node) bool { return n.Data == "a" && text(n) == tc.link }) {
					links = append(links, attr(a, "href"))
				}
				if len(links) != 1 || links[0] != "/account/personal-data" {
					t.Errorf("%s: links %q: %v, want one to /account/personal-data", path, tc.link, links)
				}
				if got := p.textOf("next-step"); !strings.Contains(got, tc.says) {
					t.Errorf("%s: next step %q, want it to say %q", path, got, tc.says)
				}
			}
			if res, _ := br.get("/account/personal-data"); res.StatusCode != 200 {
				t.Errorf("the personal-data form: %d", res.StatusCode)
			}
		})
	}
}

// TestPasswordFieldsShowPasswordAndRules (defect 12): every password field
// has a show-password button (hidden until the script shows it) and the new
// password is described by the rules.
func TestPasswordFieldsShowPasswordAndRules(t *testing.T) {
	h := newHarness(t, nil)
	br := h.browser()
	res, _ := br.post("/register", url.Values{"surname": {"Орлова"}, "name": {"Вера"}, "phone": {"8 916 700-00-03"}, "accept_terms": {"yes"}})
	step := res.Header.Get("Location")
	br.post(step+"/code", url.Values{"code": {h.lastCode("+79167000003")}})
	_, body := br.get(step)
	p := parse(t, body)
	if got := attr(p.byID("f-password"), "aria-describedby"); !strings.Contains(got, "password-rules") {
		t.Errorf("password aria-describedby %q lacks the rules", got)
	}
	if !p.has("password-rules") {
		t.Error("no element password-rules")
	}
	_, signin := h.browser().get("/signin")
	for name, body := range map[string]string{"password page": body, "sign-in page": signin} {
		p := parse(t, body)
		for _, in := range p.find(func(n *html.Node) bool { return n.Data == "input" && attr(n, "type") == "password" }) {
			toggles := p.find(func(n *html.Node) bool { return n.Data == "button" && attr(n, "aria-controls") == attr(in, "id") })
			if len(toggles) != 1 {
				t.Errorf("%s: %s has no show-password button", name, attr(in, "id"))
				continue
			}
			b := toggles[0]
			hidden := false
			for _, a := range b.Attr {
				hidden = hidden || a.Key == "hidden"
			}
			if attr(b, "type") != "button" || !hidden || attr(b, "aria-label") != "Показать пароль" || text(b) != "Показать" {
				t.Errorf("%s: show-password button %q type=%q hidden=%v label=%q", name, text(b), attr(b, "type"), hidden, attr(b, "aria-label"))
			}
		}
	}
}

// TestPagesWordingAndTimes (defects 13, 16): the 404 page, the demo banner's
// sentences, the operator's name in English, the recovery link page, the
// e-mailed sign-in code, and the service centre leading somewhere.
func TestPagesWordingAndTimes(t *testing.T) {
	h := newHarness(t, nil)
	for _, tc := range []struct {
		lang, notFound, operator, banner, recoverTitle, codeOnly, support string
	}{
		{"ru", "Страница не найдена", "© Демонстрационный стенд kabinet", "на странице Отправленные сообщения.", "Восстановление пароля", "Мы отправили письмо с кодом на адрес i***@example.ru.", "Адреса центров обслуживания подскажет служба поддержки"},
		{"en", "Page not found", "© kabinet demonstration deployment", "on the page Sent messages.", "Password recovery", "We sent a message with a code to i***@example.ru.", "Support can tell you where the service centres are"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			br := langBrowser(h, tc.lang)
			res, body := br.get("/no/such/page")
			p := parse(t, body)
			if res.StatusCode != 404 || p.h1() != tc.notFound || !strings.HasPrefix(p.title(), tc.notFound) {
				t.Errorf("404: %d %q %q", res.StatusCode, p.h1(), p.title())
			}
			// Each sentence of the banner is its own paragraph.
			lines := p.find(func(n *html.Node) bool { return hasClass(n, "demo-banner__line") })
			if len(lines) != 7 || !strings.HasSuffix(text(lines[1]), tc.banner) || !strings.Contains(text(lines[3]), "157-482-936 07") ||
				!strings.Contains(text(lines[4]), "+7 900 000-00-04") || !strings.Contains(text(lines[4]), "7KC4-M9TX-3P") ||
				!strings.Contains(text(lines[5]), "+7 900 000-00-03") || !strings.HasSuffix(text(lines[6]), "/staff.") {
				var got []string
				for _, l := range lines {
					got = append(got, text(l))
				}
				t.Errorf("banner lines %q, want seven, the second ending %q, the fourth with the standard citizen's SNILS, the fifth with the letter citizen and the code, the sixth with the confirmed citizen, the last leading to the staff console", got, tc.banner)
			}
			if got := p.textOf("footer"); !strings.Contains(got, tc.operator) {
				t.Errorf("footer %q lacks %q", got, tc.operator)
			}
			_, body = br.get("/recover/any/link?token=x")
			p = parse(t, body)
			if !strings.HasPrefix(p.title(), tc.recoverTitle) || strings.Contains(p.h1(), "e-mail") || strings.Contains(p.h1(), "почты") {
				t.Errorf("recovery link page: title %q, heading %q", p.title(), p.h1())
			}
			_, body = br.get("/recover")
			p = parse(t, body)
			links := p.find(func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "#support" })
			if len(links) != 1 || text(links[0]) != tc.support || !p.has("support") {
				t.Errorf("the service centre does not lead to the support contacts")
			}
		})
	}

	// The e-mailed second step has a code, not a link.
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Лебедева", "name": "Ирина", "email": "irina@example.ru", "accept_terms": true})
	id := r.str("id")
	h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": h.lastCode("irina@example.ru")})
	h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": goodPassword, "password_confirmation": goodPassword})
	for _, tc := range []struct{ lang, want string }{
		{"ru", "Мы отправили письмо с кодом на адрес i***@example.ru."},
		{"en", "We sent a message with a code to i***@example.ru."},
	} {
		h.clock.Add(time.Minute)
		br := langBrowser(h, tc.lang)
		res, _ := br.post("/signin", url.Values{"login": {"irina@example.ru"}, "password": {goodPassword}})
		_, body := br.get(res.Header.Get("Location"))
		main := text(parse(t, body).byID("main"))
		if !strings.Contains(main, tc.want) || strings.Contains(main, "ссылк") || strings.Contains(main, "link") {
			t.Errorf("%s: the e-mailed sign-in code page says %q", tc.lang, main)
		}
	}
}

// TestSessionTablesLabelEveryCell (defect 14): each cell of the sessions
// and history tables carries its column's label, which the narrow layout
// shows when the rows stack.
func TestSessionTablesLabelEveryCell(t *testing.T) {
	h := newHarness(t, nil)
	br := langBrowser(h, "en")
	signedUp(t, h, br, "Волкова", "Инна", "8 916 700-00-04")
	for path, want := range map[string][]string{
		"/account/sessions": {"Browser", "IP address", "Signed in", "Last active"},
		"/account/history":  {"Time", "IP address", "Browser", "Outcome"},
	} {
		_, body := br.get(path)
		p := parse(t, body)
		if n := p.find(func(n *html.Node) bool { return n.Data == "table" && hasClass(n, "table--stacking") }); len(n) != 1 {
			t.Errorf("%s: no stacking table", path)
		}
		for _, tr := range p.find(func(n *html.Node) bool { return n.Data == "tr" && n.Parent.Data == "tbody" }) {
			var labels []string
			for c := tr.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "td" && attr(c, "data-label") != "" {
					labels = append(labels, attr(c, "data-label"))
				}
			}
			if attr(tr.FirstChild, "colspan") != "" {
				continue // the empty history
			}
			if strings.Join(labels, "|") != strings.Join(want, "|") {
				t.Errorf("%s: cell labels %q, want %q", path, labels, want)
			}
		}
	}
}
