package web

import (
	"testing"

	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/relyingparty"
)

// TestSiteFormError: a message about a list's item goes to the list's
// field, naming the line the administrator sees (blank lines counted,
// which Normalize drops before numbering the items); the first message of
// a field is the one it shows.
func TestSiteFormError(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	tr := cat.For(i18n.RU)
	for _, tc := range []struct {
		name, typed string
		fields      []problem.FieldError
		want        string // the message of redirect_uris
		byLine      bool
	}{
		{"the first item", "http://a.example", []problem.FieldError{{Field: "redirect_uris[0]", Message: problem.M("relyingparty.uri_https")}},
			"Строка 1: адрес должен начинаться с https (http — только к этому компьютеру: 127.0.0.1, [::1] или localhost)", true},
		{"after blank lines", "https://a.example/cb\r\n\r\n  \r\nhttps://a.example/cb", []problem.FieldError{{Field: "redirect_uris[1]", Message: problem.M("relyingparty.uri_duplicate")}},
			"Строка 4: этот адрес уже есть в списке", true},
		{"the list's own message first", "", []problem.FieldError{{Field: "redirect_uris", Message: problem.M("relyingparty.too_many_uris", "Max", 20)},
			{Field: "redirect_uris[25]", Message: problem.M("relyingparty.uri_https")}}, "Не больше 20 адресов", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			byLine, shown := siteFormError(tr, &problem.Error{Kind: problem.Invalid, Message: problem.M("form.invalid"), Fields: tc.fields},
				map[string]string{relyingparty.FieldRedirectURIs: tc.typed})
			f := newForm(nil)
			f.fail(tr, shown, relyingparty.FieldRedirectURIs)
			if got := f.Error(relyingparty.FieldRedirectURIs); got != tc.want {
				t.Errorf("message %q, want %q", got, tc.want)
			}
			if byLine[relyingparty.FieldRedirectURIs] != tc.byLine {
				t.Errorf("by line: %v", byLine)
			}
			if _, ok := f.Errors["redirect_uris[0]"]; ok || len(f.Order) != 1 {
				t.Errorf("fields %v", f.Order)
			}
		})
	}
}
