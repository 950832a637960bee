package smssim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/smssim"
)

const token = "test-token"

// start runs a simulator on a real listener and returns it with its base URL.
func start(t *testing.T, cfg smssim.Config) (*smssim.Server, string) {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = token
	}
	s := smssim.New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// call sends a request and returns the status and the body.
func call(t *testing.T, method, u, auth, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func sendBody(to, text, id string) string {
	b, _ := json.Marshal(map[string]string{"to": to, "text": text, "id": id})
	return string(b)
}

func TestSend(t *testing.T) {
	bearer := "Bearer " + token
	tests := []struct {
		name     string
		auth     string
		body     string
		status   int
		wantBody string // substring of the answer
		recorded bool
	}{
		{"accepted", bearer, sendBody("+79161234567", "Код подтверждения: 482913", "m1"), 202, `"status":"accepted"`, true},
		{"no token", "", sendBody("+79161234567", "x", "m2"), 401, `"error"`, false},
		{"wrong token", "Bearer nope", sendBody("+79161234567", "x", "m3"), 401, `"error"`, false},
		{"basic auth", "Basic " + token, sendBody("+79161234567", "x", "m4"), 401, `"error"`, false},
		{"not json", bearer, `{"to":`, 400, `malformed JSON`, false},
		{"unknown field", bearer, `{"to":"+79161234567","text":"x","id":"m5","phone":"1"}`, 400, `unknown field`, false},
		{"two values", bearer, sendBody("+79161234567", "x", "m6") + `{}`, 400, `more than one value`, false},
		{"missing text and id", bearer, `{"to":"+79161234567"}`, 400, `missing fields: text, id`, false},
		{"missing to", bearer, `{"text":"x","id":"m7"}`, 400, `missing fields: to`, false},
		{"no plus", bearer, sendBody("79161234567", "x", "m8"), 422, `E.164`, false},
		{"too short", bearer, sendBody("+7916123", "x", "m9"), 422, `E.164`, false},
		{"too long", bearer, sendBody("+7916123456789012", "x", "m10"), 422, `E.164`, false},
		{"letters", bearer, sendBody("+7916abc4567", "x", "m11"), 422, `E.164`, false},
		{"leading zero", bearer, sendBody("+0916123456", "x", "m12"), 422, `E.164`, false},
		{"shortest", bearer, sendBody("+37212345", "x", "m13"), 202, `"id":"m13"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, base := start(t, smssim.Config{})
			status, body := call(t, "POST", base+"/send", tt.auth, tt.body)
			if status != tt.status || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("got %d %s, want %d containing %s", status, body, tt.status, tt.wantBody)
			}
			if got := len(s.Messages("")); got != map[bool]int{true: 1}[tt.recorded] {
				t.Fatalf("recorded %d messages, want recorded=%v", got, tt.recorded)
			}
		})
	}
}

func TestSendIsIdempotent(t *testing.T) {
	s, base := start(t, smssim.Config{})
	body := sendBody("+79161234567", "Код: 1", "same-id")
	st1, b1 := call(t, "POST", base+"/send", "Bearer "+token, body)
	st2, b2 := call(t, "POST", base+"/send", "Bearer "+token, body)
	if st1 != 202 || st2 != 200 || b1 != b2 {
		t.Fatalf("first %d %s, second %d %s; want 202 then 200 with the same body", st1, b1, st2, b2)
	}
	if n := len(s.Messages("+79161234567")); n != 1 {
		t.Fatalf("recorded %d messages, want 1", n)
	}
	call(t, "POST", base+"/send", "Bearer "+token, body)
	call(t, "POST", base+"/send", "Bearer "+token, sendBody("+79161234567", "Код: 2", "other-id"))
	want := smssim.Stats{Messages: 2, Repeats: 2, Repeated: map[string]int{"same-id": 2}}
	if got := s.Stats(); !reflect.DeepEqual(got, want) {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	st, b := call(t, "GET", base+"/status", "", "")
	var got smssim.Stats
	if err := json.Unmarshal([]byte(b), &got); st != 200 || err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("GET /status: %d %s (%v), want %+v", st, b, err, want)
	}
	// A failed send is no delivery: resending its id is not a repeat.
	s.FailNext(1, 503)
	call(t, "POST", base+"/send", "Bearer "+token, sendBody("+79161234567", "Код: 3", "third-id"))
	call(t, "POST", base+"/send", "Bearer "+token, sendBody("+79161234567", "Код: 3", "third-id"))
	if got := s.Stats(); got.Messages != 3 || got.Repeats != 2 {
		t.Errorf("after a failed send and its retry: %+v, want 3 messages and 2 repeats", got)
	}
	s.Reset()
	if got := s.Stats(); got.Messages != 0 || got.Repeats != 0 || len(got.Repeated) != 0 {
		t.Errorf("after Reset: %+v", got)
	}
}

// TestReplyDelay: a sender that gives up while the gateway delays its
// answer has delivered all the same, and its retry is a counted repeat.
func TestReplyDelay(t *testing.T) {
	s, base := start(t, smssim.Config{ReplyDelay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/send", strings.NewReader(sendBody("+79161234567", "Код: 1", "slow-id")))
	req.Header.Set("Authorization", "Bearer "+token)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if _, err := s.WaitFor(wait, "+79161234567", time.Time{}); err != nil {
		t.Fatal(err) // recorded before the answer
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the send was answered despite an hour's reply delay")
	}

	if got := s.Stats(); got.Repeats != 0 || got.Messages != 1 {
		t.Errorf("Stats() of the slow gateway = %+v, want 1 message and no repeat", got)
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		encoding smssim.Encoding
		segments int
	}{
		{"empty", "", smssim.GSM7, 1},
		{"latin", "Your code: 482913", smssim.GSM7, 1},
		{"160 gsm", strings.Repeat("a", 160), smssim.GSM7, 1},
		{"161 gsm", strings.Repeat("a", 161), smssim.GSM7, 2},
		{"306 gsm", strings.Repeat("a", 306), smssim.GSM7, 2},
		{"307 gsm", strings.Repeat("a", 307), smssim.GSM7, 3},
		{"extension counts twice", strings.Repeat("€", 80), smssim.GSM7, 1},
		{"extension over", strings.Repeat("€", 81), smssim.GSM7, 2},
		{"escape not split", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 10), smssim.GSM7, 2},
		{"cyrillic", "Код подтверждения: 482913", smssim.UCS2, 1},
		{"70 ucs2", strings.Repeat("ж", 70), smssim.UCS2, 1},
		{"71 ucs2", strings.Repeat("ж", 71), smssim.UCS2, 2},
		{"134 ucs2", strings.Repeat("ж", 134), smssim.UCS2, 2},
		{"135 ucs2", strings.Repeat("ж", 135), smssim.UCS2, 3},
		{"one cyrillic letter switches", strings.Repeat("a", 100) + "ы", smssim.UCS2, 2},
		{"emoji is a surrogate pair", strings.Repeat("😀", 35), smssim.UCS2, 1},
		{"surrogate pair not split", strings.Repeat("ж", 66) + "😀" + strings.Repeat("ж", 4), smssim.UCS2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, n := smssim.Segments(tt.text)
			if enc != tt.encoding || n != tt.segments {
				t.Fatalf("Segments = %s, %d; want %s, %d", enc, n, tt.encoding, tt.segments)
			}
		})
	}

	s, base := start(t, smssim.Config{})
	call(t, "POST", base+"/send", "Bearer "+token, sendBody("+79161234567", strings.Repeat("ж", 71), "long"))
	m := s.Messages("+79161234567")[0]
	if m.Encoding != smssim.UCS2 || m.Segments != 2 {
		t.Fatalf("recorded %s/%d, want UCS-2/2", m.Encoding, m.Segments)
	}
}

func TestControlFailNext(t *testing.T) {
	tests := []struct {
		name    string
		control string
		want    []int // statuses of consecutive sends
	}{
		{"two 503s", `{"fail_next":2,"status":503}`, []int{503, 503, 202, 202}},
		{"default status", `{"fail_next":1}`, []int{503, 202}},
		{"429", `{"fail_next":1,"status":429}`, []int{429, 202}},
		{"reset", `{"fail_next":0}`, []int{202}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := start(t, smssim.Config{})
			if st, b := call(t, "POST", base+"/control", "Bearer "+token, tt.control); st != 200 {
				t.Fatalf("control: %d %s", st, b)
			}
			for i, want := range tt.want {
				st, b := call(t, "POST", base+"/send", "Bearer "+token, sendBody("+79161234567", "x", fmt.Sprint("id", i)))
				if st != want {
					t.Fatalf("send %d: got %d %s, want %d", i, st, b, want)
				}
			}
		})
	}
}

func TestControlRejects(t *testing.T) {
	tests := []struct {
		name, auth, body string
		status           int
	}{
		{"no token", "", `{"fail_next":1}`, 401},
		{"bad status", "Bearer " + token, `{"fail_next":1,"status":200}`, 400},
		{"negative", "Bearer " + token, `{"fail_next":-1}`, 400},
		{"unknown field", "Bearer " + token, `{"fail":1}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := start(t, smssim.Config{})
			if st, b := call(t, "POST", base+"/control", tt.auth, tt.body); st != tt.status {
				t.Fatalf("got %d %s, want %d", st, b, tt.status)
			}
		})
	}
}

func TestFailRateAndDelay(t *testing.T) {
	_, base := start(t, smssim.Config{FailRate: 1})
	if st, _ := call(t, "POST", base+"/send", "Bearer "+token, sendBody("+79161234567", "x", "a")); st != 503 {
		t.Fatalf("FailRate 1: got %d, want 503", st)
	}

	_, base = start(t, smssim.Config{Delay: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", base+"/send", strings.NewReader(sendBody("+79161234567", "x", "b")))
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("a 300 ms delay answered within 50 ms: %d", resp.StatusCode)
	}
}

func TestReadBack(t *testing.T) {
	s, base := start(t, smssim.Config{})
	phone, other := "+79161234567", "+79990000000"
	for i, to := range []string{phone, other, phone} {
		call(t, "POST", base+"/send", "Bearer "+token, sendBody(to, fmt.Sprint("text ", i), fmt.Sprint("r", i)))
	}
	all := s.Messages("")
	if len(all) != 3 {
		t.Fatalf("%d messages, want 3", len(all))
	}
	middle := all[1].Received.Format(time.RFC3339Nano)

	list := func(query string) []smssim.Message {
		t.Helper()
		st, b := call(t, "GET", base+"/messages?"+query, "", "")
		if st != 200 {
			t.Fatalf("GET /messages?%s: %d %s", query, st, b)
		}
		var out []smssim.Message
		if err := json.Unmarshal([]byte(b), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	tests := []struct {
		query string
		texts []string
	}{
		{"to=" + url.QueryEscape(phone), []string{"text 2", "text 0"}},
		{"to=" + phone, []string{"text 2", "text 0"}}, // the unescaped "+" arrives as a space
		{"to=" + url.QueryEscape(other), []string{"text 1"}},
		{"", []string{"text 2", "text 1", "text 0"}},
		{"since=" + url.QueryEscape(middle), []string{"text 2", "text 1"}},
		{"to=%2B70000000000", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := list(tt.query)
			texts := []string{}
			for _, m := range got {
				texts = append(texts, m.Text)
			}
			if strings.Join(texts, "|") != strings.Join(tt.texts, "|") {
				t.Fatalf("got %q, want %q", texts, tt.texts)
			}
		})
	}

	if st, _ := call(t, "GET", base+"/messages?since=yesterday", "", ""); st != 400 {
		t.Fatalf("bad since: %d, want 400", st)
	}
	st, b := call(t, "GET", base+"/messages/latest?to="+url.QueryEscape(phone), "", "")
	if st != 200 || !strings.Contains(b, `"text":"text 2"`) || !strings.Contains(b, `"segments":1`) {
		t.Fatalf("latest: %d %s", st, b)
	}
	if st, _ := call(t, "GET", base+"/messages/latest?to=%2B70000000000", "", ""); st != 404 {
		t.Fatalf("latest for a silent number: %d, want 404", st)
	}
	if st, _ := call(t, "DELETE", base+"/messages", "", ""); st != 401 {
		t.Fatalf("DELETE without token: %d, want 401", st)
	}
	if st, _ := call(t, "DELETE", base+"/messages", "Bearer "+token, ""); st != 204 {
		t.Fatalf("DELETE: %d, want 204", st)
	}
	if n := len(s.Messages("")); n != 0 {
		t.Fatalf("%d messages after DELETE", n)
	}
}

func TestPageEscapes(t *testing.T) {
	_, base := start(t, smssim.Config{})
	call(t, "POST", base+"/send", "Bearer "+token, sendBody("+79161234567", `<script>alert("Код")</script>`, `<b>id</b>`))
	st, b := call(t, "GET", base+"/", "", "")
	if st != 200 {
		t.Fatalf("GET /: %d", st)
	}
	if strings.Contains(b, "<script>") || strings.Contains(b, "<b>id") {
		t.Fatalf("page did not escape the message:\n%s", b)
	}
	if !strings.Contains(b, "&lt;script&gt;alert(&#34;Код&#34;)&lt;/script&gt;") {
		t.Fatalf("page lacks the escaped text:\n%s", b)
	}
	if st, _ := call(t, "GET", base+"/nothing", "", ""); st != 404 {
		t.Fatalf("GET /nothing: %d, want 404", st)
	}
}

func TestWaitFor(t *testing.T) {
	s, base := start(t, smssim.Config{})
	phone := "+79161234567"
	call(t, "POST", base+"/send", "Bearer "+token, sendBody(phone, "old", "w0"))
	after := time.Now()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan smssim.Message, 1)
	go func() {
		m, err := s.WaitFor(ctx, phone, after)
		if err != nil {
			t.Error(err)
		}
		done <- m
	}()
	time.Sleep(20 * time.Millisecond)
	call(t, "POST", base+"/send", "Bearer "+token, sendBody("+79990000000", "someone else", "w1"))
	call(t, "POST", base+"/send", "Bearer "+token, sendBody(phone, "new", "w2"))
	if m := <-done; m.Text != "new" {
		t.Fatalf("WaitFor returned %q, want \"new\"", m.Text)
	}

	short, cancel2 := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel2()
	if _, err := s.WaitFor(short, "+70000000000", after); err == nil {
		t.Fatal("WaitFor for a silent number returned no error")
	}
}

func TestConcurrentSendsAndCap(t *testing.T) {
	s, base := start(t, smssim.Config{})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			call(t, "POST", base+"/send", "Bearer "+token, sendBody("+79161234567", "x", fmt.Sprint("c", i%10)))
		})
	}
	wg.Wait()
	if n := len(s.Messages("")); n != 10 {
		t.Fatalf("%d messages from 10 distinct ids, want 10", n)
	}

	// Fill past the cap through the handler directly: the oldest are dropped.
	h := smssim.New(smssim.Config{Token: token})
	for i := range smssim.MaxMessages + 5 {
		r := httptest.NewRequest("POST", "/send", bytes.NewBufferString(sendBody("+79161234567", "x", fmt.Sprint("cap", i))))
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 202 {
			t.Fatalf("send %d: %d", i, w.Code)
		}
	}
	msgs := h.Messages("")
	if len(msgs) != smssim.MaxMessages || msgs[len(msgs)-1].ID != "cap5" {
		t.Fatalf("kept %d messages, oldest %s; want %d, oldest cap5", len(msgs), msgs[len(msgs)-1].ID, smssim.MaxMessages)
	}
}
