package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/message"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// Templates are the message texts: one file per template, channel and
// language, named <template>.<channel>.<lang>.tmpl, where <template> is the
// Template of a message.Data type and the file is rendered with a value of
// that type. An SMS file defines "text"; an e-mail file defines "subject",
// "text" and optionally "html" (rendered with HTML escaping).
//
// Templates write times with one function, the same as the pages do:
// {{until .Until}} gives "до 14:41 МСК" or "until 14:41 Moscow time" (with
// the date when the deadline is not on the day the message is composed),
// in the file's language (i18n.Until).
type Templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

// messageTypes are the message types kabinet sends: a zero value of each,
// by template name. Every template file must name one of them, and loading
// renders each file with its zero value, so a template that uses a field its
// type lacks fails at startup rather than in front of a citizen.
var messageTypes = byTemplate(
	message.RegistrationCode{}, message.RegistrationTaken{},
	message.RecoveryCode{}, message.RecoveryUnknown{}, message.PasswordChanged{},
	message.SignInCode{}, message.SignInLocked{}, message.SignInSuspended{},
	message.PasswordChangedByOwner{}, message.DeletionRequested{}, message.DeletionCancelled{},
	message.ContactCode{}, message.ContactTaken{}, message.ContactChanged{}, message.ContactUndone{},
	message.VerificationPassed{}, message.VerificationFailed{},
	message.IdentityConfirmed{}, message.RegisteredInPerson{}, message.AccessRestored{},
	message.ConfirmedByLetter{}, message.LetterReturned{}, message.ConfirmedBySignature{},
)

func byTemplate(ds ...message.Data) map[string]message.Data {
	m := make(map[string]message.Data, len(ds))
	for _, d := range ds {
		m[d.Template()] = d
	}
	return m
}

// LoadTemplates parses the embedded templates, failing on the first error.
func LoadTemplates() (*Templates, error) { return LoadTemplatesFS(templateFS, "templates") }

// LoadTemplatesFS parses every *.tmpl under dir.
func LoadTemplatesFS(fsys fs.FS, dir string) (*Templates, error) {
	t := &Templates{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	files, err := fs.Glob(fsys, dir+"/*.tmpl")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		key := strings.TrimSuffix(f[len(dir)+1:], ".tmpl")
		parts := strings.Split(key, ".")
		if len(parts) != 3 || (parts[1] != string(ChannelSMS) && parts[1] != string(ChannelEmail)) {
			return nil, fmt.Errorf("notify: template %s: name must be <template>.<sms|email>.<lang>.tmpl", f)
		}
		tt, err := texttemplate.New(key).Option("missingkey=error").Funcs(texttemplate.FuncMap(timeFuncs("", time.Time{}))).Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("notify: template %s: %w", f, err)
		}
		if tt.Lookup("text") == nil {
			return nil, fmt.Errorf("notify: template %s defines no \"text\"", f)
		}
		if parts[1] == string(ChannelEmail) && tt.Lookup("subject") == nil {
			return nil, fmt.Errorf("notify: template %s defines no \"subject\"", f)
		}
		zero, ok := messageTypes[parts[0]]
		if !ok {
			return nil, fmt.Errorf("notify: template %s: no message type has the template name %q", f, parts[0])
		}
		t.text[key] = tt
		if strings.Contains(string(b), `{{define "html"}}`) {
			ht, err := htmltemplate.New(key).Option("missingkey=error").Funcs(htmltemplate.FuncMap(timeFuncs("", time.Time{}))).Parse(string(b))
			if err != nil {
				return nil, fmt.Errorf("notify: template %s (html): %w", f, err)
			}
			t.html[key] = ht
		}
		if _, _, _, err := t.render(key, zero, time.Time{}); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Names lists the loaded template keys (<template>.<channel>.<lang>).
func (t *Templates) Names() []string {
	out := make([]string, 0, len(t.text))
	for k := range t.text {
		out = append(out, k)
	}
	return out
}

// Render produces the subject (e-mail only), text and HTML of a message from
// the template its data names, as composed at now (a deadline on now's day
// in Moscow is written without its date). A language without the template
// falls back to Russian.
func (t *Templates) Render(data message.Data, ch Channel, lang string, now time.Time) (subject, text, html string, err error) {
	name := data.Template()
	key := name + "." + string(ch) + "." + lang
	if _, ok := t.text[key]; !ok {
		key = name + "." + string(ch) + ".ru"
		if _, ok = t.text[key]; !ok {
			return "", "", "", fmt.Errorf("notify: no template %s for %s", name, ch)
		}
	}
	return t.render(key, data, now)
}

// timeFuncs are the template functions that write times, for a template in
// lang composed at now.
func timeFuncs(lang string, now time.Time) map[string]any {
	l := i18n.Lang(lang)
	return map[string]any{
		"until": func(t time.Time) string { return i18n.Until(l, t, now) },
		"at":    func(t time.Time) string { return i18n.At(l, t, now) },
	}
}

// render executes the template files under key with data, composed at now.
// The parsed templates are never executed themselves: each render runs a
// clone whose functions know now and the file's language, so renders do
// not share state (and html/template allows the clone).
func (t *Templates) render(key string, data message.Data, now time.Time) (subject, text, html string, err error) {
	lang := key[strings.LastIndexByte(key, '.')+1:]
	funcs := timeFuncs(lang, now)
	tt, err := t.text[key].Clone()
	if err != nil {
		return "", "", "", fmt.Errorf("notify: render %s: %w", key, err)
	}
	tt.Funcs(funcs)
	exec := func(name string) (string, error) {
		if tt.Lookup(name) == nil {
			return "", nil
		}
		var b bytes.Buffer
		if err := tt.ExecuteTemplate(&b, name, data); err != nil {
			return "", fmt.Errorf("notify: render %s/%s: %w", key, name, err)
		}
		return strings.TrimSpace(b.String()), nil
	}
	if subject, err = exec("subject"); err != nil {
		return
	}
	if text, err = exec("text"); err != nil {
		return
	}
	if master, ok := t.html[key]; ok {
		ht, err := master.Clone()
		if err != nil {
			return "", "", "", fmt.Errorf("notify: render %s/html: %w", key, err)
		}
		ht.Funcs(funcs)
		var b bytes.Buffer
		if err = ht.ExecuteTemplate(&b, "html", data); err != nil {
			return "", "", "", fmt.Errorf("notify: render %s/html: %w", key, err)
		}
		html = strings.TrimSpace(b.String())
	}
	return subject, text, html, nil
}
