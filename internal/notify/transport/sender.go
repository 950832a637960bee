// Package transport hands rendered messages to the outside world: SMTP
// (go-mail) for e-mail, kabinet's HTTP SMS gateway contract (SPEC §9), and
// a console sink for development. A delivery error that retrying cannot fix
// is marked Permanent.
//
// transport imports contact, go-mail and the standard library (net/http).
package transport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
)

// Message is one rendered notification ready to deliver.
type Message struct {
	// ID identifies the notification for its whole life. Senders pass it on
	// (the SMS gateway's "id", the e-mail's Message-ID) so that a retried
	// delivery is recognised as the same message.
	ID      string
	Channel contact.Channel
	// To is an E.164 phone number for SMS and an e-mail address for e-mail.
	To string
	// Subject is used by e-mail only.
	Subject string
	// Text is the SMS text or the e-mail's plain-text body.
	Text string
	// HTML is the optional HTML alternative of an e-mail.
	HTML string
}

// Sender delivers one message. An error wrapped with Permanent means that
// retrying cannot help; any other error is worth retrying later.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks a delivery error that retrying cannot fix (a 4xx from the gateway, a rejected recipient).
// Permanent(nil) is nil. The result still matches the wrapped error with
// errors.Is and errors.As.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or any error it wraps, was marked with
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// Console is a development Sender that writes a one-line description of
// every message to W instead of delivering it. The recipient is masked as in
// any other log; the text is written in full, since reading the code in it is
// the point. Send makes one Write per message; if Send is called from several
// goroutines, W must tolerate concurrent writes (an *os.File does).
type Console struct {
	W io.Writer
}

var _ Sender = Console{}

// Send implements Sender.
func (c Console) Send(_ context.Context, m Message) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s notify channel=%s id=%s to=%s", time.Now().Format(time.RFC3339), m.Channel, strconv.Quote(m.ID), maskRecipient(m.To))
	if m.Subject != "" {
		fmt.Fprintf(&b, " subject=%s", strconv.Quote(m.Subject))
	}
	fmt.Fprintf(&b, " text=%s", strconv.Quote(m.Text))
	if m.HTML != "" {
		fmt.Fprintf(&b, " html_bytes=%d", len(m.HTML))
	}
	b.WriteByte('\n')
	if _, err := io.WriteString(c.W, b.String()); err != nil {
		return fmt.Errorf("notify: console: %w", err)
	}
	return nil
}

// maskRecipient hides most of a phone number or e-mail address for logs:
// +7916***4567, i***@*** (no domain: with a rare domain it names the person,
// as the audit log's form does not either).
func maskRecipient(to string) string {
	if strings.Contains(to, "@") {
		return contact.Email(to).Redacted()
	}
	r := []rune(to)
	if len(r) < 9 {
		return "***"
	}
	return string(r[:5]) + "***" + string(r[len(r)-4:])
}
