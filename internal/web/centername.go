package web

import (
	"context"
	"net/http"
)

// CenterNamer names a service center for a citizen, in their language:
// the directory of centers implements it; the name is the ID when it does
// not know the center.
type CenterNamer interface {
	CenterName(ctx context.Context, id, lang string) string
}

// centerName is the center's name for this request, its ID without a
// directory.
func (s *Server) centerName(r *http.Request, id string) string {
	if s.d.CenterNames == nil {
		return id
	}
	return s.d.CenterNames.CenterName(r.Context(), id, string(s.t(r).Lang))
}
