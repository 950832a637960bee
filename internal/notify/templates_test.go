package notify

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kabinet/kabinet/internal/message"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// The values every sample uses; the golden files were written with them.
const (
	site         = "kabinet.example"
	code         = "482913"
	name         = "Анна"
	minutes      = 5
	link         = "https://kabinet.example/register/abc/link?token=t0k3n"
	signInLink   = "https://kabinet.example/signin"
	recoveryLink = "https://kabinet.example/recover"
	support      = "8 800 000-00-00"
	registerLink = "https://kabinet.example/register"
)

// The samples are composed at 12:00 Moscow time; their deadlines are five
// minutes later the same day.
var (
	composed = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	until    = composed.Add(5 * time.Minute)
)

// samples holds one message of every type, by template name.
var samples = byTemplate(
	message.RegistrationCode{Site: site, Code: code, Name: name, Minutes: minutes, Link: link, Until: until},
	message.RegistrationTaken{Site: site, SignInLink: signInLink, RecoveryLink: recoveryLink},
	message.RecoveryCode{Site: site, Code: code, Name: name, Minutes: minutes, Link: link, Until: until},
	message.RecoveryUnknown{Site: site, RegisterLink: registerLink},
	message.PasswordChanged{Site: site, Name: name, Support: support, RecoveryLink: recoveryLink},
	message.SignInCode{Site: site, Name: name, Code: code, Minutes: minutes, Until: until, RecoveryLink: recoveryLink},
	message.SignInLocked{Site: site, Name: name, Until: until, RecoveryLink: recoveryLink},
	message.SignInSuspended{Site: site, Name: name, Support: support, RecoveryLink: recoveryLink},
	message.PasswordChangedByOwner{Site: site, Name: name, OthersEnded: true, Support: support, RecoveryLink: recoveryLink},
	message.DeletionRequested{Site: site, Name: name, EffectiveAt: composed.Add(7 * 24 * time.Hour), SignInLink: signInLink, Support: support},
	message.DeletionCancelled{Site: site, Name: name, BySignIn: true, Support: support, RecoveryLink: recoveryLink},
	message.ContactCode{Site: site, Code: code, Name: name, Minutes: minutes, Link: link, Until: until},
	message.ContactTaken{Site: site, SignInLink: signInLink, RecoveryLink: recoveryLink},
	message.ContactChanged{Site: site, Name: name, New: "+7 916 ***-**-67", Support: support, Until: composed.Add(7 * 24 * time.Hour),
		UndoLink: "https://kabinet.example/account/undo/5jwm7bvdq5zwniflhzl3duxcda?token=AAAAAAAAAAAAAAAAAAAAAA"},
	message.ContactUndone{Site: site, Name: name, Support: support, RecoveryLink: recoveryLink},
	message.VerificationPassed{Site: site, Name: name, Raised: true, Link: "https://kabinet.example/account/personal-data"},
	message.VerificationFailed{Site: site, Name: name, SNILS: true, Link: "https://kabinet.example/account/personal-data"},
	message.IdentityConfirmed{Site: site, Name: name, Center: "kaluga-mfc", Link: "https://kabinet.example/account"},
	message.ConfirmedByLetter{Site: site, Name: name, Link: "https://kabinet.example/account"},
	message.LetterReturned{Site: site, Name: name, Link: "https://kabinet.example/account"},
	message.ConfirmedBySignature{Site: site, Name: name, Link: "https://kabinet.example/account"},
	message.RegisteredInPerson{Site: site, Name: name, Center: "kaluga-mfc", Link: recoveryLink},
	message.AccessRestored{Site: site, Name: name, Center: "kaluga-mfc", New: true, Link: recoveryLink},
)

// TestTemplatesGolden renders every template with the sample of its type and
// compares the result with testdata/<name>.golden (-update rewrites them).
func TestTemplatesGolden(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	names := tpl.Names()
	if len(names) < 20 {
		t.Fatalf("only %d templates", len(names))
	}
	for _, key := range names {
		parts := strings.Split(key, ".")
		sample, ok := samples[parts[0]]
		if !ok {
			t.Errorf("%s: no sample of its message type", key)
			continue
		}
		subject, text, html, err := tpl.Render(sample, Channel(parts[1]), parts[2], composed)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		got := "Subject: " + subject + "\n\n" + text + "\n"
		if html != "" {
			got += "\n--- HTML ---\n" + html + "\n"
		}
		path := filepath.Join("testdata", key+".golden")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v (run go test ./internal/notify -update)", key, err)
			continue
		}
		if got != string(want) {
			t.Errorf("%s differs from %s:\n%s", key, path, got)
		}
		if parts[1] == "sms" && len([]rune(text)) > 3*67 {
			t.Errorf("%s: SMS of %d characters is more than three UCS-2 segments", key, len([]rune(text)))
		}
	}
}

// TestDeadlines: a deadline is written by i18n.Until in the template's
// language, with its date when it falls on another day in Moscow than the
// one the message is composed on.
func TestDeadlines(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	lateEvening := time.Date(2026, 11, 23, 20, 50, 0, 0, time.UTC) // 23:50 in Moscow
	tests := []struct {
		lang, want string
		now        time.Time
	}{
		{"ru", "приостановлен до 12:05 МСК.", composed},
		{"en", "paused until 12:05 Moscow time.", composed},
		{"ru", "приостановлен до 23 ноября, 12:05 МСК.", composed.Add(-24 * time.Hour)},
		{"en", "paused until 00:20 Moscow time on 24 November.", lateEvening},
	}
	for _, tt := range tests {
		locked := message.SignInLocked{Site: site, Name: name, Until: until, RecoveryLink: recoveryLink}
		if tt.now.Equal(lateEvening) {
			locked.Until = lateEvening.Add(30 * time.Minute)
		}
		for _, ch := range []Channel{ChannelSMS, ChannelEmail} {
			_, text, _, err := tpl.Render(locked, ch, tt.lang, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, tt.want) {
				t.Errorf("%s %s at %v: %q, want it to contain %q", ch, tt.lang, tt.now, text, tt.want)
			}
		}
	}
}

func TestEveryTemplateInBothLanguages(t *testing.T) {
	tpl, _ := LoadTemplates()
	have := map[string]bool{}
	for _, k := range tpl.Names() {
		have[k] = true
	}
	for k := range have {
		p := strings.Split(k, ".")
		for _, l := range []string{"ru", "en"} {
			if !have[p[0]+"."+p[1]+"."+l] {
				t.Errorf("%s has no %s version", p[0]+"."+p[1], l)
			}
		}
	}
}

// TestEveryMessageHasTemplates checks that each message type has its
// templates, and has its sample in this test.
func TestEveryMessageHasTemplates(t *testing.T) {
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for name := range messageTypes {
		if _, ok := samples[name]; !ok {
			t.Errorf("%s has no sample", name)
		}
		if !slices.ContainsFunc(tpl.Names(), func(k string) bool { return strings.HasPrefix(k, name+".") }) {
			t.Errorf("%s has no template", name)
		}
	}
}

// A template that uses a field its message type lacks, or names no message
// type, fails at load, not when a citizen is waiting for the message.
func TestTemplateChecksAtLoad(t *testing.T) {
	tests := []struct{ file, body, want string }{
		{"signin_code.sms.ru.tmpl", `{{define "text"}}{{.Code}} {{.Link}}{{end}}`, "can't evaluate field Link"},
		{"signin_code.email.ru.tmpl", `{{define "subject"}}x{{end}}{{define "text"}}x{{end}}{{define "html"}}{{.Nope}}{{end}}`, "can't evaluate field Nope"},
		{"no_such_message.sms.ru.tmpl", `{{define "text"}}x{{end}}`, "no message type"},
		{"signin_code.fax.ru.tmpl", `{{define "text"}}x{{end}}`, "name must be"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			fsys := fstest.MapFS{"t/" + tt.file: {Data: []byte(tt.body)}}
			_, err := LoadTemplatesFS(fsys, "t")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
