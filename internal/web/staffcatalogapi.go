package web

import (
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// The catalog editors' API (issue 14 §2, catalog.manage): the services
// with their state, a service's latest version, its draft saved, published
// (with a fresh code) or discarded, and the whole catalog imported and
// exported. A service is the catalog document's (catalog.Service, the
// format of the import and export), and a refusal names each problem by
// its JSON path in it.

// staffServiceEntryJSON is a service in the editors' list.
type staffServiceEntryJSON struct {
	ID        string    `json:"id"`
	Category  string    `json:"category"`
	Title     textJSON  `json:"title"`
	State     string    `json:"state"`
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

type staffServiceListJSON struct {
	Services []staffServiceEntryJSON `json:"services"`
	Total    int                     `json:"total"`
}

// staffServiceJSON is a service as the editors work on it: its latest
// version, and its state.
type staffServiceJSON struct {
	State   string          `json:"state"`
	Service catalog.Service `json:"service"`
}

// catalogImportJSON is what an import saved.
type catalogImportJSON struct {
	Categories int  `json:"categories"`
	Agencies   int  `json:"agencies"`
	Services   int  `json:"services"`
	Synonyms   int  `json:"synonyms"`
	Published  bool `json:"published"`
}

// maxServiceJSON bounds a service's JSON (its texts run to thousands of
// characters in two languages).
const maxServiceJSON = 1 << 20

func (s *Server) apiStaffCatalogServices(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	q := r.URL.Query()
	list, err := s.d.Services.Services(r.Context(), a, catalog.Filter{Q: q.Get("q"), State: catalog.State(q.Get("state")), Category: q.Get("category")})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := staffServiceListJSON{Services: make([]staffServiceEntryJSON, 0, len(list)), Total: len(list)}
	for _, e := range list {
		out.Services = append(out.Services, staffServiceEntryJSON{ID: e.ID, Category: e.Category, Title: tj(e.Title), State: string(e.State),
			UpdatedAt: e.UpdatedAt, UpdatedBy: e.UpdatedBy})
	}
	writeJSON(w, http.StatusOK, out)
}

// writeService answers with a service in its state, its lists never
// null.
func writeService(w http.ResponseWriter, status int, svc *catalog.Service, state catalog.State) {
	out := staffServiceJSON{State: string(state), Service: *svc}
	out.Service.Variants = slices.Clone(out.Service.Variants) // Normalize writes into them
	out.Service.Normalize()
	writeJSON(w, status, out)
}

func (s *Server) apiStaffCatalogService(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	svc, state, err := s.d.Services.Service(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeService(w, http.StatusOK, svc, state)
}

// apiStaffCatalogDraft saves the body as the service's draft; the path
// names the service (the body's ID is ignored).
func (s *Server) apiStaffCatalogDraft(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var in catalog.Service
	if err := decodeMax(w, r, &in, maxServiceJSON); err != nil {
		s.apiError(w, r, err)
		return
	}
	in.ID = r.PathValue("id")
	svc, err := s.d.Services.SaveDraft(r.Context(), a, in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	_, state, err := s.d.Services.Service(r.Context(), a, svc.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeService(w, http.StatusOK, svc, state)
}

func (s *Server) apiStaffCatalogPublish(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if !s.apiFresh(w, r, a) {
		return
	}
	svc, err := s.d.Services.Publish(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeService(w, http.StatusOK, svc, catalog.StatePublished)
}

func (s *Server) apiStaffCatalogDiscard(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if err := s.d.Services.Discard(r.Context(), a, r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiStaffCatalogImport takes the catalog document as the body, as the
// export writes it (16 MB at most, past the JSON bodies' limit);
// ?publish=true publishes its services at once, which wants a fresh code.
func (s *Server) apiStaffCatalogImport(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, catalog.MaxDocument))
	if err != nil {
		s.apiError(w, r, problem.New(problem.TooLarge, "request.too_large"))
		return
	}
	var publish bool
	switch r.URL.Query().Get("publish") {
	case "", "false":
	case "true":
		publish = true
	default:
		s.apiError(w, r, problem.InvalidField("publish", problem.M("console.catalog.publish_flag")))
		return
	}
	if publish && !s.apiFresh(w, r, a) {
		return
	}
	rep, err := s.d.Services.Import(r.Context(), a, body, publish)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, catalogImportJSON{Categories: rep.Categories, Agencies: rep.Agencies, Services: rep.Services, Synonyms: rep.Synonyms,
		Published: rep.Published})
}

func (s *Server) apiStaffCatalogExport(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	body, err := s.d.Services.Export(r.Context(), a)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeCatalogFile(w, body)
}
