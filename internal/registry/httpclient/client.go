// Package httpclient reaches the registries over HTTP, with the JSON API
// of the registry simulator (internal/registrysim, docs/registry-sim.md):
// it implements registry.Registries, maps each answer to the typed
// registry answers and every failure to a registry.Error, temporary
// (timeouts, refused connections, 408, 429, 5xx) or permanent (any other
// refusal, or an answer it cannot read). A real connection (SMEV) would be
// another adapter behind the same interface.
//
// httpclient is an adapter: it imports internal/registry, net/http and the
// standard library, and nothing of the simulator.
package httpclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/registry"
)

var _ registry.Registries = (*Client)(nil)

// Client calls the registries at one base URL. It is safe for concurrent
// use.
type Client struct {
	base    string
	token   string
	timeout time.Duration
	http    *http.Client
}

// Config configures a Client.
type Config struct {
	URL   string // the registries' base URL, e.g. http://127.0.0.1:9091
	Token string // bearer token; empty sends none
	// Timeout bounds each call; a shorter deadline on the caller's context
	// wins. Zero: 30 seconds.
	Timeout time.Duration
	// HTTP is the client to use; nil: a client of its own.
	HTTP *http.Client
}

// New returns a client for the registries at cfg.URL.
func New(cfg Config) *Client {
	c := &Client{base: strings.TrimSuffix(cfg.URL, "/"), token: cfg.Token, timeout: cfg.Timeout, http: cfg.HTTP}
	if c.timeout <= 0 {
		c.timeout = 30 * time.Second
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	return c
}

// person is a person on the wire.
type person struct {
	Surname    string `json:"surname"`
	Name       string `json:"name"`
	Patronymic string `json:"patronymic,omitempty"`
	BirthDate  string `json:"birth_date"`
	Gender     string `json:"gender,omitempty"`
}

func personOf(p registry.Person) person {
	return person{Surname: p.Surname, Name: p.Name, Patronymic: p.Patronymic, BirthDate: date(p.BirthDate), Gender: string(p.Gender)}
}

type passport struct {
	Series    string `json:"series"`
	Number    string `json:"number"`
	IssueDate string `json:"issue_date"`
}

func passportOf(p registry.Passport) passport {
	return passport{Series: p.Series, Number: p.Number, IssueDate: date(p.IssueDate)}
}

func date(t time.Time) string { return t.Format(time.DateOnly) }

// answer is every answer's shape.
type answer struct {
	Result string   `json:"result"`
	Reason string   `json:"reason"`
	Fields []string `json:"fields"`
	INN    string   `json:"inn"`
}

// CheckSNILS asks the Social Fund whether q.SNILS is q.Person's.
func (c *Client) CheckSNILS(ctx context.Context, q registry.SNILSQuery) (registry.SNILSAnswer, error) {
	body := struct {
		SNILS string `json:"snils"`
		person
	}{q.SNILS, personOf(q.Person)}
	a, err := c.call(ctx, registry.SFR, "/sfr/snils/check", body, q.Ref)
	if err != nil {
		return registry.SNILSAnswer{}, err
	}
	switch r := registry.SNILSResult(a.Result); r {
	case registry.SNILSMatches, registry.SNILSUnknown:
		return registry.SNILSAnswer{Result: r}, nil
	case registry.SNILSMismatch:
		fields, err := fieldsOf(registry.SFR, a.Fields)
		return registry.SNILSAnswer{Result: r, Mismatch: fields}, err
	}
	return registry.SNILSAnswer{}, unreadable(registry.SFR, a)
}

// CheckPassport asks the Ministry whether q.Passport is valid and, when
// q.Holder's surname is set, whether it is q.Holder's.
func (c *Client) CheckPassport(ctx context.Context, q registry.PassportQuery) (registry.PassportAnswer, error) {
	body := struct {
		passport
		Holder *person `json:"holder,omitempty"`
	}{passport: passportOf(q.Passport)}
	if q.Holder.Surname != "" {
		h := personOf(q.Holder)
		body.Holder = &h
	}
	a, err := c.call(ctx, registry.MVD, "/mvd/passport/check", body, q.Ref)
	if err != nil {
		return registry.PassportAnswer{}, err
	}
	switch r := registry.PassportResult(a.Result); r {
	case registry.PassportValid:
		return registry.PassportAnswer{Result: r}, nil
	case registry.PassportInvalid:
		if reason := registry.InvalidReason(a.Reason); slices.Contains(registry.InvalidReasons, reason) {
			return registry.PassportAnswer{Result: r, Reason: reason}, nil
		}
	case registry.PassportMismatch:
		fields, err := fieldsOf(registry.MVD, a.Fields)
		return registry.PassportAnswer{Result: r, Mismatch: fields}, err
	}
	return registry.PassportAnswer{}, unreadable(registry.MVD, a)
}

// FindINN asks the Tax Service for the INN of q.Person holding q.Passport.
func (c *Client) FindINN(ctx context.Context, q registry.INNQuery) (registry.INNAnswer, error) {
	body := struct {
		person
		Passport passport `json:"passport"`
	}{personOf(q.Person), passportOf(q.Passport)}
	a, err := c.call(ctx, registry.FNS, "/fns/inn/search", body, q.Ref)
	if err != nil {
		return registry.INNAnswer{}, err
	}
	switch {
	case a.Result == "found" && len(a.INN) == 12 && strings.Trim(a.INN, "0123456789") == "":
		return registry.INNAnswer{Found: true, INN: a.INN}, nil
	case a.Result == "not_found":
		return registry.INNAnswer{}, nil
	}
	return registry.INNAnswer{}, unreadable(registry.FNS, a)
}

var knownFields = []registry.Field{registry.FieldSurname, registry.FieldName, registry.FieldPatronymic, registry.FieldBirthDate, registry.FieldGender, registry.FieldIssueDate}

// fieldsOf reads a mismatch's fields; a mismatch that names none, or a
// field kabinet does not know, is not an answer a citizen could act on.
func fieldsOf(id registry.ID, names []string) ([]registry.Field, error) {
	var out []registry.Field
	for _, n := range names {
		f := registry.Field(n)
		if !slices.Contains(knownFields, f) {
			return nil, &registry.Error{Registry: id, Detail: fmt.Sprintf("unknown mismatched field %q", n)}
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, &registry.Error{Registry: id, Detail: "a mismatch without fields"}
	}
	return out, nil
}

func unreadable(id registry.ID, a answer) error {
	return &registry.Error{Registry: id, Detail: fmt.Sprintf("unexpected answer %q %q", a.Result, a.Reason)}
}

// maxAnswer caps how much of an answer is read.
const maxAnswer = 64 << 10

// RequestsPath is where a question the registry took to answer later is
// collected: GET RequestsPath + ref.
const RequestsPath = "/requests/"

// call POSTs body to path, saying that an answer later is welcome
// (Prefer: respond-async, RFC 7240), or, with ref, collects the answer to
// the question asked before; it decodes a 200 answer. 202 Accepted is a
// temporary registry.Error carrying the reference to collect the answer
// with (from Location) and when (Retry-After); anything else becomes a
// registry.Error.
func (c *Client) call(ctx context.Context, id registry.ID, path string, body any, ref string) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var req *http.Request
	var err error
	if ref != "" {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, c.base+RequestsPath+url.PathEscape(ref), nil)
	} else {
		var b []byte
		if b, err = json.Marshal(body); err != nil {
			return answer{}, &registry.Error{Registry: id, Err: err}
		}
		if req, err = http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b)); err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Prefer", "respond-async")
		}
	}
	if err != nil {
		return answer{}, &registry.Error{Registry: id, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// No answer: a refused connection, a reset, or the deadline.
		return answer{}, &registry.Error{Registry: id, Temporary: true, Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{}, &registry.Error{Registry: id, Temporary: true, Detail: resp.Status, Err: err}
	}
	retryAfter := time.Duration(0)
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	switch {
	case resp.StatusCode == http.StatusAccepted && ref != "":
		return answer{}, &registry.Error{Registry: id, Temporary: true, Ref: ref, RetryAfter: retryAfter, Detail: "the answer is not ready"}
	case resp.StatusCode == http.StatusAccepted:
		loc := resp.Header.Get("Location")
		i := strings.LastIndex(loc, RequestsPath)
		if i < 0 || loc[i+len(RequestsPath):] == "" {
			return answer{}, &registry.Error{Registry: id, Detail: "202 Accepted without a Location to collect the answer at"}
		}
		later, err := url.PathUnescape(loc[i+len(RequestsPath):])
		if err != nil {
			return answer{}, &registry.Error{Registry: id, Detail: "202 Accepted with an unreadable Location", Err: err}
		}
		return answer{}, &registry.Error{Registry: id, Temporary: true, Ref: later, RetryAfter: retryAfter, Detail: "the answer comes later"}
	case resp.StatusCode == http.StatusNotFound && ref != "":
		// The registry no longer knows the question (restarted, or the
		// answer expired): ask it anew.
		return answer{}, &registry.Error{Registry: id, Temporary: true, Detail: "the registry no longer knows request " + ref}
	}
	if resp.StatusCode != http.StatusOK {
		e := &registry.Error{Registry: id, Temporary: temporary(resp.StatusCode), Detail: resp.Status, RetryAfter: retryAfter}
		if ref != "" && e.Temporary {
			e.Ref = ref // the question stands: collect it again later
		}
		var msg struct {
			Error  string            `json:"error"`
			Fields map[string]string `json:"fields"`
		}
		if json.Unmarshal(raw, &msg) == nil && msg.Error != "" {
			e.Detail += ": " + msg.Error
			// Field names and rules only: the values are never echoed.
			for _, k := range slices.Sorted(maps.Keys(msg.Fields)) {
				e.Detail += fmt.Sprintf("; %s: %s", k, msg.Fields[k])
			}
		}
		return answer{}, e
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		return answer{}, &registry.Error{Registry: id, Detail: "an answer that is not JSON", Err: err}
	}
	return a, nil
}

// temporary reports whether a status means "not now" rather than "never".
func temporary(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}
