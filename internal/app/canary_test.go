package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/testenv"
)

// canarySNILS is a valid SNILS made from n, distinct per n.
func canarySNILS(n int) document.SNILS {
	nine := fmt.Sprintf("%09d", 314_000_000+n)
	sum := 0
	for i, d := range nine {
		sum += int(d-'0') * (9 - i)
	}
	if sum %= 101; sum == 100 {
		sum = 0
	}
	s, err := document.ParseSNILS(nine + fmt.Sprintf("%02d", sum))
	if err != nil {
		panic(err)
	}
	return s
}

// verifyCanaries has 1 000 citizens submit personal data, each with a
// SNILS, passport, patronymic and place of birth of their own, and runs
// their verifications against the demo's registry simulator; it returns
// what must appear nowhere in plain text.
func verifyCanaries(t *testing.T, a *app.App, clk *clock) []string {
	t.Helper()
	ctx := context.Background()
	var secrets []string
	for i := range 1000 {
		id := fmt.Sprintf("canary-%04d", i)
		patronymic, place := canaryWord("Отчеств", i), canaryWord("Селоканар", i)
		if err := a.Store.Accounts().CreateAccount(ctx, &account.Account{ID: id, Level: account.Simplified, Status: account.Active,
			Surname: canaryWord("Канар", 10_000+i), Name: canaryWord("Зябл", 10_000+i), Phone: contact.Phone(fmt.Sprintf("+7926%07d", i)),
			PasswordHash: "x", Lang: "ru", PasswordChangedAt: clk.Now(), CreatedAt: clk.Now(), UpdatedAt: clk.Now()}); err != nil {
			t.Fatal(err)
		}
		snils := canarySNILS(i)
		series, number := fmt.Sprintf("%04d", 4000+i%100), fmt.Sprintf("%06d", 700_000+i*37)
		out, err := a.Profile.Submit(ctx, profile.Submission{AccountID: id, Input: profile.Input{
			IdentityInput: person.IdentityInput{Surname: canaryWord("Канар", 10_000+i), Name: canaryWord("Зябл", 10_000+i), Patronymic: patronymic,
				Gender: "female", BirthDate: "1988-05-17", BirthPlace: "с. " + place, Citizenship: "RUS"},
			Passport: document.PassportInput{Series: series, Number: number, IssueDate: "2008-06-01", IssuedBy: "ТП УФМС России", DivisionCode: "400-002"},
			SNILS:    snils.String()}})
		if err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		if _, err := a.Profile.RunVerification(ctx, out.Verification.ID); err != nil {
			t.Fatalf("verify %d: %v", i, err)
		}
		if i == 0 {
			if rec, err := a.Profile.Get(ctx, id); err != nil || rec.Verified == nil {
				t.Fatalf("the first canary's data was not verified: %+v %v", rec, err)
			}
		}
		secrets = append(secrets, string(snils), snils.String(), patronymic, place,
			`"`+number+`"`, "="+number, series+" "+number, series+number)
	}
	return secrets
}

// lockedBuffer collects the log while requests write to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// canaryWord is a surname or name no dictionary holds, unique per citizen:
// the letters of n in base 30 of the Cyrillic alphabet after a prefix.
func canaryWord(prefix string, n int) string {
	letters := []rune("бвгдежзиклмнопрстуфхцчшщэюяйёъ")
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; i < 3; i++ {
		b.WriteRune(letters[n%len(letters)])
		n /= len(letters)
	}
	return b.String()
}

// TestPersonalDataCanary: many citizens register (by phone and by e-mail),
// sign in, ask to recover, export their data; afterwards none of their
// surnames, names, phone numbers or e-mail addresses appears in plain text
// in the database — the SQLite file and its WAL, or a pg_dump of the
// PostgreSQL database — or in the log at debug level. A thousand more
// citizens submit their personal data and have it verified against the
// registry simulator (over HTTP, in the same log): none of their SNILS,
// passport numbers, patronymics or places of birth appears either.
func TestPersonalDataCanary(t *testing.T) {
	cfg := config.Defaults()
	cfg.Storage.DataDir = t.TempDir()
	cfg.Log.Level = "debug"
	cfg.SignIn.SecondStep = false
	cfg.Server.TrustedProxies = []string{"127.0.0.1/32"} // each citizen from an address of their own
	pg := os.Getenv("KABINET_TEST_ENGINE") == "postgres"
	if pg {
		cfg.Storage.DatabaseURL = testenv.NewPostgresDatabase(t)
	}
	var logs lockedBuffer
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	a, err := app.New(context.Background(), cfg, app.Options{Now: clk.Now, HashParams: &password.TestParams, NoJobs: true,
		Logger: app.NewLogger(cfg, &logs), InstantRegistries: true})
	if err != nil {
		t.Fatal(err)
	}
	h := serve(t, a, clk)

	const citizens = 120
	var secrets []string
	for i := range citizens {
		surname, name := canaryWord("Канар", i), canaryWord("Зябл", i)
		body := map[string]any{"surname": surname, "name": name, "accept_terms": true}
		var login string
		if i%3 == 0 {
			login = fmt.Sprintf("kanareika.%d@example.org", 1000+i)
			body["email"] = login
			secrets = append(secrets, login, fmt.Sprintf("kanareika.%d", 1000+i))
		} else {
			national := fmt.Sprintf("916%07d", 3000000+i)
			login = "+7" + national
			body["phone"] = "8 " + national
			secrets = append(secrets, login, national)
		}
		secrets = append(secrets, surname, name)
		r := h.apiFrom(fmt.Sprintf("203.0.%d.%d", 113+i/250, 1+i%250), "POST", "/api/v1/registrations", body)
		if r.Status != 201 {
			t.Fatalf("register %d: %d %s", i, r.Status, r.Raw)
		}
		id := r.str("id")
		if r = h.api("POST", "/api/v1/registrations/"+id+"/confirm", "", map[string]string{"code": h.lastCode(login)}); r.Status != 200 {
			t.Fatalf("confirm %d: %d %s", i, r.Status, r.Raw)
		}
		r = h.api("POST", "/api/v1/registrations/"+id+"/password", "", map[string]string{"password": goodPassword, "password_confirmation": goodPassword})
		if r.Status != 201 {
			t.Fatalf("password %d: %d %s", i, r.Status, r.Raw)
		}
		if i%10 == 0 {
			tok := r.str("session_token")
			h.api("GET", "/api/v1/me/export", tok, nil)
			h.signIn(login, "Wrong-Password-1", "")
			h.signIn(login, goodPassword, "")
			clk.Add(time.Minute) // the interval between codes to one contact
			h.apiFrom(fmt.Sprintf("198.51.100.%d", 1+i), "POST", "/api/v1/password-recovery", map[string]string{"login": login})
		}
	}
	if len(secrets) != 4*citizens {
		t.Fatalf("%d canaries", len(secrets))
	}
	secrets = append(secrets, verifyCanaries(t, a, clk)...)

	var dumps []struct{ what, text string }
	if pg {
		dump, err := exec.LookPath("pg_dump")
		if err != nil {
			found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_dump")
			if len(found) == 0 {
				t.Fatal("the canary on PostgreSQL reads a pg_dump: install PostgreSQL's client programs")
			}
			dump = found[len(found)-1]
		}
		out, err := exec.Command(dump, "--data-only", "--dbname="+cfg.Storage.DatabaseURL).Output()
		if err != nil {
			t.Fatalf("pg_dump: %v", err)
		}
		dumps = append(dumps, struct{ what, text string }{"pg_dump", string(out)})
	} else {
		files, _ := filepath.Glob(filepath.Join(cfg.Storage.DataDir, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dumps = append(dumps, struct{ what, text string }{filepath.Base(f), string(b)})
		}
		if len(dumps) < 2 {
			t.Fatalf("only %d files in the data directory", len(dumps))
		}
	}
	dumps = append(dumps, struct{ what, text string }{"the log", logs.String()})
	if len(logs.String()) < 1000 {
		t.Fatalf("the log holds %d bytes: the test no longer sees it", len(logs.String()))
	}
	found := 0
	for _, d := range dumps {
		for _, s := range secrets {
			if strings.Contains(d.text, s) {
				found++
				if found <= 10 {
					i := strings.Index(d.text, s)
					t.Errorf("%s holds %q in plain text: …%q…", d.what, s, d.text[max(0, i-60):min(len(d.text), i+len(s)+60)])
				}
			}
		}
	}
	if found > 10 {
		t.Errorf("… and %d more", found-10)
	}
}
