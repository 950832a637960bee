package web

import (
	"context"
	"net/http"
)

// CenterNamer names a service center for a citizen (the directory, as
// audit.CenterNames does); false when it does not know the center.
type CenterNamer interface {
	CenterName(ctx context.Context, id string) (string, bool)
}

// centerName is the center's name for a citizen's page, its ID when there
// is no directory or it does not know the center.
func (s *Server) centerName(r *http.Request, id string) string {
	if s.d.CenterNames == nil {
		return id
	}
	if name, ok := s.d.CenterNames.CenterName(r.Context(), id); ok && name != "" {
		return name
	}
	return id
}
