package web

import (
	_ "embed"
	"net/http"
)

// openapiDoc describes the JSON API. A test checks that every /api/v1
// route is in it and that it parses.
//
//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapiDoc)
}
