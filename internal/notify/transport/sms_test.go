package transport_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/notify/transport"
	"github.com/kabinet/kabinet/internal/smssim"
	"github.com/kabinet/kabinet/internal/testenv"
)

func TestSMSGateway(t *testing.T) {
	const token = "gw-token"
	sms := func(id string) transport.Message {
		return transport.Message{ID: id, Channel: contact.ChannelSMS, To: "+79161234567", Text: "Код подтверждения: 482913"}
	}
	tests := []struct {
		name      string
		token     string
		setup     func(*smssim.Server)
		msg       transport.Message
		wantErr   bool
		permanent bool
		recorded  int
	}{
		{"accepted", token, nil, sms("ok"), false, false, 1},
		{"empty channel means sms", token, nil, transport.Message{ID: "c", To: "+79161234567", Text: "x"}, false, false, 1},
		{"gateway down", token, func(s *smssim.Server) { s.FailNext(1, 503) }, sms("down"), true, false, 0},
		{"bad gateway", token, func(s *smssim.Server) { s.FailNext(1, 502) }, sms("502"), true, false, 0},
		{"rate limited", token, func(s *smssim.Server) { s.FailNext(1, 429) }, sms("429"), true, false, 0},
		{"request timeout", token, func(s *smssim.Server) { s.FailNext(1, 408) }, sms("408"), true, false, 0},
		{"bad request", token, func(s *smssim.Server) { s.FailNext(1, 400) }, sms("400"), true, true, 0},
		{"bad token", "wrong", nil, sms("tok"), true, true, 0},
		{"not E.164", token, nil, transport.Message{ID: "num", Channel: contact.ChannelSMS, To: "89161234567", Text: "x"}, true, true, 0},
		{"e-mail message", token, nil, transport.Message{ID: "mail", Channel: contact.ChannelEmail, To: "+79161234567", Text: "x"}, true, true, 0},
		{"no id", token, nil, transport.Message{Channel: contact.ChannelSMS, To: "+79161234567", Text: "x"}, true, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, url := testenv.StartSMSSim(t, token)
			if tt.setup != nil {
				tt.setup(sim)
			}
			gw := transport.SMSGateway{URL: url, Token: tt.token}
			err := gw.Send(context.Background(), tt.msg)
			if (err != nil) != tt.wantErr || transport.IsPermanent(err) != tt.permanent {
				t.Fatalf("Send: %v (permanent=%v); want error=%v permanent=%v", err, transport.IsPermanent(err), tt.wantErr, tt.permanent)
			}
			if err != nil && strings.Contains(err.Error(), "9161234567") {
				t.Errorf("error text reveals the phone number: %v", err)
			}
			if got := len(sim.Messages("")); got != tt.recorded {
				t.Fatalf("gateway recorded %d messages, want %d", got, tt.recorded)
			}
		})
	}
}

// TestSMSGatewayRetry is the sequence the outbox worker goes through: a
// temporary failure, then a retry of the same message that is delivered once.
func TestSMSGatewayRetry(t *testing.T) {
	sim, url := testenv.StartSMSSim(t, "tok")
	gw := transport.SMSGateway{URL: url, Token: "tok", Client: &http.Client{Timeout: 5 * time.Second}}
	m := transport.Message{ID: "outbox-42", Channel: contact.ChannelSMS, To: "+79161234567", Text: "Ваш код: 1234. Никому его не сообщайте."}
	ctx := context.Background()
	start := time.Now()

	sim.FailNext(2, 503)
	for i := range 2 {
		if err := gw.Send(ctx, m); err == nil || transport.IsPermanent(err) {
			t.Fatalf("attempt %d: %v; want a temporary error", i, err)
		}
	}
	for i := range 2 { // the second success is a retry after a lost answer
		if err := gw.Send(ctx, m); err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
	}
	got, err := sim.WaitFor(ctx, m.To, start)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != m.ID || got.Text != m.Text || got.Encoding != smssim.UCS2 || got.Segments != 1 {
		t.Fatalf("gateway recorded %+v", got)
	}
	if n := len(sim.Messages(m.To)); n != 1 {
		t.Fatalf("recorded %d messages, want 1", n)
	}
}

func TestSMSGatewayTransportErrors(t *testing.T) {
	slow := httptest.NewServer(smssim.New(smssim.Config{Token: "tok", Delay: 2 * time.Second}))
	defer slow.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL + "/send"
	closed.Close()

	m := transport.Message{ID: "t", Channel: contact.ChannelSMS, To: "+79161234567", Text: "x"}
	tests := []struct {
		name      string
		gw        transport.SMSGateway
		timeout   time.Duration
		permanent bool
	}{
		{"connection refused", transport.SMSGateway{URL: closedURL, Token: "tok"}, 5 * time.Second, false},
		{"context deadline", transport.SMSGateway{URL: slow.URL + "/send", Token: "tok"}, 100 * time.Millisecond, false},
		{"client timeout", transport.SMSGateway{URL: slow.URL + "/send", Token: "tok", Client: &http.Client{Timeout: 100 * time.Millisecond}}, 5 * time.Second, false},
		{"unparsable URL", transport.SMSGateway{URL: "://nowhere", Token: "tok"}, 5 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			start := time.Now()
			err := tt.gw.Send(ctx, m)
			if err == nil || transport.IsPermanent(err) != tt.permanent {
				t.Fatalf("Send: %v; want an error with permanent=%v", err, tt.permanent)
			}
			if time.Since(start) > 1500*time.Millisecond {
				t.Fatalf("Send took %v", time.Since(start))
			}
		})
	}
}
