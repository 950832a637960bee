package app_test

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/testenv"
)

// TestDeliveryThroughRealTransports runs the job workers against the SMS
// gateway simulator over HTTP and a real SMTP server (mailpit): a failed
// delivery is retried and its status recorded.
func TestDeliveryThroughRealTransports(t *testing.T) {
	mail := testenv.StartMailpit(t)
	t.Run("sqlite", func(t *testing.T) { testDelivery(t, mail, "") })
	t.Run("postgres", func(t *testing.T) { testDelivery(t, mail, testenv.NewPostgresDatabase(t)) })
}

func testDelivery(t *testing.T, mail *testenv.Mailpit, databaseURL string) {
	sim, sendURL := testenv.StartSMSSim(t, "gw-token")
	cfg := config.Defaults()
	cfg.Storage.DataDir = t.TempDir()
	cfg.Storage.DatabaseURL = databaseURL
	cfg.SMS.GatewayURL, cfg.SMS.GatewayToken = sendURL, "gw-token"
	cfg.Mail.SMTPURL = mail.SMTPURL()
	cfg.Log.Level = "error"
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{HashParams: &password.TestParams, JobPoll: 50 * time.Millisecond, Logger: app.NewLogger(cfg, io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.StartJobs(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(checkAPI(t, a.Handler))
	t.Cleanup(func() {
		srv.Close()
		stop, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_ = a.Close(stop)
	})
	h := &harness{t: t, app: a, srv: srv, clock: &clock{t: time.Now()}}

	// The gateway fails once with a 503: the job retries and succeeds.
	sim.FailNext(1, 503)
	r := h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Орлова", "name": "Вера", "phone": "+79095550011", "accept_terms": true})
	if r.Status != 201 {
		t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	wait, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	msg, err := sim.WaitFor(wait, "+79095550011", time.Time{})
	if err != nil {
		t.Fatalf("no SMS reached the gateway: %v", err)
	}
	if !strings.Contains(msg.Text, "код подтверждения") || !codeRE.MatchString(msg.Text) {
		t.Errorf("SMS text %q", msg.Text)
	}
	rec := waitStatus(t, a, "+79095550011", notify.Sent)
	if rec.Attempts != 2 {
		t.Errorf("delivered after %d attempts, want 2 (one 503, then success)", rec.Attempts)
	}
	// The code the gateway received works.
	code := codeRE.FindString(msg.Text)
	if c := h.api("POST", "/api/v1/registrations/"+r.str("id")+"/confirm", "", map[string]string{"code": code}); c.Status != 200 {
		t.Fatalf("code from the gateway: %d %s", c.Status, c.Raw)
	}

	// E-mail goes over SMTP.
	vera := strings.ToLower("vera." + strings.ReplaceAll(t.Name(), "/", "-") + "@example.org")
	r = h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Орлова", "name": "Вера", "email": vera, "accept_terms": true})
	if r.Status != 201 {
		t.Fatalf("e-mail start: %d %s", r.Status, r.Raw)
	}
	m, err := mail.WaitMessage(wait, vera)
	if err != nil {
		t.Fatalf("no mail: %v", err)
	}
	if m.Subject != "Подтвердите адрес электронной почты" || !strings.Contains(m.Text, "/register/"+r.str("id")+"/link?token=") {
		t.Errorf("mail: %q\n%s", m.Subject, m.Text)
	}
	waitStatus(t, a, vera, notify.Sent)

	// A permanent refusal (bad token) is recorded as failed, not retried forever.
	sim.FailNext(1, 400)
	h.api("POST", "/api/v1/registrations", "", map[string]any{"surname": "Орлова", "name": "Вера", "phone": "+79095550022", "accept_terms": true})
	if rec := waitStatus(t, a, "+79095550022", notify.Failed); rec.Attempts != 1 || rec.LastError == "" {
		t.Errorf("permanent failure: %+v", rec)
	}
}

func waitStatus(t *testing.T, a *app.App, to string, want notify.Status) notify.Record {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		list, err := a.Store.Notifications().ListNotifications(context.Background(), 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.To == to && r.Status == want {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notification to %s reached %s: %+v", to, want, list)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
