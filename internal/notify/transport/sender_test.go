package transport_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/notify/transport"
)

func TestPermanent(t *testing.T) {
	base := errors.New("550 mailbox unavailable")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", base, false},
		{"marked", transport.Permanent(base), true},
		{"wrapped after marking", fmt.Errorf("outbox: %w", transport.Permanent(base)), true},
		{"joined", errors.Join(errors.New("other"), transport.Permanent(base)), true},
		{"marked nil", transport.Permanent(nil), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transport.IsPermanent(tt.err); got != tt.want {
				t.Fatalf("IsPermanent = %v, want %v", got, tt.want)
			}
		})
	}
	if transport.Permanent(nil) != nil {
		t.Error("Permanent(nil) is not nil")
	}
	p := transport.Permanent(base)
	if !errors.Is(p, base) || p.Error() != base.Error() {
		t.Errorf("Permanent(err) hides err: %v", p)
	}
}

func TestConsole(t *testing.T) {
	tests := []struct {
		name string
		msg  transport.Message
		want []string
		not  []string
	}{
		{
			"sms",
			transport.Message{ID: "n1", Channel: contact.ChannelSMS, To: "+79161234567", Text: "Код: 482913\nне сообщайте никому"},
			[]string{"channel=sms", `id="n1"`, "to=+7916***4567", `text="Код: 482913\nне сообщайте никому"`},
			[]string{"9161234567", "subject="},
		},
		{
			"email",
			transport.Message{ID: "n2", Channel: contact.ChannelEmail, To: "ivanov@example.ru", Subject: "Вход", Text: "Здравствуйте", HTML: "<p>Здравствуйте</p>"},
			[]string{"channel=email", "to=i***@***", `subject="Вход"`, "html_bytes=31"},
			[]string{"ivanov"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := (transport.Console{W: &buf}).Send(context.Background(), tt.msg); err != nil {
				t.Fatal(err)
			}
			line := buf.String()
			if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
				t.Fatalf("not one line: %q", line)
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("line lacks %q: %s", w, line)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(line, w) {
					t.Errorf("line contains %q: %s", w, line)
				}
			}
		})
	}
	var s transport.Sender = transport.Console{W: failingWriter{}}
	if err := s.Send(context.Background(), transport.Message{ID: "x"}); err == nil {
		t.Error("a failing writer gave no error")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }
