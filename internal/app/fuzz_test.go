package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// FuzzAPIBodies posts arbitrary bytes to the API's public endpoints: every
// answer must be a deliberate one (below 500) with a problem or JSON body,
// never a panic or an internal error.
func FuzzAPIBodies(f *testing.F) {
	for _, s := range []string{
		`{"surname":"Иванов","name":"Иван","phone":"+79161234567","accept_terms":true}`,
		`{"surname":"","name":"","email":"a@b.c","accept_terms":false}`,
		`{"login":"+79161234567","password":"x"}`, `{"code":"123456"}`, `{"password":"пароль","password_confirmation":"x"}`,
		`{"password":"aaaaaaaa","inputs":["a","b"]}`, `[]`, `null`, `{"phone":123}`, "\x00\xff", `{"surname":"` + string(make([]byte, 300)) + `"}`,
	} {
		f.Add(uint8(0), []byte(s))
	}
	h := newHarness(&testing.T{}, nil)
	paths := []string{"/api/v1/registrations", "/api/v1/sessions", "/api/v1/password-recovery", "/api/v1/password-strength",
		"/api/v1/registrations/nosuchflow/confirm", "/api/v1/registrations/nosuchflow/password", "/api/v1/sessions/x/confirm"}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := paths[int(which)%len(paths)]
		res, err := http.Post(h.srv.URL+path, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if v := res.Header.Get(violationHeader); v != "" {
			t.Fatal(v)
		}
		if res.StatusCode >= 500 {
			t.Fatalf("%s %q: %d %s", path, body, res.StatusCode, raw)
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: answer is not JSON: %q", path, raw)
		}
	})
}
