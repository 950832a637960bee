package transport

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/kabinet/kabinet/internal/contact"
)

// DefaultSMTPTimeout bounds connecting to the SMTP server and each command.
const DefaultSMTPTimeout = 10 * time.Second

// SMTP sends e-mail through an SMTP server. Build it with NewSMTP; it is safe
// for concurrent use (each Send uses its own connection).
type SMTP struct {
	client   *mail.Client
	from     string // the From header as given
	idDomain string // the right-hand side of generated Message-IDs
	redacted string // the server URL without its password, for errors and logs
}

var _ Sender = (*SMTP)(nil)

// smtpAuthTypes are the values accepted for ?auth=. The "-noenc" variants of
// go-mail, which send passwords in clear text to remote hosts, are left out.
var smtpAuthTypes = map[string]mail.SMTPAuthType{
	"auto":               mail.SMTPAuthAutoDiscover,
	"plain":              mail.SMTPAuthPlain,
	"login":              mail.SMTPAuthLogin,
	"cram-md5":           mail.SMTPAuthCramMD5,
	"scram-sha-1":        mail.SMTPAuthSCRAMSHA1,
	"scram-sha-1-plus":   mail.SMTPAuthSCRAMSHA1PLUS,
	"scram-sha-256":      mail.SMTPAuthSCRAMSHA256,
	"scram-sha-256-plus": mail.SMTPAuthSCRAMSHA256PLUS,
}

// NewSMTP returns a sender for the server described by rawURL, sending from
// the given address ("noreply@example.ru" or "Госуслуги <noreply@example.ru>").
//
// The URL forms are
//
//	smtp://host:port                     plain SMTP, STARTTLS when the server offers it
//	smtp://host:port?tls=mandatory       refuse to send unless STARTTLS succeeds
//	smtp://host:port?tls=none            never use TLS (a local test server)
//	smtps://host:465                     implicit TLS from the first byte
//	smtp://user:pass@host:587?tls=mandatory
//
// The port defaults to 25 for smtp and 465 for smtps. With a user name, the
// authentication mechanism is the strongest the server offers (auth=auto);
// ?auth=plain, login, cram-md5, scram-sha-1, scram-sha-256 (and their -plus
// forms) pick one. go-mail sends PLAIN and LOGIN credentials only over TLS or
// to localhost. Anything else (another scheme, a path, an unknown parameter)
// is an error that names the problem but never echoes the password.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error repeats the URL, password included
		}
		return nil, fmt.Errorf("notify: smtp URL does not parse: %w", err)
	}
	redacted := u.Redacted()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("notify: smtp URL %s: %s", redacted, fmt.Sprintf(format, args...))
	}

	var opts []mail.Option
	port := 0
	switch u.Scheme {
	case "smtp":
		port = 25
	case "smtps":
		port = 465
		opts = append(opts, mail.WithSSL())
	default:
		return nil, bad("unsupported scheme %q (want smtp or smtps)", u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, bad("no host (want %s://host:port)", u.Scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, bad("unexpected path %q", u.Path)
	}
	if u.Fragment != "" {
		return nil, bad("unexpected fragment")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, bad("port %q is not a number from 1 to 65535", p)
		}
		port = n
	}
	opts = append(opts, mail.WithPort(port), mail.WithTimeout(DefaultSMTPTimeout))

	query := u.Query()
	for key, values := range query {
		if key != "tls" && key != "auth" {
			return nil, bad("unknown parameter %q (known: tls, auth)", key)
		}
		if len(values) != 1 {
			return nil, bad("parameter %q given %d times", key, len(values))
		}
	}
	switch tls := query.Get("tls"); {
	case u.Scheme == "smtps" && query.Has("tls"):
		return nil, bad("smtps always uses implicit TLS; drop ?tls=%s or use smtp://", tls)
	case u.Scheme == "smtps":
	case tls == "" || tls == "opportunistic":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	case tls == "mandatory":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case tls == "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		return nil, bad("tls=%q is not one of opportunistic, mandatory, none", tls)
	}

	if u.User != nil {
		user := u.User.Username()
		pass, hasPass := u.User.Password()
		if user == "" || !hasPass {
			return nil, bad("credentials need both a user name and a password (user:pass@host)")
		}
		name := query.Get("auth")
		if name == "" {
			name = "auto"
		}
		authType, ok := smtpAuthTypes[strings.ToLower(name)]
		if !ok {
			known := make([]string, 0, len(smtpAuthTypes))
			for k := range smtpAuthTypes {
				known = append(known, k)
			}
			slices.Sort(known)
			return nil, bad("auth=%q is not one of %s", name, strings.Join(known, ", "))
		}
		opts = append(opts, mail.WithSMTPAuth(authType), mail.WithUsername(user), mail.WithPassword(pass))
	} else if query.Has("auth") {
		return nil, bad("auth= needs a user name and password in the URL")
	}

	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp from address %q: %w", from, err)
	}
	domain := addr.Address[strings.LastIndex(addr.Address, "@")+1:]
	if !isASCII(domain) {
		domain = "kabinet.invalid"
	}

	client, err := mail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return nil, bad("%v", err)
	}
	return &SMTP{client: client, from: from, idDomain: domain, redacted: redacted}, nil
}

// String returns the server URL without its password.
func (s *SMTP) String() string { return s.redacted }

// Send implements Sender. The e-mail is multipart/alternative (text and
// HTML) when m.HTML is set and plain text otherwise, in UTF-8; the Subject is
// encoded for non-ASCII (Cyrillic) text. Its Message-ID is derived from m.ID
// alone, so a retried delivery carries the same Message-ID.
//
// A 5xx answer to this message (to MAIL FROM, RCPT TO or DATA, e.g. "550
// mailbox unavailable") is Permanent. Everything before the message
// transaction (connecting, TLS, authentication) and every 4xx is temporary.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if m.Channel != contact.ChannelEmail && m.Channel != "" {
		return Permanent(fmt.Errorf("notify: smtp cannot send a %q message (id %s)", m.Channel, m.ID))
	}
	if m.ID == "" || m.To == "" || (m.Text == "" && m.HTML == "") {
		return Permanent(fmt.Errorf("notify: email %q lacks an id, recipient or body", m.ID))
	}
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return Permanent(fmt.Errorf("notify: email %s: from address: %w", m.ID, err))
	}
	if err := msg.To(m.To); err != nil {
		// go-mail's error repeats the address; keep it out of logs.
		return Permanent(fmt.Errorf("notify: email %s: recipient %s is not a valid address", m.ID, maskRecipient(m.To)))
	}
	msg.SetMessageIDWithValue(MessageID(m.ID, s.idDomain))
	msg.SetDate()
	msg.Subject(m.Subject)
	switch {
	case m.HTML == "":
		msg.SetBodyString(mail.TypeTextPlain, m.Text)
	case m.Text == "":
		msg.SetBodyString(mail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(mail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}

	err := s.client.DialAndSendWithContext(ctx, msg)
	if err == nil {
		return nil
	}
	err = &redactedError{
		msg: fmt.Sprintf("notify: email %s via %s: %s", m.ID, s.redacted,
			strings.ReplaceAll(err.Error(), m.To, maskRecipient(m.To))),
		err: err,
	}
	var se *mail.SendError
	if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
		switch se.Reason {
		case mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo, mail.ErrSMTPData, mail.ErrSMTPDataClose:
			return Permanent(err)
		}
	}
	return err
}

// MessageID returns the Message-ID (without angle brackets) kabinet gives the
// e-mail for notification id: the id, with every byte other than a letter,
// digit, "-" or "_" written as "=XX", then "@" and domain.
func MessageID(id, domain string) string {
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String() + "@" + domain
}

// redactedError carries an error message with the recipient masked while
// keeping the original error reachable through errors.As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
