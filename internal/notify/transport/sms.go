package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
)

// DefaultSMSTimeout bounds one request to the SMS gateway when
// SMSGateway.Client is nil.
const DefaultSMSTimeout = 10 * time.Second

// SMSGateway sends SMS through kabinet's HTTP gateway contract (SPEC §9): a
// POST of JSON {"to","text","id"} to URL with "Authorization: Bearer Token".
// The message ID goes out as "id", so a gateway that deduplicates on it
// delivers a retried message once.
//
// A 2xx answer is success. 408, 429, 5xx, network errors and timeouts are
// temporary; every other answer (a rejected token, a malformed number) is
// Permanent. Client may be nil, in which case a client with a 10 s timeout is
// used; ctx bounds each Send in any case.
type SMSGateway struct {
	URL    string
	Token  string
	Client *http.Client
}

var _ Sender = SMSGateway{}

type smsRequest struct {
	To   string `json:"to"`
	Text string `json:"text"`
	ID   string `json:"id"`
}

// Send implements Sender.
func (g SMSGateway) Send(ctx context.Context, m Message) error {
	if m.Channel != contact.ChannelSMS && m.Channel != "" {
		return Permanent(fmt.Errorf("notify: sms gateway cannot send a %q message (id %s)", m.Channel, m.ID))
	}
	if m.ID == "" || m.To == "" || m.Text == "" {
		return Permanent(fmt.Errorf("notify: sms message %q lacks an id, recipient or text", m.ID))
	}
	body, err := json.Marshal(smsRequest{To: m.To, Text: m.Text, ID: m.ID})
	if err != nil {
		return Permanent(fmt.Errorf("notify: sms %s: encode: %w", m.ID, err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("notify: sms %s: gateway URL: %w", m.ID, err))
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+g.Token)

	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: DefaultSMSTimeout}
	}
	resp, err := client.Do(req)
	if err != nil {
		// Network errors, timeouts and a cancelled ctx: the message may or may
		// not have arrived, and the id makes a retry safe.
		return fmt.Errorf("notify: sms %s: %w", m.ID, redactURLError(err))
	}
	defer resp.Body.Close()
	detail, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused

	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("notify: sms %s: gateway answered %s%s", m.ID, resp.Status, gatewayDetail(detail))
	default:
		return Permanent(fmt.Errorf("notify: sms %s: gateway answered %s%s", m.ID, resp.Status, gatewayDetail(detail)))
	}
}

// gatewayDetail returns the gateway's error text for an error message: the
// "error" field of a JSON answer, else the start of the body.
func gatewayDetail(body []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	s := strings.TrimSpace(string(body))
	if json.Unmarshal(body, &e) == nil && e.Error != "" {
		s = e.Error
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return ""
	}
	return ": " + s
}

// redactURLError keeps the operation and cause of a *url.Error but not the
// URL, which may carry credentials in its query.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s gateway: %w", ue.Op, ue.Err)
	}
	return err
}
