package transport_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/notify/transport"
	"github.com/kabinet/kabinet/internal/testenv"
)

func TestNewSMTP(t *testing.T) {
	const from = "Госуслуги <noreply@kabinet.test>"
	tests := []struct {
		url     string
		from    string
		wantErr string // "" for success
	}{
		{"smtp://127.0.0.1:1025", from, ""},
		{"smtp://mail.example.ru", from, ""},
		{"smtp://mail.example.ru:25/", from, ""},
		{"smtp://user:pass@mail.example.ru:587?tls=mandatory", from, ""},
		{"smtp://user:pass@mail.example.ru:587?tls=mandatory&auth=scram-sha-256", from, ""},
		{"smtp://127.0.0.1:1025?tls=none", from, ""},
		{"smtp://127.0.0.1:1025?tls=opportunistic", from, ""},
		{"smtps://mail.example.ru:465", from, ""},
		{"smtps://user:pass@mail.example.ru", from, ""},
		{"smtp://127.0.0.1:1025", "noreply@kabinet.test", ""},
		{"http://mail.example.ru:25", from, `unsupported scheme "http"`},
		{"mail.example.ru:25", from, `unsupported scheme "mail.example.ru"`},
		{"", from, `unsupported scheme ""`},
		{"smtp://", from, "no host"},
		{"smtp:mail.example.ru", from, "no host"},
		{"smtp://mail.example.ru:0", from, "port"},
		{"smtp://mail.example.ru:70000", from, "port"},
		{"smtp://mail.example.ru:25/inbox", from, "unexpected path"},
		{"smtp://mail.example.ru:25#x", from, "fragment"},
		{"smtp://mail.example.ru:25?tls=always", from, `tls="always"`},
		{"smtp://mail.example.ru:25?tls=none&tls=mandatory", from, "given 2 times"},
		{"smtp://mail.example.ru:25?timeout=5s", from, `unknown parameter "timeout"`},
		{"smtps://mail.example.ru:465?tls=none", from, "implicit TLS"},
		{"smtp://user@mail.example.ru:25", from, "password"},
		{"smtp://:secret-pw@mail.example.ru:25", from, "user name"},
		{"smtp://user:secret-pw@mail.example.ru:25?auth=plain-noenc", from, `auth="plain-noenc"`},
		{"smtp://mail.example.ru:25?auth=plain", from, "needs a user name"},
		{"smtp://user:secret-pw@mail example.ru:25", from, "does not parse"},
		{"smtp://127.0.0.1:1025", "not an address", "from address"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := transport.NewSMTP(tt.url, tt.from)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("NewSMTP: %v", err)
				}
				if strings.Contains(s.String(), "pass@") {
					t.Errorf("String() shows the password: %s", s)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("NewSMTP: %v; want an error containing %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "secret-pw") {
				t.Errorf("error reveals the password: %v", err)
			}
		})
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct{ id, want string }{
		{"0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e@kabinet.test"},
		{"outbox_42", "outbox_42@kabinet.test"},
		{"a.b@c d", "a=2Eb=40c=20d@kabinet.test"},
		{"я", "=D1=8F@kabinet.test"},
	}
	for _, tt := range tests {
		if got := transport.MessageID(tt.id, "kabinet.test"); got != tt.want {
			t.Errorf("MessageID(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
}

func TestSMTPSendToMailpit(t *testing.T) {
	// Recipients outside kabinet.test are refused with "550 5.1.0".
	mp := testenv.StartMailpit(t, "--smtp-allowed-recipients", `@kabinet\.test$`)
	s, err := transport.NewSMTP(mp.SMTPURL(), "Госуслуги <noreply@kabinet.test>")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		msg  transport.Message
	}{
		{"text and HTML", transport.Message{
			ID: "0f8fad5b-d9cb-469f-a165-70867728950e", Channel: contact.ChannelEmail, To: "ivanov@kabinet.test",
			Subject: "Подтверждение адреса электронной почты — Госуслуги",
			Text:    "Здравствуйте, Иван Иванович!\nВаш код подтверждения: 482913.",
			HTML:    "<p>Здравствуйте, <b>Иван Иванович</b>!</p><p>Ваш код подтверждения: 482913.</p>",
		}},
		{"text only", transport.Message{
			ID: "outbox-7", To: "petrova@kabinet.test",
			Subject: "Заявление принято", Text: "Ваше заявление № 1234 принято к рассмотрению.",
		}},
		{"long Cyrillic subject", transport.Message{
			ID: "outbox-8", Channel: contact.ChannelEmail, To: "sidorov@kabinet.test",
			Subject: strings.Repeat("Очень длинная тема письма с кириллицей ", 4), Text: "текст",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			if err := s.Send(ctx, tt.msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got, err := mp.WaitMessage(ctx, tt.msg.To)
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != tt.msg.Subject {
				t.Errorf("Subject = %q, want %q", got.Subject, tt.msg.Subject)
			}
			// SMTP carries lines ending in CRLF.
			if strings.TrimRight(strings.ReplaceAll(got.Text, "\r\n", "\n"), "\n") != tt.msg.Text {
				t.Errorf("Text = %q, want %q", got.Text, tt.msg.Text)
			}
			if strings.TrimRight(got.HTML, "\r\n") != tt.msg.HTML {
				t.Errorf("HTML = %q, want %q", got.HTML, tt.msg.HTML)
			}
			if want := transport.MessageID(tt.msg.ID, "kabinet.test"); got.MessageID != want {
				t.Errorf("Message-ID = %q, want %q", got.MessageID, want)
			}
			if got.From != "noreply@kabinet.test" {
				t.Errorf("From = %q", got.From)
			}
		})
	}

	t.Run("rejected recipient is permanent", func(t *testing.T) {
		err := s.Send(context.Background(), transport.Message{ID: "r1", Channel: contact.ChannelEmail, To: "ivanov@elsewhere.example", Subject: "x", Text: "x"})
		if err == nil || !transport.IsPermanent(err) {
			t.Fatalf("Send: %v; want a permanent error", err)
		}
		if strings.Contains(err.Error(), "ivanov@") {
			t.Errorf("error reveals the address: %v", err)
		}
	})

	t.Run("invalid messages are permanent", func(t *testing.T) {
		for _, m := range []transport.Message{
			{ID: "i1", Channel: contact.ChannelEmail, To: "not an address", Text: "x"},
			{ID: "i2", Channel: contact.ChannelSMS, To: "a@kabinet.test", Text: "x"},
			{ID: "i3", Channel: contact.ChannelEmail, To: "a@kabinet.test"},
			{Channel: contact.ChannelEmail, To: "a@kabinet.test", Text: "x"},
		} {
			if err := s.Send(context.Background(), m); !transport.IsPermanent(err) {
				t.Errorf("Send(%+v) = %v; want a permanent error", m, err)
			}
		}
	})

	t.Run("concurrent sends", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 5 {
			wg.Go(func() {
				m := transport.Message{ID: fmt.Sprint("c", i), Channel: contact.ChannelEmail, To: fmt.Sprintf("c%d@kabinet.test", i), Subject: "Тест", Text: "текст"}
				if err := s.Send(context.Background(), m); err != nil {
					t.Errorf("Send %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for i := range 5 {
			if _, err := mp.WaitMessage(ctx, fmt.Sprintf("c%d@kabinet.test", i)); err != nil {
				t.Error(err)
			}
		}
	})
}

func TestSMTPAuth(t *testing.T) {
	mp := testenv.StartMailpit(t, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	u := strings.Replace(mp.SMTPURL(), "smtp://", "smtp://kabinet:secret@", 1) + "?tls=none&auth=plain"
	s, err := transport.NewSMTP(u, "noreply@kabinet.test")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Send(ctx, transport.Message{ID: "auth-1", Channel: contact.ChannelEmail, To: "a@kabinet.test", Subject: "Вход", Text: "ok"}); err != nil {
		t.Fatalf("Send with PLAIN auth: %v", err)
	}
	if _, err := mp.WaitMessage(ctx, "a@kabinet.test"); err != nil {
		t.Fatal(err)
	}
}

func TestSMTPTemporaryErrors(t *testing.T) {
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "smtp://" + refused.Addr().String()
	refused.Close()

	plain := testenv.StartMailpit(t)
	chaos := testenv.StartMailpit(t, "--enable-chaos", "--chaos-triggers", "Recipient:451:100")
	tests := []struct {
		name string
		url  string
	}{
		{"connection refused", closedURL},
		{"STARTTLS required but not offered", plain.SMTPURL() + "?tls=mandatory"},
		{"451 for the recipient", chaos.SMTPURL()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := transport.NewSMTP(tt.url, "noreply@kabinet.test")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err = s.Send(ctx, transport.Message{ID: "t1", Channel: contact.ChannelEmail, To: "a@kabinet.test", Subject: "x", Text: "x"})
			if err == nil || transport.IsPermanent(err) {
				t.Fatalf("Send: %v; want a temporary error", err)
			}
		})
	}
}
