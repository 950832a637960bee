package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/kabinet/kabinet/internal/web"
)

// Every /api/ request that reaches the harness's server, whichever client
// sends it, is checked against the OpenAPI document (web.OpenAPIDocument)
// with kin-openapi's openapi3filter: the answer must be one the document
// describes for that operation and status (status, headers, body schema,
// problem documents included), so the document cannot drift from the code.
// Requests are checked too, but only to this end: a request the document
// does not allow (the tests send malformed JSON, unknown members and wrong
// types on purpose) must be answered with a 4xx. A path or method the
// document does not have must be a 404 or 405 problem document.

// violationHeader carries a mismatch to clients that cannot see the
// harness's test (FuzzAPIBodies' harness has a stand-in *testing.T).
const violationHeader = "X-Test-Openapi-Violation"

type apiSpec struct {
	doc     *openapi3.T
	router  routers.Router
	problem *openapi3.Schema
}

var loadAPISpec = sync.OnceValues(func() (*apiSpec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(web.OpenAPIDocument())
	if err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapi.json is not valid: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.json: router: %w", err)
	}
	p := doc.Components.Schemas["Problem"]
	if p == nil || p.Value == nil {
		return nil, fmt.Errorf("openapi.json has no Problem schema")
	}
	return &apiSpec{doc: doc, router: router, problem: p.Value}, nil
})

// checkAPI wraps the app's handler in the document's check.
func checkAPI(t *testing.T, next http.Handler) http.Handler {
	spec, err := loadAPISpec()
	if err != nil {
		t.Fatal(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		reqBody, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		check := r.Clone(context.Background()) // before the handler changes it
		check.Body = io.NopCloser(bytes.NewReader(reqBody))

		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)

		if msg := spec.check(check, reqBody, rec); msg != "" {
			msg = fmt.Sprintf("%s %s → %d: the answer does not match openapi.json: %s\nbody: %s", r.Method, r.URL.RequestURI(), rec.Code, msg, rec.Body.Bytes())
			t.Error(msg)
			rec.Header().Set(violationHeader, strings.ReplaceAll(msg, "\n", " "))
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// check returns what is wrong with the exchange, or "".
func (s *apiSpec) check(req *http.Request, reqBody []byte, rec *httptest.ResponseRecorder) string {
	ctx := context.Background()
	route, pathParams, err := s.router.FindRoute(req)
	if err != nil {
		// Not an operation: the catch-all's 404 or 405.
		if rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
			return fmt.Sprintf("no operation for it (%v), so want 404 or 405", err)
		}
		return s.checkProblem(rec)
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && (rec.Code < 400 || rec.Code >= 500) {
		return fmt.Sprintf("the request does not match the document (%v), yet the answer is not a 4xx", err)
	}
	in.Request.Body = io.NopCloser(bytes.NewReader(reqBody))
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(), Options: opts}
	out.SetBodyBytes(rec.Body.Bytes())
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return err.Error()
	}
	if status := route.Operation.Responses.Status(rec.Code); status != nil && len(status.Value.Content) == 0 && rec.Body.Len() > 0 {
		return "the document says no body"
	}
	return ""
}

// checkProblem checks an answer that must be a problem document.
func (s *apiSpec) checkProblem(rec *httptest.ResponseRecorder) string {
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		return fmt.Sprintf("Content-Type %q, want application/problem+json", ct)
	}
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		return fmt.Sprintf("not JSON: %v", err)
	}
	if err := s.problem.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse(), openapi3.MultiErrors()); err != nil {
		return fmt.Sprintf("not a Problem: %v", err)
	}
	return ""
}
