package web

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kabinet/kabinet/internal/centers"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
)

// The service-center finder (internal/centers): the page /centers — a
// search form (locality, service, region) answered with a list that works
// without JavaScript, which js/centers.js enhances with a map of the
// results (Leaflet, vendored under static/vendor/leaflet; the region
// outlines of static/map as the offline base layer, or the tile server of
// KABINET_MAP_TILES_URL) — and the API (/api/v1/centers,
// /api/v1/centers/{id}).

// The API.

// centerJSON is a center as the API answers it.
type centerJSON struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Type     string    `json:"type"`
	Region   string    `json:"region"`
	Locality string    `json:"locality"`
	Address  string    `json:"address"`
	Lat      *float64  `json:"lat"` // null: no point known
	Lon      *float64  `json:"lon"`
	Phone    string    `json:"phone"`
	Hours    hoursJSON `json:"hours"`
	Services []string  `json:"services"`
	Match    string    `json:"match,omitempty"` // in a search: exact, prefix, typo or all
}

// hoursJSON is a center's week: the text form, and each day Monday
// first (an empty days list: not given).
type hoursJSON struct {
	Text string    `json:"text"`
	Days []dayJSON `json:"days"`
}

type dayJSON struct {
	Day    string     `json:"day"` // mon … sun
	Closed bool       `json:"closed"`
	Open   string     `json:"open,omitempty"`  // "09:00"
	Close  string     `json:"close,omitempty"` // "18:00"
	Breaks []spanJSON `json:"breaks"`
}

type spanJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type centerListJSON struct {
	Centers []centerJSON `json:"centers"`
	Total   int          `json:"total"`
	Limit   int          `json:"limit"`
	Offset  int          `json:"offset"`
}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// clockText writes minutes since midnight as "09:05".
func clockText(m int) string {
	if m >= 0 && m < len(clockTexts) {
		return clockTexts[m]
	}
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// clockTexts are the day's minutes as text, 00:00 to 24:00.
var clockTexts = func() []string {
	out := make([]string, 24*60+1)
	for m := range out {
		out[m] = fmt.Sprintf("%02d:%02d", m/60, m%60)
	}
	return out
}()

// weekJSON is a week's hours as the API answers them, made once for each
// distinct week: a few hundred forms serve most centers, and making one
// is a good part of a search's answer. The days are shared, never
// changed.
func weekJSON(h centers.Hours) hoursJSON {
	key := hoursKey(h)
	if j, ok := weekCache.Load(key); ok {
		return j.(hoursJSON)
	}
	out := hoursJSON{Text: h.String(), Days: []dayJSON{}}
	if h.Known() {
		for i, d := range h {
			dj := dayJSON{Day: weekdays[i], Closed: d.Closed(), Breaks: []spanJSON{}}
			if !d.Closed() {
				dj.Open, dj.Close = clockText(d.Open.From), clockText(d.Open.To)
				for _, b := range d.Breaks {
					dj.Breaks = append(dj.Breaks, spanJSON{From: clockText(b.From), To: clockText(b.To)})
				}
			}
			out.Days = append(out.Days, dj)
		}
	}
	if weekCached.Add(1) <= maxWeeksCached {
		weekCache.Store(key, out)
	}
	return out
}

var (
	weekCache  sync.Map // hoursKey → hoursJSON
	weekCached atomic.Int64
)

const maxWeeksCached = 4096

// hoursKey is a week as a map key: for each day the number of its
// breaks, then its spans' minutes, all as uvarints (self-delimiting, so
// two weeks share a key only when equal).
func hoursKey(h centers.Hours) string {
	b := make([]byte, 0, 64)
	span := func(s centers.Span) {
		b = binary.AppendUvarint(binary.AppendUvarint(b, uint64(s.From)), uint64(s.To))
	}
	for _, d := range h {
		b = binary.AppendUvarint(b, uint64(len(d.Breaks)))
		span(d.Open)
		for _, br := range d.Breaks {
			span(br)
		}
	}
	return string(b)
}

var matchNames = map[centers.Match]string{centers.MatchAll: "all", centers.MatchExact: "exact", centers.MatchPrefix: "prefix", centers.MatchTypo: "typo"}

func toCenterJSON(c centers.Center) centerJSON {
	out := centerJSON{ID: c.ID, Name: c.Name, Type: string(c.Type), Region: c.Region, Locality: c.Locality, Address: c.Address,
		Phone: c.Phone, Services: []string{}, Hours: weekJSON(c.Hours)}
	if c.HasCoords {
		lat, lon := c.Lat, c.Lon
		out.Lat, out.Lon = &lat, &lon
	}
	for _, s := range c.Services {
		out.Services = append(out.Services, string(s))
	}
	return out
}

// centerQuery reads a search from a URL's query; a limit or an offset
// that is not a whole number is a message on that parameter.
func centerQuery(v url.Values) (centers.Query, error) {
	q := centers.Query{Q: v.Get(centers.ParamQ), Service: v.Get(centers.ParamService), Region: v.Get(centers.ParamRegion)}
	var f problem.Fields
	num := func(name string, id string, max int) int {
		s := strings.TrimSpace(v.Get(name))
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			f.Add(name, problem.M(id, "Max", max))
		}
		return n
	}
	q.Limit = num(centers.ParamLimit, "center.limit_range", centers.MaxLimit)
	q.Offset = num(centers.ParamOffset, "center.offset_range", 10000)
	return q, f.Err()
}

func (s *Server) apiCenters(w http.ResponseWriter, r *http.Request) {
	q, err := centerQuery(r.URL.Query())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.d.Centers.Search(r.Context(), q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := centerListJSON{Centers: []centerJSON{}, Total: res.Total, Limit: res.Limit, Offset: res.Offset}
	for _, f := range res.Centers {
		c := toCenterJSON(f.Center)
		c.Match = matchNames[f.Match]
		out.Centers = append(out.Centers, c)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCenter(w http.ResponseWriter, r *http.Request) {
	c, err := s.d.Centers.Center(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCenterJSON(c))
}

// The page.

// CentersPage is the finder: the form, the results as a list, and the
// map's settings for js/centers.js.
type CentersPage struct {
	BasePage
	Regions  []places.Region
	Services []centers.Service
	Searched bool // a search was made (a locality, a service or a region given)
	Results  []CenterView
	Total    int
	From, To int    // the positions of the page's first and last result
	Similar  bool   // some results are one typo away from what was typed
	Prev     string // the previous page's URL, "" on the first
	Next     string // the next page's URL, "" on the last
	Map      MapView
}

// MapView is what the map script needs.
type MapView struct {
	Regions     string // the URL of the region outlines (GeoJSON)
	Tiles       string // a tile server's URL template, "" for the offline outlines
	Attribution string // the tiles' attribution
}

// CenterView is one center of the list.
type CenterView struct {
	ID, Name, Type, RegionName, Locality, Address string
	Phone, PhoneHref                              string
	Hours                                         []string
	State                                         string // «Открыто до 18:00», or "" when the hours are not given
	Open                                          bool
	Services                                      []centers.Service
	Lat, Lon                                      string // "" when no point is known
	Typo                                          bool   // matched one typo away
}

func (s *Server) centersPage(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	p := &CentersPage{BasePage: BasePage{Title: "centers.title", LangForm: "centers-form"}, Regions: s.d.Places.Regions(),
		Services: centers.Services,
		Map:      MapView{Regions: s.r.asset("map/ru-regions.geojson"), Tiles: s.d.MapTilesURL, Attribution: s.d.MapTilesAttribution}}
	t, lang := s.t(r), langOf(r)
	values := map[string]string{}
	for _, k := range []string{centers.ParamQ, centers.ParamService, centers.ParamRegion} {
		values[k] = v.Get(k)
	}
	p.Form = newForm(values)
	p.Searched = strings.TrimSpace(values[centers.ParamQ]) != "" || values[centers.ParamService] != "" || values[centers.ParamRegion] != ""
	if !p.Searched {
		s.render(w, r, http.StatusOK, "centers", p)
		return
	}
	q, err := centerQuery(v)
	var res centers.Result
	if err == nil {
		res, err = s.d.Centers.Search(r.Context(), q)
	}
	if err != nil {
		if pe, ok := problem.As(err); ok && pe.Kind == problem.Invalid {
			p.Form.fail(t, err, centers.ParamQ, centers.ParamService, centers.ParamRegion)
			s.render(w, r, http.StatusUnprocessableEntity, "centers", p)
			return
		}
		s.internalError(w, r, err)
		return
	}
	now := s.d.Now()
	for _, f := range res.Centers {
		p.Results = append(p.Results, s.centerView(t, lang, f, now))
		p.Similar = p.Similar || f.Match == centers.MatchTypo
	}
	p.Total = res.Total
	if len(res.Centers) > 0 {
		p.From, p.To = res.Offset+1, res.Offset+len(res.Centers)
	}
	page := func(offset int) string {
		u := url.Values{}
		for k, val := range values {
			if val != "" {
				u.Set(k, val)
			}
		}
		if offset > 0 {
			u.Set(centers.ParamOffset, strconv.Itoa(offset))
		}
		return "/centers?" + u.Encode()
	}
	if res.Offset > 0 {
		p.Prev = page(max(0, res.Offset-res.Limit))
	}
	if res.Offset+len(res.Centers) < res.Total {
		p.Next = page(res.Offset + res.Limit)
	}
	s.render(w, r, http.StatusOK, "centers", p)
}

func (s *Server) centerView(t i18n.Localizer, lang string, f centers.Found, now time.Time) CenterView {
	c := f.Center
	cv := CenterView{ID: c.ID, Name: c.Name, Type: "centers.type." + string(c.Type), Locality: c.Locality, Address: c.Address,
		Phone: c.Phone, Services: c.Services, Typo: f.Match == centers.MatchTypo}
	if reg, ok := s.d.Places.Region(c.Region); ok {
		cv.RegionName = reg.NameWithType
	}
	if c.Phone != "" {
		cv.PhoneHref = "tel:" + strings.Map(func(r rune) rune {
			if r == '+' || (r >= '0' && r <= '9') {
				return r
			}
			return -1
		}, c.Phone)
	}
	if c.HasCoords {
		cv.Lat, cv.Lon = strconv.FormatFloat(c.Lat, 'f', -1, 64), strconv.FormatFloat(c.Lon, 'f', -1, 64)
	}
	if !c.Hours.Known() {
		return cv
	}
	cv.Hours = c.Hours.Lines(lang)
	loc := s.regionZone(c.Region)
	st := c.Hours.StateAt(now, loc)
	local := now.In(loc)
	until := st.Until.In(loc)
	switch {
	case st.Open:
		cv.Open, cv.State = true, t.T("centers.state.open", "Time", until.Format("15:04"))
	case st.Break:
		cv.State = t.T("centers.state.break", "Time", until.Format("15:04"))
	case st.Until.IsZero():
		cv.State = t.T("centers.state.closed")
	case until.YearDay() == local.YearDay() && until.Year() == local.Year():
		cv.State = t.T("centers.state.opens_today", "Time", until.Format("15:04"))
	default:
		cv.State = t.T("centers.state.opens_on", "Day", t.T("centers.day."+weekdays[(int(until.Weekday())+6)%7]), "Time", until.Format("15:04"))
	}
	return cv
}

// regionZone is a region's clock: its time zone in the reference data
// ("UTC+3"), Moscow time when unknown.
func (s *Server) regionZone(code string) *time.Location {
	offset := 3
	if reg, ok := s.d.Places.Region(code); ok {
		if n, err := strconv.Atoi(strings.TrimPrefix(reg.Timezone, "UTC")); err == nil && n >= -12 && n <= 14 {
			offset = n
		}
	}
	return time.FixedZone("UTC"+strconv.Itoa(offset), offset*3600)
}

// centersURL is the finder prefiltered by a service and, when known, a
// region.
func centersURL(service centers.Service, region string) string {
	u := url.Values{}
	u.Set(centers.ParamService, string(service))
	if region != "" {
		u.Set(centers.ParamRegion, region)
	}
	return "/centers?" + u.Encode()
}

// tileSource is a tile server's URL template as a CSP source: its scheme
// and host, a "{s}" subdomain as "*"
// ("https://{s}.tile.example.org/{z}/{x}/{y}.png" →
// " https://*.tile.example.org"); "" without a tile server.
func tileSource(template string) string {
	scheme, rest, ok := strings.Cut(template, "://")
	if !ok || template == "" {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	host = strings.ReplaceAll(host, "{s}", "*")
	if strings.ContainsAny(host, "{}; ,'\"") {
		return ""
	}
	return " " + scheme + "://" + host
}

// confirmCentersURL is the finder of the centers that confirm identity,
// in the citizen's region when their additional data give one (where they
// live, else where they are registered).
func (s *Server) confirmCentersURL(ctx context.Context, accountID string) string {
	region := ""
	d, err := s.d.Extras.Get(ctx, accountID)
	if err != nil {
		s.log.Warn("centers link: additional data", "error", err) // the link works without the region
	}
	if a := d.ResidenceAddress(); a != nil {
		region = a.Region
	} else if d.Registration != nil {
		region = d.Registration.Region
	}
	return centersURL(centers.IdentityConfirmation, region)
}
