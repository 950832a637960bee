package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/region"
)

// «Выбрать регион» (issue 14 §1): the page /region — a town typed, the
// towns that match as buttons (the script suggests them as one types, and
// «Определить автоматически» asks the browser where it is) — remembered in
// a cookie for a guest and on the account for a citizen, and shown in the
// header of every page.

const cookieRegion = "kabinet_region"

// RegionView is the chosen region in the header.
type RegionView struct {
	Code     string
	Name     string // the region's name with its type: «Калужская обл»
	Locality string // the town it was chosen by, "" when none
}

// chosenRegion returns the request's region: the citizen's, else the
// guest's cookie; false when none is chosen.
func (s *Server) chosenRegion(r *http.Request) (region.Choice, bool) {
	if a := accountOf(r); a != nil && a.Region != "" {
		return region.Choice{Region: a.Region, Locality: a.Locality}, true
	}
	if c, err := r.Cookie(s.cookieName(cookieRegion)); err == nil {
		return s.d.Region.FromCookie(c.Value)
	}
	return region.Choice{}, false
}

func (s *Server) regionView(r *http.Request) *RegionView {
	c, ok := s.chosenRegion(r)
	if !ok {
		return nil
	}
	v := &RegionView{Code: c.Region, Locality: c.Locality, Name: c.Region}
	if rg, ok := s.d.Places.Region(c.Region); ok {
		v.Name = rg.NameWithType
	}
	return v
}

// RegionPage is «Выбрать регион».
type RegionPage struct {
	BasePage
	Q        string
	Back     string // where to return once chosen
	Matches  []RegionMatch
	Searched bool
	Regions  []places.Region // the list to choose a region as a whole
}

// RegionMatch is a town to choose.
type RegionMatch struct {
	Locality   places.Locality
	RegionName string
}

// maxRegionMatches bounds the towns a search offers; maxRegionQuery the
// runes of what is searched.
const (
	maxRegionMatches = 12
	maxRegionQuery   = 100
)

// safeBack keeps a return path on this site: a path, never a URL.
func safeBack(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/"
	}
	return p
}

func (s *Server) regionMatches(ls []places.Locality) []RegionMatch {
	out := make([]RegionMatch, 0, len(ls))
	for _, l := range ls {
		m := RegionMatch{Locality: l, RegionName: l.Region}
		if rg, ok := s.d.Places.Region(l.Region); ok {
			m.RegionName = rg.NameWithType
		}
		out = append(out, m)
	}
	return out
}

func (s *Server) regionGet(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// A town's name is short: a longer query is cut (at a rune) before it
	// is searched, not after.
	text := []rune(strings.TrimSpace(q.Get("q")))
	if len(text) > maxRegionQuery {
		text = text[:maxRegionQuery]
	}
	p := &RegionPage{BasePage: BasePage{Title: "choose_region.title", Form: newForm(map[string]string{"q": string(text)})},
		Q: string(text), Back: safeBack(q.Get("back")), Regions: s.d.Places.Regions()}
	switch {
	case q.Get("lat") != "" && q.Get("lon") != "":
		// «Определить автоматически» without the script: the form's
		// coordinates, or a link the script made.
		lat, err1 := strconv.ParseFloat(q.Get("lat"), 64)
		lon, err2 := strconv.ParseFloat(q.Get("lon"), 64)
		if err1 == nil && err2 == nil && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180 {
			if l, ok := s.d.Places.Nearest(lat, lon); ok {
				p.Matches, p.Searched = s.regionMatches([]places.Locality{l}), true
			}
		}
	case p.Q != "":
		p.Searched = true
		p.Matches = s.regionMatches(s.d.Places.Find(p.Q, maxRegionMatches))
	}
	s.render(w, r, http.StatusOK, "region", p)
}

// regionSubmit records the choice: the cookie always (the choice holds
// after signing out), the account too for a citizen.
func (s *Server) regionSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "region", "locality", "back")
	if err != nil {
		s.errorPage(w, r, err, "/region")
		return
	}
	c, err := s.d.Region.Check(region.Choice{Region: v["region"], Locality: v["locality"]})
	if err == nil {
		if a := accountOf(r); a != nil {
			c, err = s.d.Region.Choose(r.Context(), a.ID, c)
		}
	}
	if err != nil {
		if problem.KindOf(err) == problem.Invalid {
			p := &RegionPage{BasePage: BasePage{Title: "choose_region.title", Form: newForm(nil)}, Back: safeBack(v["back"]), Regions: s.d.Places.Regions()}
			p.Form.fail(s.t(r), err, "region")
			s.render(w, r, http.StatusUnprocessableEntity, "region", p)
			return
		}
		s.errorPage(w, r, err, "/region")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.cookieName(cookieRegion), Value: c.Cookie(), Path: "/", MaxAge: 365 * 24 * 3600,
		Secure: s.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	back := safeBack(v["back"])
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	seeOther(w, r, back+sep+"region_chosen="+url.QueryEscape(c.Region))
}

// The API.

// regionChoiceJSON is a chosen region.
type regionChoiceJSON struct {
	Region   string `json:"region"`
	Locality string `json:"locality"`
}

// nearestJSON is the town nearest to a point, and its region.
type nearestJSON struct {
	Locality   localityJSON `json:"locality"`
	Region     string       `json:"region"`
	RegionName string       `json:"region_name"`
}

func (s *Server) apiNearest(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f problem.Fields
	lat, err := strconv.ParseFloat(q.Get("lat"), 64)
	if err != nil || lat < -90 || lat > 90 {
		f.Add("lat", problem.M("choose_region.coordinate"))
	}
	lon, err := strconv.ParseFloat(q.Get("lon"), 64)
	if err != nil || lon < -180 || lon > 180 {
		f.Add("lon", problem.M("choose_region.coordinate"))
	}
	if err := f.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	l, ok := s.d.Places.Nearest(lat, lon)
	if !ok {
		s.apiError(w, r, notFoundErr("choose_region.none_near"))
		return
	}
	out := nearestJSON{Locality: toLocalityJSON(l), Region: l.Region, RegionName: l.Region}
	if rg, ok := s.d.Places.Region(l.Region); ok {
		out.RegionName = rg.NameWithType
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiMyRegion(w http.ResponseWriter, r *http.Request) {
	a := accountOf(r)
	writeJSON(w, http.StatusOK, regionChoiceJSON{Region: a.Region, Locality: a.Locality})
}

func (s *Server) apiChooseRegion(w http.ResponseWriter, r *http.Request) {
	var in regionChoiceJSON
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.d.Region.Choose(r.Context(), accountOf(r).ID, region.Choice{Region: in.Region, Locality: in.Locality})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, regionChoiceJSON{Region: c.Region, Locality: c.Locality})
}
