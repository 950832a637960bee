package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// Templates are the message texts: one file per template, channel and
// language, named <template>.<channel>.<lang>.tmpl. An SMS file defines
// "text"; an e-mail file defines "subject", "text" and optionally "html"
// (rendered with HTML escaping).
type Templates struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
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
		tt, err := texttemplate.New(key).Option("missingkey=error").Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("notify: template %s: %w", f, err)
		}
		if tt.Lookup("text") == nil {
			return nil, fmt.Errorf("notify: template %s defines no \"text\"", f)
		}
		if parts[1] == string(ChannelEmail) && tt.Lookup("subject") == nil {
			return nil, fmt.Errorf("notify: template %s defines no \"subject\"", f)
		}
		t.text[key] = tt
		if strings.Contains(string(b), `{{define "html"}}`) {
			ht, err := htmltemplate.New(key).Option("missingkey=error").Parse(string(b))
			if err != nil {
				return nil, fmt.Errorf("notify: template %s (html): %w", f, err)
			}
			t.html[key] = ht
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

// Render produces the subject (e-mail only), text and HTML of a message.
// A language without the template falls back to Russian.
func (t *Templates) Render(name string, ch Channel, lang string, data map[string]any) (subject, text, html string, err error) {
	key := name + "." + string(ch) + "." + lang
	tt, ok := t.text[key]
	if !ok {
		key = name + "." + string(ch) + ".ru"
		if tt, ok = t.text[key]; !ok {
			return "", "", "", fmt.Errorf("notify: no template %s for %s", name, ch)
		}
	}
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
	if ht, ok := t.html[key]; ok {
		var b bytes.Buffer
		if err = ht.ExecuteTemplate(&b, "html", data); err != nil {
			return "", "", "", fmt.Errorf("notify: render %s/html: %w", key, err)
		}
		html = strings.TrimSpace(b.String())
	}
	return subject, text, html, nil
}
