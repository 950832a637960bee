package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/bench"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/session"
)

// citizen is the personal data of the i-th test citizen: the same person
// each time but for a SNILS and a passport number of its own, well-formed
// and unknown to the simulator, so that its demo mode takes them as matching.
func citizen(i int) profile.Input {
	nine := fmt.Sprintf("%09d", 200_000_000+7*i)
	sum := 0
	for k := range 9 {
		sum += int(nine[k]-'0') * (9 - k)
	}
	if sum > 101 {
		sum %= 101
	}
	if sum == 100 || sum == 101 {
		sum = 0
	}
	snils := fmt.Sprintf("%s-%s-%s %02d", nine[:3], nine[3:6], nine[6:], sum)
	return profile.Input{
		IdentityInput: person.IdentityInput{Surname: "Смирнова", Name: "Анна", Patronymic: "Сергеевна", Gender: "female",
			BirthDate: "1990-03-15", BirthPlace: "г. Москва", Citizenship: "RUS"},
		DocumentType: profile.PassportRF,
		Passport: document.PassportInput{Series: "4510", Number: fmt.Sprintf("%06d", 100_000+i), IssueDate: "2010-04-01",
			IssuedBy: "ГУ МВД России по г. Москве", DivisionCode: "770-001"},
		SNILS: snils,
	}
}

// seeded is one account the test process submitted data for.
type seeded struct {
	AccountID, Phone, SNILS, Passport string
	Checks                            []string
}

// submitVerifications creates n simplified accounts with phones and submits
// each one's personal data through profile.Service.Submit, as the API does
// but in this process: kabinet built from getenv on the same database, its
// job runner not started, so that each submission only inserts its checks'
// jobs for the kabinet under test to work. Phones and citizens are numbered
// from first.
func submitVerifications(t *testing.T, getenv func(string) string, first, n int) []seeded {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, cfg, app.Options{NoJobs: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := a.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	now := time.Now().UTC()
	out := make([]seeded, n)
	for i := range n {
		k := first + i
		acc := &account.Account{ID: fmt.Sprintf("fault-%05d", k), Level: account.Simplified, Status: account.Active, Surname: "Смирнова", Name: "Анна",
			Phone: contact.Phone(bench.Phone(uint64(k))), PasswordHash: "$argon2id$x", PasswordChangedAt: now, Lang: "ru", CreatedAt: now, UpdatedAt: now}
		if err := a.Store.Accounts().CreateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		in := citizen(k)
		res, err := a.Profile.Submit(ctx, profile.Submission{AccountID: acc.ID, Input: in, Client: session.Client{IP: "127.0.0.1"}})
		if err != nil {
			t.Fatalf("submit %d: %v", k, err)
		}
		if !res.Started || len(res.Verification.Checks) != 2 {
			t.Fatalf("submit %d started %v with %d checks, want 2", k, res.Started, len(res.Verification.Checks))
		}
		s := seeded{AccountID: acc.ID, Phone: string(acc.Phone), SNILS: strings.NewReplacer("-", "", " ", "").Replace(in.SNILS), Passport: in.Passport.Series + in.Passport.Number}
		for _, c := range res.Verification.Checks {
			s.Checks = append(s.Checks, c.ID)
		}
		out[i] = s
	}
	return out
}

// TestVerificationsCommand: `kabinet verifications --stuck` lists the
// pending checks older than asked, as a table or JSON, with the state of
// their jobs and no personal data; --requeue gives a fresh job only to a
// pending check whose job was lost, and --requeue-stuck to every such one.
func TestVerificationsCommand(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"KABINET_DATA_DIR": dir, "KABINET_REGISTRY_URL": "http://127.0.0.1:9", "KABINET_SMS_GATEWAY_URL": "http://127.0.0.1:9/send", "KABINET_SMS_GATEWAY_TOKEN": "gw",
		"KABINET_SECRET_KEY": "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=", "KABINET_ARGON2_MEMORY_KIB": "64"}
	s := submitVerifications(t, env(vars), 0, 1)[0]
	sfr, mvd := s.Checks[0], s.Checks[1]
	cmd := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"verifications"}, args...), env(vars), &out, io.Discard)
		return out.String(), err
	}

	out, err := cmd("--stuck")
	if err != nil || out != "no check pending longer than 1h0m0s\n" {
		t.Errorf("--stuck on fresh checks: %q, %v", out, err)
	}
	out, err = cmd("--stuck", "--older-than", "0s", "--json", "-data", dir)
	var listed []stuckJSON
	if err != nil || json.Unmarshal([]byte(out), &listed) != nil || len(listed) != 2 {
		t.Fatalf("--stuck --json: %q, %v", out, err)
	}
	for i, id := range []string{sfr, mvd} {
		if c := listed[i]; c.CheckID != id || c.AccountID != s.AccountID || c.Job != "available" || c.Attempts != 0 || c.AgeSeconds < 0 || c.VerificationID == "" {
			t.Errorf("listed check %d: %+v, want %s", i, c, id)
		}
	}

	// The verification's job ran out of attempts: both checks lost it.
	st := openStore(t, "", dir)
	if _, err := st.DB().Exec(`UPDATE river_job SET state = 'discarded', finalized_at = scheduled_at WHERE json_extract(args, '$.verification_id') = ?`, listed[0].VerificationID); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, err = cmd("--stuck", "--older-than", "0s")
	if err != nil || !strings.Contains(out, "CHECK ") || !strings.Contains(out, "LAST ERROR") ||
		!regexpLine(out, sfr, "none") || !regexpLine(out, mvd, "none") {
		t.Errorf("--stuck table:\n%s%v", out, err)
	}
	for _, secret := range []string{s.SNILS, s.Passport[4:], "Смирнова"} {
		if strings.Contains(out, secret) {
			t.Errorf("--stuck shows personal data %q:\n%s", secret, out)
		}
	}

	out, err = cmd("--requeue", sfr, mvd, sfr)
	if want := sfr + "\trequeued\n" + mvd + "\tjob available\n" + sfr + "\tjob available\n"; err != nil || out != want {
		t.Errorf("--requeue: %q, %v; want %q", out, err, want)
	}
	out, err = cmd("--requeue-stuck", "--older-than", "0s")
	if err != nil || out != "2 checks pending longer than 0s, 0 of them without a job\n" {
		t.Errorf("--requeue-stuck with every job live: %q, %v", out, err)
	}
	out, err = cmd("--requeue", "no-such-check")
	if err == nil || out != "no-such-check\tnot pending\n" {
		t.Errorf("--requeue of no check: %q, %v", out, err)
	}

	for _, bad := range [][]string{{}, {"--stuck", "--requeue-stuck"}, {"--requeue"}, {"--stuck", "x"}, {"--stuck", "--older-than", "-1m"}} {
		if _, err := cmd(bad...); err == nil {
			t.Errorf("verifications %q: no error", bad)
		}
	}
}

// regexpLine reports whether a line of out holds every word.
func regexpLine(out string, words ...string) bool {
	for line := range strings.SplitSeq(out, "\n") {
		if !slices.ContainsFunc(words, func(w string) bool { return !slices.Contains(strings.Fields(line), w) }) {
			return true
		}
	}
	return false
}
