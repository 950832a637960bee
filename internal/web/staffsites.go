package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/staff"
)

// The administrators' registry of the sites that sign citizens in through
// kabinet (issue 15 §4, rp.manage): the list, the form that registers or
// changes a site, its secret shown once, and disabling it. Every change is
// a sensitive action: it wants a recent code (freshen), typed into the
// action's own form.

// maxSiteBytes bounds a site's form or JSON: its keys alone may take
// relyingparty.MaxJWKS, which a form encodes in up to three bytes a byte.
const maxSiteBytes = 4 * relyingparty.MaxJWKS

// siteFields are the form's fields in order, for the error summary, with
// the label each is named by there.
var siteFields = []struct{ name, label string }{
	{relyingparty.FieldID, "console.sites.id"},
	{relyingparty.FieldNameRU, "console.sites.name_ru"},
	{relyingparty.FieldNameEN, "console.sites.name_en"},
	{relyingparty.FieldPurposeRU, "console.sites.purpose_ru"},
	{relyingparty.FieldPurposeEN, "console.sites.purpose_en"},
	{relyingparty.FieldLogoURL, "console.sites.logo_url"},
	{relyingparty.FieldPrivacyURL, "console.sites.privacy_url"},
	{relyingparty.FieldRedirectURIs, "console.sites.redirect_uris"},
	{relyingparty.FieldPostLogoutURIs, "console.sites.post_logout_uris"},
	{relyingparty.FieldBackchannelLogoutURI, "console.sites.backchannel_logout_uri"},
	{relyingparty.FieldScopes, "console.sites.scopes"},
	{relyingparty.FieldMaxLevel, "console.sites.max_level"},
	{relyingparty.FieldSector, "console.sites.sector"},
	{relyingparty.FieldSubjectType, "console.sites.subject_type"},
	{relyingparty.FieldAuthMethod, "console.sites.auth_method"},
	{relyingparty.FieldJWKSURI, "console.sites.jwks_uri"},
	{relyingparty.FieldJWKS, "console.sites.jwks"},
	{"code", "console.reauth.code"},
}

// siteLevels are the levels a site may demand at most, lowest first.
var siteLevels = []account.Level{account.Simplified, account.Standard, account.Confirmed}

// StaffSitesPage lists the registered sites.
type StaffSitesPage struct {
	StaffBase
	Sites []relyingparty.Client
}

// SiteOption is one choice of a select or a group of boxes.
type SiteOption struct {
	Value, Label string
	Fixed        bool // always chosen (openid, every site's scope)
}

// StaffSiteFormPage registers a site or changes one.
type StaffSiteFormPage struct {
	StaffBase
	// Client is the site as stored, when one is changed; nil for a new
	// one. (BasePage.Site is the deployment.)
	Client      *relyingparty.Client
	Scopes      []SiteOption
	Levels      []SiteOption
	AuthMethods []SiteOption
	// Submitted is the form a refusal answers ("save", "secret",
	// "status"), whose code field shows the message.
	Submitted string
}

// StaffSiteSecretPage shows a site's secret, this once.
type StaffSiteSecretPage struct {
	StaffBase
	Client     relyingparty.Client
	Secret     string
	Registered bool // a new site's first secret, else a new secret of one
}

func (s *Server) staffSites(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	list, err := s.d.RelyingParties.List(r.Context(), a)
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	p := &StaffSitesPage{StaffBase: s.staffBase(r, a, g, "console.sites.title", nil), Sites: list}
	s.render(w, r, http.StatusOK, "staff_sites", p)
}

// staffSiteNew is the form of a new site, with the defaults Normalize
// would fill in chosen.
func (s *Server) staffSiteNew(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	values := map[string]string{relyingparty.FieldMaxLevel: string(account.Confirmed), relyingparty.FieldSubjectType: string(relyingparty.Pairwise),
		relyingparty.FieldAuthMethod: string(relyingparty.SecretBasic)}
	s.renderSiteForm(w, r, a, g, http.StatusOK, nil, values, "", nil)
}

func (s *Server) staffSiteEdit(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	c, err := s.d.RelyingParties.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	p := s.siteFormPage(r, a, g, &c, siteValues(c))
	switch r.URL.Query().Get("done") { // "disabled": the page's notice says so
	case "saved":
		p.Flash = s.t(r).T("console.sites.saved")
	case "registered":
		p.Flash = s.t(r).T("console.sites.registered")
	case "enabled":
		p.Flash = s.t(r).T("console.sites.enabled_done")
	}
	s.render(w, r, http.StatusOK, "staff_site_form", p)
}

func (s *Server) siteFormPage(r *http.Request, a staff.Actor, g staff.Grants, site *relyingparty.Client, values map[string]string) *StaffSiteFormPage {
	title := "console.sites.new"
	if site != nil {
		title = "console.sites.edit"
	}
	t := s.t(r)
	p := &StaffSiteFormPage{StaffBase: s.staffBase(r, a, g, title, values), Client: site}
	for _, sc := range relyingparty.Scopes {
		p.Scopes = append(p.Scopes, SiteOption{Value: sc, Label: t.T(scopeLabel(sc)), Fixed: sc == relyingparty.ScopeOpenID})
	}
	for _, l := range siteLevels {
		p.Levels = append(p.Levels, SiteOption{Value: string(l), Label: t.T("level." + string(l))})
	}
	for _, m := range relyingparty.AuthMethods {
		p.AuthMethods = append(p.AuthMethods, SiteOption{Value: string(m), Label: t.T("console.sites.auth." + string(m))})
	}
	return p
}

// scopeLabel is the message that names a scope: the consent screen's for
// the data, the console's own for openid and offline_access.
func scopeLabel(scope string) string {
	switch scope {
	case relyingparty.ScopeOpenID, relyingparty.ScopeOfflineAccess:
		return "console.sites.scope." + scope
	}
	return "oidc.scope." + scope
}

// renderSiteForm shows the form again: after a refusal, with its messages
// next to the fields and everything typed kept.
func (s *Server) renderSiteForm(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, status int, site *relyingparty.Client,
	values map[string]string, submitted string, fail error) {
	p := s.siteFormPage(r, a, g, site, values)
	p.Submitted = submitted
	if fail != nil {
		t := s.t(r)
		order := make([]string, 0, len(siteFields))
		for _, f := range siteFields {
			order = append(order, f.name)
		}
		byLine, shown := siteFormError(t, fail, values)
		p.Form.fail(t, shown, order...)
		// The rules' messages do not name their field ("Заполните
		// поле"): the summary does («Адреса возврата, строка 3: …»).
		for _, f := range siteFields {
			if msg, ok := p.Form.Errors[f.name]; ok {
				p.Form.Summary[f.name] = labelled(t.T(f.label), msg)
				if byLine[f.name] {
					p.Form.Summary[f.name] = t.T(f.label) + ", " + lowerFirst(msg)
				}
			}
		}
	}
	s.render(w, r, status, "staff_site_form", p)
}

// indexedField is a list's field with the index of its item
// ("redirect_uris[3]").
var indexedField = regexp.MustCompile(`^([a-z_]+)\[(\d+)\]$`)

// siteFormError puts the messages about one item of a list — a line of a
// textarea — on the list's field, saying which line: «Строка 4: …»; byLine
// names those fields. Normalize numbers the items without the blank
// lines, so the line is found in what was typed (values).
func siteFormError(t i18n.Localizer, err error, values map[string]string) (byLine map[string]bool, _ error) {
	pe, ok := problem.As(err)
	if !ok || len(pe.Fields) == 0 {
		return nil, err
	}
	out := &problem.Error{Kind: pe.Kind, Message: pe.Message, Err: pe.Err}
	byLine = map[string]bool{}
	for _, fe := range pe.Fields {
		if m := indexedField.FindStringSubmatch(fe.Field); m != nil {
			n, _ := strconv.Atoi(m[2])
			fe = problem.FieldError{Field: m[1], Message: problem.M("console.sites.line", "Line", lineOf(values[m[1]], n), "Message", lowerFirst(t.Msg(fe.Message)))}
			if !slices.ContainsFunc(out.Fields, func(x problem.FieldError) bool { return x.Field == m[1] }) {
				byLine[m[1]] = true // the message the field shows (the first)
			}
		}
		out.Fields = append(out.Fields, fe)
	}
	return byLine, out
}

// lineOf is the number, from 1, of the line of text holding its item'th
// line that is not blank.
func lineOf(text string, item int) int {
	left := item
	for i, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if left == 0 {
			return i + 1
		}
		left--
	}
	return item + 1
}

// siteValues are a site's fields as the form holds them.
func siteValues(c relyingparty.Client) map[string]string {
	v := map[string]string{
		relyingparty.FieldID: c.ID, relyingparty.FieldNameRU: c.Name.RU, relyingparty.FieldNameEN: c.Name.EN,
		relyingparty.FieldPurposeRU: c.Purpose.RU, relyingparty.FieldPurposeEN: c.Purpose.EN,
		relyingparty.FieldLogoURL: c.LogoURL, relyingparty.FieldPrivacyURL: c.PrivacyURL,
		relyingparty.FieldRedirectURIs: strings.Join(c.RedirectURIs, "\n"), relyingparty.FieldPostLogoutURIs: strings.Join(c.PostLogoutURIs, "\n"),
		relyingparty.FieldBackchannelLogoutURI: c.BackchannelLogoutURI, relyingparty.FieldMaxLevel: string(c.MaxLevel),
		relyingparty.FieldSector: c.Sector, relyingparty.FieldSubjectType: string(c.SubjectType), relyingparty.FieldAuthMethod: string(c.AuthMethod),
		relyingparty.FieldJWKSURI: c.JWKSURI, relyingparty.FieldJWKS: c.JWKS,
	}
	for _, sc := range c.Scopes {
		v["scope."+sc] = "on"
	}
	return v
}

// siteFromValues is the site the form describes.
func siteFromValues(v map[string]string, scopes []string) relyingparty.Client {
	return relyingparty.Client{ID: v[relyingparty.FieldID],
		Name:    relyingparty.Text{RU: v[relyingparty.FieldNameRU], EN: v[relyingparty.FieldNameEN]},
		Purpose: relyingparty.Text{RU: v[relyingparty.FieldPurposeRU], EN: v[relyingparty.FieldPurposeEN]},
		LogoURL: v[relyingparty.FieldLogoURL], PrivacyURL: v[relyingparty.FieldPrivacyURL],
		RedirectURIs: lines(v[relyingparty.FieldRedirectURIs]), PostLogoutURIs: lines(v[relyingparty.FieldPostLogoutURIs]),
		BackchannelLogoutURI: v[relyingparty.FieldBackchannelLogoutURI], Scopes: scopes,
		MaxLevel: account.Level(v[relyingparty.FieldMaxLevel]), Sector: v[relyingparty.FieldSector],
		SubjectType: relyingparty.SubjectType(v[relyingparty.FieldSubjectType]), AuthMethod: relyingparty.AuthMethod(v[relyingparty.FieldAuthMethod]),
		JWKSURI: v[relyingparty.FieldJWKSURI], JWKS: v[relyingparty.FieldJWKS]}
}

// lines splits a textarea into its lines (Normalize trims them and drops
// the blank ones).
func lines(s string) []string {
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
}

// parseSiteForm reads a posted form of the sites' pages.
func parseSiteForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseForm(); err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return problem.New(problem.TooLarge, "request.too_large")
		}
		return problem.New(problem.BadRequest, "request.malformed")
	}
	return nil
}

// formRefusal reports whether a refusal answers with the form again (a
// field's mistake, a wrong or missing code, too many codes); anything
// else is the console's error page.
func formRefusal(err error) bool {
	k := problem.KindOf(err)
	return k == problem.Invalid || k == problem.TooMany
}

// staffSiteSave registers a site, or changes one (editing=1). A new
// secret is shown at once, rendered rather than redirected to, so that it
// is never in a URL or a page that can be fetched again.
func (s *Server) staffSiteSave(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if err := parseSiteForm(w, r, maxSiteBytes); err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	f := r.PostForm
	values := map[string]string{}
	for _, fd := range siteFields {
		if fd.name != "code" { // a code is not kept
			values[fd.name] = f.Get(fd.name)
		}
	}
	for _, sc := range f[relyingparty.FieldScopes] {
		values["scope."+sc] = "on"
	}
	c := siteFromValues(values, f[relyingparty.FieldScopes])
	ctx := r.Context()
	var site *relyingparty.Client
	if f.Get("editing") == "1" {
		old, err := s.d.RelyingParties.Get(ctx, a, c.ID)
		if err != nil {
			s.staffError(w, r, a, g, err)
			return
		}
		site = &old
	}
	saved, secret, err := relyingparty.Client{}, "", s.freshen(ctx, a, f.Get("code"))
	if err == nil {
		if site != nil {
			saved, secret, err = s.d.RelyingParties.Change(ctx, a, c)
		} else {
			saved, secret, err = s.d.RelyingParties.Register(ctx, a, c)
		}
	}
	if pe, ok := problem.As(err); ok && pe.Kind == problem.Conflict && pe.Message.ID == "relyingparty.id_taken" {
		err = problem.InvalidField(relyingparty.FieldID, pe.Message) // said next to the ID, with the form kept
	}
	switch {
	case err != nil && formRefusal(err):
		s.renderSiteForm(w, r, a, g, statusOf(problem.KindOf(err)), site, values, "save", err)
	case err != nil:
		s.staffError(w, r, a, g, err)
	case secret != "":
		s.renderSiteSecret(w, r, a, g, saved, secret, site == nil)
	case site != nil:
		seeOther(w, r, "/staff/sites/"+url.PathEscape(saved.ID)+"?done=saved")
	default:
		seeOther(w, r, "/staff/sites/"+url.PathEscape(saved.ID)+"?done=registered")
	}
}

func (s *Server) renderSiteSecret(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, c relyingparty.Client, secret string, registered bool) {
	title := "console.sites.rotated_title"
	if registered {
		title = "console.sites.registered_title"
	}
	p := &StaffSiteSecretPage{StaffBase: s.staffBase(r, a, g, title, nil), Client: c, Secret: secret, Registered: registered}
	w.Header().Set("Cache-Control", "no-store") // render says so too: the secret is never kept by a cache
	s.render(w, r, http.StatusOK, "staff_site_secret", p)
}

// siteAction runs one of a site's actions from its page (a new secret,
// disabling, enabling) once the code is fresh; a refusal shows the site's
// page again with the message at the form's code.
func (s *Server) siteAction(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, form string, act func(id string) error) {
	id := r.PathValue("id")
	err := parseSiteForm(w, r, maxFormBytes)
	if err == nil {
		if err = s.freshen(r.Context(), a, r.PostForm.Get("code")); err == nil {
			err = act(id)
		}
	}
	if err == nil {
		return
	}
	if !formRefusal(err) {
		s.staffError(w, r, a, g, err)
		return
	}
	c, gerr := s.d.RelyingParties.Get(r.Context(), a, id)
	if gerr != nil {
		s.staffError(w, r, a, g, gerr)
		return
	}
	s.renderSiteForm(w, r, a, g, statusOf(problem.KindOf(err)), &c, siteValues(c), form, err)
}

func (s *Server) staffSiteRotate(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	s.siteAction(w, r, a, g, "secret", func(id string) error {
		c, secret, err := s.d.RelyingParties.RotateSecret(r.Context(), a, id)
		if err != nil {
			return err
		}
		s.renderSiteSecret(w, r, a, g, c, secret, false)
		return nil
	})
}

// staffSiteStatus disables a site (or enables it again).
func (s *Server) staffSiteStatus(disabled bool) staffHandler {
	done := "enabled"
	if disabled {
		done = "disabled"
	}
	return func(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
		s.siteAction(w, r, a, g, "status", func(id string) error {
			if err := s.d.RelyingParties.SetDisabled(r.Context(), a, id, disabled); err != nil {
				return err
			}
			seeOther(w, r, "/staff/sites/"+url.PathEscape(id)+"?done="+done)
			return nil
		})
	}
}

// The API. A site is relyingparty.Client as its JSON tags say (never
// the hash of its secret); a secret is in the answer that issued it only.

// relyingPartyRequest registers a site or changes one: every field of
// the form; the path names the site a PUT changes.
type relyingPartyRequest struct {
	ID                   string            `json:"id"`
	Name                 relyingparty.Text `json:"name"`
	Purpose              relyingparty.Text `json:"purpose"`
	LogoURL              string            `json:"logo_url"`
	PrivacyURL           string            `json:"privacy_url"`
	RedirectURIs         []string          `json:"redirect_uris"`
	PostLogoutURIs       []string          `json:"post_logout_redirect_uris"`
	BackchannelLogoutURI string            `json:"backchannel_logout_uri"`
	Scopes               []string          `json:"scopes"`
	MaxLevel             string            `json:"max_level"`
	Sector               string            `json:"sector"`
	SubjectType          string            `json:"subject_type"`
	AuthMethod           string            `json:"auth_method"`
	JWKSURI              string            `json:"jwks_uri"`
	JWKS                 string            `json:"jwks"`
}

func (in relyingPartyRequest) client() relyingparty.Client {
	return relyingparty.Client{ID: in.ID, Name: in.Name, Purpose: in.Purpose, LogoURL: in.LogoURL, PrivacyURL: in.PrivacyURL,
		RedirectURIs: in.RedirectURIs, PostLogoutURIs: in.PostLogoutURIs, BackchannelLogoutURI: in.BackchannelLogoutURI, Scopes: in.Scopes,
		MaxLevel: account.Level(in.MaxLevel), Sector: in.Sector, SubjectType: relyingparty.SubjectType(in.SubjectType),
		AuthMethod: relyingparty.AuthMethod(in.AuthMethod), JWKSURI: in.JWKSURI, JWKS: in.JWKS}
}

// relyingPartyIssuedJSON is a site as saved, with the secret the saving
// issued (none when it issued none).
type relyingPartyIssuedJSON struct {
	relyingparty.Client
	ClientSecret string `json:"client_secret,omitempty"`
}

type relyingPartyListJSON struct {
	RelyingParties []relyingparty.Client `json:"relying_parties"`
}

// relyingPartySecretJSON is a site's new secret.
type relyingPartySecretJSON struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// relyingPartyStatusRequest disables a site or enables it.
type relyingPartyStatusRequest struct {
	Disabled *bool `json:"disabled"`
}

// clientJSON is a site as the API sends it: lists as arrays, never null,
// and times in UTC.
func clientJSON(c relyingparty.Client) relyingparty.Client {
	for _, l := range []*[]string{&c.RedirectURIs, &c.PostLogoutURIs, &c.Scopes} {
		if *l == nil {
			*l = []string{}
		}
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c
}

func (s *Server) apiRelyingParties(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	list, err := s.d.RelyingParties.List(r.Context(), a)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := relyingPartyListJSON{RelyingParties: make([]relyingparty.Client, 0, len(list))}
	for _, c := range list {
		out.RelyingParties = append(out.RelyingParties, clientJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiRelyingParty(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	c, err := s.d.RelyingParties.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, clientJSON(c))
}

func (s *Server) apiRelyingPartyRegister(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var in relyingPartyRequest
	if err := decodeMax(w, r, &in, maxSiteBytes); err != nil {
		s.apiError(w, r, err)
		return
	}
	if !s.apiFresh(w, r, a) {
		return
	}
	c, secret, err := s.d.RelyingParties.Register(r.Context(), a, in.client())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, relyingPartyIssuedJSON{Client: clientJSON(c), ClientSecret: secret})
}

func (s *Server) apiRelyingPartyChange(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var in relyingPartyRequest
	if err := decodeMax(w, r, &in, maxSiteBytes); err != nil {
		s.apiError(w, r, err)
		return
	}
	if !s.apiFresh(w, r, a) {
		return
	}
	// A site that is not there is 404, whatever the body says.
	old, err := s.d.RelyingParties.Get(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	in.ID = old.ID
	c, secret, err := s.d.RelyingParties.Change(r.Context(), a, in.client())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, relyingPartyIssuedJSON{Client: clientJSON(c), ClientSecret: secret})
}

func (s *Server) apiRelyingPartyRotate(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if !s.apiFresh(w, r, a) {
		return
	}
	id := r.PathValue("id")
	c, secret, err := s.d.RelyingParties.RotateSecret(r.Context(), a, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, relyingPartySecretJSON{ClientID: c.ID, ClientSecret: secret})
}

func (s *Server) apiRelyingPartyStatus(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var in relyingPartyStatusRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if !s.apiFresh(w, r, a) {
		return
	}
	if in.Disabled == nil {
		s.apiError(w, r, problem.InvalidField("disabled", problem.M("console.sites.status_required")))
		return
	}
	id := r.PathValue("id")
	if err := s.d.RelyingParties.SetDisabled(r.Context(), a, id, *in.Disabled); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.d.RelyingParties.Get(r.Context(), a, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, clientJSON(c))
}
