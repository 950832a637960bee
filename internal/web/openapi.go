package web

import (
	"bytes"
	_ "embed"
	"net/http"
)

// openapiDoc describes the JSON API. Tests check it against the route
// table (apiRouteTable), its schemas against the table's Go types, and every
// /api/v1 answer the HTTP-level tests of internal/app receive against it.
//
//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapiDoc)
}

// OpenAPIDocument returns a copy of the JSON API's OpenAPI document, as
// GET /api/v1/openapi.json serves it.
func OpenAPIDocument() []byte { return bytes.Clone(openapiDoc) }
