package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/problem"
)

// TestDecode: a request body is one JSON object of the expected shape, or
// a 400 (413 when too large) whose code says what is wrong.
func TestDecode(t *testing.T) {
	type body struct {
		Login string `json:"login"`
	}
	for _, c := range []struct{ in, want string }{
		{`{"login":"+79161234567"}`, ""},
		{" \n{\"login\":\"x\"}\n ", ""},
		{``, "request.empty"},
		{`   `, "request.empty"},
		{`null`, "request.malformed"}, // once taken for an empty object
		{`[]`, "request.malformed"},
		{`"login"`, "request.malformed"},
		{`{"login":"x"} {}`, "request.malformed"},
		{`{"login":"x"`, "request.malformed"},
		{`{"login":5}`, "request.field_type"},
		{`{"login":"x","password":"y"}`, "request.unknown_field"},
		{`{"login":"` + strings.Repeat("x", maxFormBytes) + `"}`, "request.too_large"},
	} {
		r := httptest.NewRequest("POST", "/api/v1/sessions", strings.NewReader(c.in))
		var v body
		err := decode(httptest.NewRecorder(), r, &v)
		got := ""
		if p, ok := problem.As(err); ok {
			got = p.Message.ID
		} else if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%.40q: %q, want %q", c.in, got, c.want)
		}
	}
}
