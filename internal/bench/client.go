package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"
)

// newBenchClient is the one keep-alive client every phase shares: no proxy
// (loopback only), no compression, and enough idle connections per host
// that no worker ever has to dial again.
func newBenchClient(concurrency int) *http.Client {
	perHost := 2*concurrency + 2
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          4 * perHost,
			MaxIdleConnsPerHost:   perHost,
			IdleConnTimeout:       2 * time.Minute,
			DisableCompression:    true,
			ResponseHeaderTimeout: benchRequestTimeout,
		},
		Timeout: benchRequestTimeout,
	}
}

// benchRequestTimeout bounds every request of the benchmark.
const benchRequestTimeout = 60 * time.Second

// statusError is an answer other than the expected one. Its text names the
// route, not the URL, so that errors group by kind.
type statusError struct {
	method, route string
	status, want  int
	code          string // the problem's "code", when the body is one
}

func (e *statusError) Error() string {
	s := fmt.Sprintf("%s %s → %d %s (want %d)", e.method, e.route, e.status, http.StatusText(e.status), e.want)
	if e.code != "" {
		s += " " + e.code
	}
	return s
}

// request is one API call.
type request struct {
	method string
	url    string
	route  string // for error texts: the path with {id} left in
	body   []byte // JSON, or nil
	xff    string // the simulated client's address
	bearer string
	want   int
}

// do sends r and, when out is not nil, decodes the JSON answer into it.
// The body is always read to the end, so the connection is reused.
func do(ctx context.Context, hc *http.Client, r request, out any) error {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, r.route, err)
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if r.xff != "" {
		req.Header.Set("X-Forwarded-For", r.xff)
	}
	if r.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+r.bearer)
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which holds IDs
		}
		return fmt.Errorf("%s %s: %w", r.method, r.route, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != r.want {
		se := &statusError{method: r.method, route: r.route, status: resp.StatusCode, want: r.want}
		var p struct {
			Code string `json:"code"`
		}
		if b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10)); err == nil && json.Unmarshal(b, &p) == nil {
			se.code = p.Code
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return se
	}
	if out != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", r.method, r.route, err)
		}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", r.method, r.route, err)
	}
	return nil
}

// addrSeq hands out distinct private client addresses, 10.a.b.c with c in
// 1…254: 16 million of them before they repeat.
type addrSeq struct{ n atomic.Uint64 }

func (s *addrSeq) next() string { return clientAddr(s.n.Add(1) - 1) }

func clientAddr(n uint64) string {
	c := n%254 + 1
	n /= 254
	return "10." + strconv.FormatUint(n/256%256, 10) + "." + strconv.FormatUint(n%256, 10) + "." + strconv.FormatUint(c, 10)
}

// mobilePrefixes are Russian mobile codes (+7 9xx) that the phone library
// knows as mobile; Phone cycles through them.
var mobilePrefixes = []string{"916", "926", "903", "905", "915", "925", "985", "977", "999", "965"}

// phoneSeq hands out distinct Russian mobile numbers in E.164 form: 10⁸ of
// them before they repeat.
type phoneSeq struct{ n atomic.Uint64 }

func (s *phoneSeq) next() string { return Phone(s.n.Add(1) - 1) }

// Phone is the n-th of the distinct Russian mobile numbers the harness
// registers with (the crash test of cmd/kabinet uses them too).
func Phone(n uint64) string {
	p := mobilePrefixes[n/10_000_000%uint64(len(mobilePrefixes))]
	return fmt.Sprintf("+7%s%07d", p, n%10_000_000)
}

// smsCode finds the six-digit code in a registration SMS, which begins
// with it ("123456 — код подтверждения…").
var smsCodeRE = regexp.MustCompile(`^\s*(\d{6})\b`)

func smsCode(text string) (string, bool) {
	m := smsCodeRE.FindStringSubmatch(text)
	if m == nil {
		return "", false
	}
	return m[1], true
}
