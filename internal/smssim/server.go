package smssim

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// MaxMessages is how many messages a Server keeps; older ones are dropped.
const MaxMessages = 10000

// maxBody caps the size of a request body the server reads.
const maxBody = 64 << 10

// Config configures a Server.
type Config struct {
	// Token is the bearer token senders must present. Empty disables the check.
	Token string
	// Delay is added before every /send is answered (respecting the request's
	// context), to exercise the caller's timeouts.
	Delay time.Duration
	// ReplyDelay is added after a send is recorded and before it is
	// answered: a gateway that accepts at once but answers slowly. A sender
	// that gives up (or dies) while waiting leaves a message that was
	// delivered but that it cannot know was; its retry, with the same id, is
	// answered 200 and counted as a repeat.
	ReplyDelay time.Duration
	// FailRate is the share of valid sends, from 0 to 1, answered with 503.
	FailRate float64
	// Log receives one text line per send and control request; nil discards.
	Log io.Writer
}

// Message is one SMS the server accepted.
type Message struct {
	ID       string    `json:"id"`
	To       string    `json:"to"`
	Text     string    `json:"text"`
	Encoding Encoding  `json:"encoding"`
	Segments int       `json:"segments"`
	Received time.Time `json:"received"`
}

// Server is the simulated gateway. It is an http.Handler and is safe for
// concurrent use. Create it with New.
type Server struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
	now func() time.Time

	mu         sync.Mutex
	msgs       []Message // oldest first, at most MaxMessages
	ids        map[string]bool
	repeated   map[string]int // id → sends after the first, for ids still kept
	repeats    int            // all sends after the first, since New or Reset
	failNext   int
	failStatus int
	changed    chan struct{} // closed and replaced whenever a message is recorded
}

// New returns a server with the given configuration.
func New(cfg Config) *Server {
	w := cfg.Log
	if w == nil {
		w = io.Discard
	}
	s := &Server{
		cfg:      cfg,
		log:      slog.New(slog.NewTextHandler(w, nil)).With("component", "sms-sim"),
		mux:      http.NewServeMux(),
		now:      time.Now,
		ids:      make(map[string]bool),
		repeated: make(map[string]int),
		changed:  make(chan struct{}),
	}
	s.mux.HandleFunc("POST /send", s.send)
	s.mux.HandleFunc("POST /control", s.control)
	s.mux.HandleFunc("GET /messages", s.list)
	s.mux.HandleFunc("GET /messages/latest", s.latest)
	s.mux.HandleFunc("DELETE /messages", s.clear)
	s.mux.HandleFunc("GET /status", s.status)
	s.mux.HandleFunc("GET /{$}", s.page)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// FailNext makes the next n valid sends fail with status (503 when status is
// 0). n = 0 cancels a pending failure.
func (s *Server) FailNext(n, status int) {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	s.mu.Lock()
	s.failNext, s.failStatus = max(n, 0), status
	s.mu.Unlock()
}

// Messages returns the recorded messages to the given number, newest first;
// to = "" returns all of them.
func (s *Server) Messages(to string) []Message {
	return s.filter(normalizeTo(to), time.Time{})
}

// Reset forgets every recorded message (and so every seen id) and the
// repeat counts.
func (s *Server) Reset() {
	s.mu.Lock()
	s.msgs = nil
	s.ids = make(map[string]bool)
	s.repeated = make(map[string]int)
	s.repeats = 0
	s.mu.Unlock()
}

// Stats is what GET /status answers: how many messages are kept and how many
// sends repeated an id already delivered. A real gateway drops those
// repeats; counting them measures how often the sender sent a message twice.
type Stats struct {
	Messages int `json:"messages"` // recorded (delivered) messages kept
	Repeats  int `json:"repeats"`  // sends whose id was already delivered
	// Repeated maps each repeated id still kept to its number of repeats.
	Repeated map[string]int `json:"repeated"`
}

// Stats returns the counts since New or the last Reset.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Messages: len(s.msgs), Repeats: s.repeats, Repeated: make(map[string]int, len(s.repeated))}
	for id, n := range s.repeated {
		st.Repeated[id] = n
	}
	return st
}

// WaitFor blocks until a message to the given number has been received after
// the given time, and returns the newest such message. It returns ctx.Err()
// when ctx ends first.
func (s *Server) WaitFor(ctx context.Context, to string, after time.Time) (Message, error) {
	to = normalizeTo(to)
	for {
		s.mu.Lock()
		changed := s.changed
		var found *Message
		for i := len(s.msgs) - 1; i >= 0; i-- {
			m := s.msgs[i]
			if !m.Received.After(after) {
				break // older messages were received earlier still
			}
			if to == "" || m.To == to {
				found = &m
				break
			}
		}
		s.mu.Unlock()
		if found != nil {
			return *found, nil
		}
		select {
		case <-ctx.Done():
			return Message{}, fmt.Errorf("smssim: waiting for an SMS to %s: %w", to, ctx.Err())
		case <-changed:
		}
	}
}

// filter returns the messages to `to` ("" for all) received at or after
// since, newest first.
func (s *Server) filter(to string, since time.Time) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Message{}
	for i := len(s.msgs) - 1; i >= 0; i-- {
		m := s.msgs[i]
		if m.Received.Before(since) {
			break
		}
		if to == "" || m.To == to {
			out = append(out, m)
		}
	}
	return out
}

type sendRequest struct {
	To   string `json:"to"`
	Text string `json:"text"`
	ID   string `json:"id"`
}

type sendResponse struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

var e164 = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)

func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	// Read the body first: once it is read, the server notices a client that
	// gives up during the delay and cancels r.Context().
	body, readErr := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if s.cfg.Delay > 0 {
		t := time.NewTimer(s.cfg.Delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if !s.authorized(r) {
		s.log.Warn("send rejected", "status", http.StatusUnauthorized)
		writeError(w, http.StatusUnauthorized, "missing or invalid bearer token")
		return
	}
	var req sendRequest
	err := readErr
	if err == nil {
		err = decode(bytes.NewReader(body), &req)
	}
	if err != nil {
		s.log.Warn("send rejected", "status", http.StatusBadRequest, "err", err)
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var missing []string
	for _, f := range []struct{ name, value string }{{"to", req.To}, {"text", req.Text}, {"id", req.ID}} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		writeError(w, http.StatusBadRequest, "missing fields: "+strings.Join(missing, ", "))
		return
	}
	if len(req.ID) > 200 || !utf8.ValidString(req.ID) {
		writeError(w, http.StatusBadRequest, "id must be valid UTF-8 of at most 200 bytes")
		return
	}
	if !e164.MatchString(req.To) {
		s.log.Warn("send rejected", "status", http.StatusUnprocessableEntity, "to", mask(req.To))
		writeError(w, http.StatusUnprocessableEntity, `"to" must be an E.164 number: a plus and 8 to 15 digits`)
		return
	}
	if status := s.injectedFailure(); status != 0 {
		s.log.Warn("send failed on purpose", "status", status, "id", req.ID)
		writeError(w, status, "injected failure")
		return
	}

	enc, segments := Segments(req.Text)
	m := Message{ID: req.ID, To: req.To, Text: req.Text, Encoding: enc, Segments: segments}
	status := http.StatusAccepted
	if s.record(&m) {
		s.log.Info("sms accepted", "id", m.ID, "to", mask(m.To), "encoding", m.Encoding, "segments", m.Segments, "text", m.Text)
	} else {
		status = http.StatusOK
		s.log.Info("send repeated", "id", req.ID)
	}
	if s.cfg.ReplyDelay > 0 {
		t := time.NewTimer(s.cfg.ReplyDelay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return // recorded all the same: the answer is what got lost
		case <-t.C:
		}
	}
	writeJSON(w, status, sendResponse{ID: req.ID, Status: "accepted"})
}

// injectedFailure returns the status to fail a send with, or 0.
func (s *Server) injectedFailure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return s.failStatus
	}
	if s.cfg.FailRate > 0 && rand.Float64() < s.cfg.FailRate {
		return http.StatusServiceUnavailable
	}
	return 0
}

// record stores m unless its id was seen, in which case it counts a repeat,
// and reports whether it stored it.
func (s *Server) record(m *Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ids[m.ID] {
		s.repeats++
		s.repeated[m.ID]++
		return false
	}
	m.Received = s.now()
	if n := len(s.msgs); n > 0 && !m.Received.After(s.msgs[n-1].Received) {
		// Keep Received strictly increasing so that "after t" is unambiguous
		// even on a clock with coarse resolution.
		m.Received = s.msgs[n-1].Received.Add(time.Nanosecond)
	}
	if len(s.msgs) >= MaxMessages {
		delete(s.ids, s.msgs[0].ID)
		delete(s.repeated, s.msgs[0].ID)
		copy(s.msgs, s.msgs[1:])
		s.msgs = s.msgs[:len(s.msgs)-1]
	}
	s.msgs = append(s.msgs, *m)
	s.ids[m.ID] = true
	close(s.changed)
	s.changed = make(chan struct{})
	return true
}

type controlRequest struct {
	FailNext int `json:"fail_next"`
	Status   int `json:"status"`
}

func (s *Server) control(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, "missing or invalid bearer token")
		return
	}
	var req controlRequest
	if err := decode(http.MaxBytesReader(w, r.Body, maxBody), &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Status == 0 {
		req.Status = http.StatusServiceUnavailable
	}
	if req.FailNext < 0 || req.Status < 400 || req.Status > 599 {
		writeError(w, http.StatusBadRequest, "fail_next must be ≥ 0 and status between 400 and 599")
		return
	}
	s.FailNext(req.FailNext, req.Status)
	s.log.Info("control", "fail_next", req.FailNext, "status", req.Status)
	writeJSON(w, http.StatusOK, req)
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "since must be an RFC 3339 time")
			return
		}
		since = t
	}
	writeJSON(w, http.StatusOK, s.filter(normalizeTo(r.URL.Query().Get("to")), since))
}

func (s *Server) latest(w http.ResponseWriter, r *http.Request) {
	msgs := s.filter(normalizeTo(r.URL.Query().Get("to")), time.Time{})
	if len(msgs) == 0 {
		writeError(w, http.StatusNotFound, "no messages")
		return
	}
	writeJSON(w, http.StatusOK, msgs[0])
}

func (s *Server) status(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) clear(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, "missing or invalid bearer token")
		return
	}
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<title>SMS simulator</title>
<style>
body { font-family: sans-serif; margin: 2rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: .4rem .6rem; text-align: left; vertical-align: top; }
td.text { white-space: pre-wrap; }
</style>
</head>
<body>
<h1>SMS simulator</h1>
<form method="get" action="/"><label>Number <input name="to" value="{{.To}}"></label> <button>Filter</button></form>
<p>{{len .Messages}} message(s), newest first; {{.Repeats}} repeated send(s) of a delivered id dropped. The page reloads every 5 seconds.</p>
<table>
<thead><tr><th>Received</th><th>To</th><th>Text</th><th>Encoding</th><th>Segments</th><th>ID</th></tr></thead>
<tbody>
{{range .Messages}}<tr><td>{{.Received.Format "2006-01-02 15:04:05"}}</td><td>{{.To}}</td><td class="text">{{.Text}}</td><td>{{.Encoding}}</td><td>{{.Segments}}</td><td>{{.ID}}</td></tr>
{{else}}<tr><td colspan="6">No messages yet.</td></tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	to := normalizeTo(r.URL.Query().Get("to"))
	msgs := s.filter(to, time.Time{})
	if len(msgs) > 500 {
		msgs = msgs[:500]
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, struct {
		To       string
		Messages []Message
		Repeats  int
	}{to, msgs, s.Stats().Repeats}); err != nil {
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.cfg.Token)) == 1
}

// decode reads one JSON object into v, refusing unknown fields and trailing
// data.
func decode(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON body: %w", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return errors.New("malformed JSON body: more than one value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// normalizeTo undoes the usual accident of an unescaped "+" in a query
// string, which arrives as a space: " 7916…" and "7916…" both mean "+7916…".
func normalizeTo(to string) string {
	to = strings.TrimSpace(to)
	if to != "" && !strings.HasPrefix(to, "+") {
		to = "+" + to
	}
	return to
}

// mask hides the middle of a phone number for logs: +7916***4567.
func mask(phone string) string {
	if len(phone) < 9 {
		return "***"
	}
	return phone[:5] + "***" + phone[len(phone)-4:]
}
