package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/problem"
)

// The service catalog (issue 14 §2, §3): /services — the categories, the
// popular services of the visitor's region and the search, which works
// without JavaScript — and each service's page /services/{id} in the
// visitor's region with what their account must do to use it; the same
// under /api/v1/services.

// perPage is a results page's length.
const perPage = 20

// CatalogPage is /services.
type CatalogPage struct {
	BasePage
	Categories []catalog.Category
	Category   *catalog.Category // the category browsed, nil for none
	Q          string
	Level      string
	Searched   bool
	Results    catalog.Result
	Popular    []catalog.Summary
	Offset     int
	// NextURL and PrevURL page the results ("" at either end).
	NextURL, PrevURL string
}

func (s *Server) catalogPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := &CatalogPage{BasePage: BasePage{Title: "services.title"}, Q: strings.TrimSpace(q.Get("q")), Level: q.Get("level")}
	if len(p.Q) > 200 {
		p.Q = p.Q[:200]
	}
	p.Form = newForm(map[string]string{"q": p.Q, "level": p.Level})
	ctx := r.Context()
	cats, err := s.d.Services.Categories(ctx)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	p.Categories = cats
	category := q.Get("category")
	for i := range cats {
		if cats[i].ID == category {
			p.Category = &cats[i]
		}
	}
	choice, _ := s.chosenRegion(r)
	p.Offset, _ = strconv.Atoi(q.Get("offset"))
	p.Offset = max(0, min(p.Offset, 10_000))
	if p.Q == "" && p.Category == nil && p.Level == "" {
		if p.Popular, err = s.d.Services.Popular(ctx, choice.Region, 8); err != nil {
			s.internalError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "catalog", p)
		return
	}
	p.Searched = true
	find := catalog.Search{Q: p.Q, Region: choice.Region, Level: account.Level(p.Level), Limit: perPage, Offset: p.Offset}
	if p.Category != nil {
		find.Category = p.Category.ID
	}
	res, err := s.d.Services.Find(ctx, find)
	if err != nil {
		if problem.KindOf(err) == problem.Invalid {
			p.Form.fail(s.t(r), err, "q", "level")
			s.render(w, r, http.StatusUnprocessableEntity, "catalog", p)
			return
		}
		s.internalError(w, r, err)
		return
	}
	p.Results = res
	page := func(offset int) string {
		v := url.Values{}
		for _, k := range []string{"q", "category", "level"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		if offset > 0 {
			v.Set("offset", strconv.Itoa(offset))
		}
		return "/services?" + v.Encode()
	}
	if p.Offset+perPage < res.Total {
		p.NextURL = page(p.Offset + perPage)
	}
	if p.Offset > 0 {
		p.PrevURL = page(max(0, p.Offset-perPage))
	}
	s.render(w, r, http.StatusOK, "catalog", p)
}

// ServicePage is one service in the visitor's region.
type ServicePage struct {
	BasePage
	Page *catalog.Page
	// RegionChosen is whether the visitor chose a region (else the page
	// says the terms may differ, and asks to choose).
	RegionChosen bool
	RegionName   string
	// Elsewhere names the regions where a service absent here exists.
	Elsewhere []string
	// Step is what the visitor's account must do to use it online:
	// "available", "signin", "personal_data", "pending", "confirm".
	Step string
	// CentersURL is the center finder for confirming in person, in the
	// citizen's region (the confirm step).
	CentersURL string
}

// serviceStep says what an account must do to use a service needing
// level: nil is a guest.
func serviceStep(a *account.Account, level account.Level, dataPending bool) string {
	switch {
	case a == nil:
		return "signin"
	case a.Level.Meets(level):
		return "available"
	case a.Level == account.Simplified && dataPending:
		return "pending"
	case a.Level == account.Simplified:
		return "personal_data"
	}
	return "confirm"
}

func (s *Server) servicePage(w http.ResponseWriter, r *http.Request) {
	choice, chosen := s.chosenRegion(r)
	pg, err := s.d.Services.Page(r.Context(), r.PathValue("id"), choice.Region)
	if err != nil {
		if problem.KindOf(err) == problem.NotFound {
			s.errorPage(w, r, notFoundErr("catalog.service_not_found"), "/services")
			return
		}
		s.internalError(w, r, err)
		return
	}
	p := &ServicePage{BasePage: BasePage{Title: "services.service_title"}, Page: pg, RegionChosen: chosen}
	if rg, ok := s.d.Places.Region(choice.Region); ok {
		p.RegionName = rg.NameWithType
	}
	for _, code := range pg.Elsewhere {
		if rg, ok := s.d.Places.Region(code); ok {
			p.Elsewhere = append(p.Elsewhere, rg.NameWithType)
		}
	}
	a := accountOf(r)
	pending := false
	if a != nil && a.Level == account.Simplified && pg.Service.Level != account.Simplified {
		next, err := s.nextStep(r.Context(), a)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		pending = next.Status == "pending"
	}
	p.Step = serviceStep(a, pg.Service.Level, pending)
	if p.Step == "confirm" {
		p.CentersURL = s.confirmCentersURL(r.Context(), a.ID)
	}
	s.render(w, r, http.StatusOK, "service", p)
}

// The API.

type textJSON struct {
	RU string `json:"ru"`
	EN string `json:"en"`
}

// serviceSummaryJSON is a service in a list.
type serviceSummaryJSON struct {
	ID       string   `json:"id"`
	Category string   `json:"category"`
	Title    textJSON `json:"title"`
	Short    textJSON `json:"short"`
	Level    string   `json:"level"`
	Federal  bool     `json:"federal"`
}

// serviceListJSON is a page of a catalog search.
type serviceListJSON struct {
	Services []serviceSummaryJSON `json:"services"`
	// Total is how many services match, counted up to 1 000; More says
	// that more match than that.
	Total int  `json:"total"`
	More  bool `json:"more"`
}

type categoryJSON struct {
	ID    string   `json:"id"`
	Icon  string   `json:"icon"`
	Title textJSON `json:"title"`
}

type categoryListJSON struct {
	Categories []categoryJSON `json:"categories"`
}

type costJSON struct {
	Rub  int      `json:"rub"`
	Text textJSON `json:"text"`
}

type agencyJSON struct {
	ID     string   `json:"id"`
	Level  string   `json:"level"`
	Region string   `json:"region"`
	Name   textJSON `json:"name"`
}

// serviceJSON is a service as it is in one region.
type serviceJSON struct {
	ID          string     `json:"id"`
	Category    string     `json:"category"`
	Title       textJSON   `json:"title"`
	Short       textJSON   `json:"short"`
	Description textJSON   `json:"description"`
	Applicants  []string   `json:"applicants"`
	Level       string     `json:"level"`
	Channels    []string   `json:"channels"`
	Federal     bool       `json:"federal"`
	Region      string     `json:"region"` // the region asked for, "" for none
	Exists      bool       `json:"exists"` // whether it exists there
	Elsewhere   []string   `json:"elsewhere"`
	Agency      agencyJSON `json:"agency"`
	Documents   []textJSON `json:"documents"`
	Cost        costJSON   `json:"cost"`
	Payment     textJSON   `json:"payment"`
	Term        textJSON   `json:"term"`
	Result      textJSON   `json:"result"`
	LegalBasis  []textJSON `json:"legal_basis"`
}

func tj(t catalog.Text) textJSON { return textJSON(t) }

func tjs(ts []catalog.Text) []textJSON {
	out := make([]textJSON, 0, len(ts))
	for _, t := range ts {
		out = append(out, tj(t))
	}
	return out
}

func (s *Server) apiServices(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset := perPage, 0
	var f problem.Fields
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > catalog.MaxLimit {
			f.Add("limit", problem.M("services.limit", "Max", catalog.MaxLimit))
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10_000 {
			f.Add("offset", problem.M("services.offset"))
		}
		offset = n
	}
	if err := f.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	text := q.Get("q")
	if len(text) > 200 {
		text = text[:200]
	}
	res, err := s.d.Services.Find(r.Context(), catalog.Search{Q: text, Typing: q.Get("typing") == "true", Region: q.Get("region"),
		Category: q.Get("category"), Level: account.Level(q.Get("level")), Limit: limit, Offset: offset})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := serviceListJSON{Services: make([]serviceSummaryJSON, 0, len(res.Hits)), Total: res.Total, More: res.More}
	for _, h := range res.Hits {
		out.Services = append(out.Services, serviceSummaryJSON{ID: h.ID, Category: h.Category, Title: tj(h.Title), Short: tj(h.Short),
			Level: string(h.Level), Federal: h.Federal})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCategories(w http.ResponseWriter, r *http.Request) {
	cats, err := s.d.Services.Categories(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := categoryListJSON{Categories: make([]categoryJSON, 0, len(cats))}
	for _, c := range cats {
		out.Categories = append(out.Categories, categoryJSON{ID: c.ID, Icon: c.Icon, Title: tj(c.Title)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiService(w http.ResponseWriter, r *http.Request) {
	region := r.URL.Query().Get("region")
	if region != "" && !s.d.Places.HasRegion(region) {
		s.apiError(w, r, problem.InvalidField("region", problem.M("catalog.region_unknown", "Region", region)))
		return
	}
	pg, err := s.d.Services.Page(r.Context(), r.PathValue("id"), region)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	sv, o := pg.Service, pg.Offer
	out := serviceJSON{ID: sv.ID, Category: sv.Category, Title: tj(sv.Title), Short: tj(sv.Short), Description: tj(sv.Description),
		Level: string(sv.Level), Federal: sv.Federal, Region: region, Exists: pg.Exists, Elsewhere: pg.Elsewhere,
		Agency:    agencyJSON{ID: pg.Agency.ID, Level: string(pg.Agency.Level), Region: pg.Agency.Region, Name: tj(pg.Agency.Name)},
		Documents: tjs(o.Documents), Cost: costJSON{Rub: o.Cost.Rub, Text: tj(o.Cost.Text)}, Payment: tj(sv.Payment), Term: tj(o.Term),
		Result: tj(sv.Result), LegalBasis: tjs(sv.LegalBasis), Applicants: []string{}, Channels: []string{}}
	if out.Elsewhere == nil {
		out.Elsewhere = []string{}
	}
	if !pg.Exists {
		out.Documents, out.Cost, out.Term = []textJSON{}, costJSON{}, textJSON{}
	}
	for _, a := range sv.Applicants {
		out.Applicants = append(out.Applicants, string(a))
	}
	for _, c := range sv.Channels {
		out.Channels = append(out.Channels, string(c))
	}
	writeJSON(w, http.StatusOK, out)
}
