// Package web is everything HTTP: the server-rendered pages (Russian first,
// English complete, usable without JavaScript), the JSON API under /api/v1
// with its OpenAPI document, the development outbox, health, readiness and
// metrics, and the middleware every request passes (request IDs, logging,
// panic recovery, cross-origin protection, security headers, language,
// sessions).
//
// Handlers are thin: they parse a request into a service call and turn the
// result or the problem into a page or JSON. They hold no SQL and no rules.
//
// web imports the feature services, i18n, problem and the standard library.
package web

import (
	"context"
	"errors"
	"github.com/kabinet/kabinet/internal/desk"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/centers"
	"github.com/kabinet/kabinet/internal/contactchange"
	"github.com/kabinet/kabinet/internal/credential"
	"github.com/kabinet/kabinet/internal/deletion"
	"github.com/kabinet/kabinet/internal/export"
	"github.com/kabinet/kabinet/internal/extras"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/gazetteer"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/notify"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/recovery"
	"github.com/kabinet/kabinet/internal/region"
	"github.com/kabinet/kabinet/internal/registration"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/signature"
	"github.com/kabinet/kabinet/internal/signin"
	"github.com/kabinet/kabinet/internal/sso"
	"github.com/kabinet/kabinet/internal/staff"
)

// Outbox lists sent notifications for the development outbox page.
type Outbox interface {
	ListNotifications(ctx context.Context, limit int) ([]notify.Record, error)
}

// Devices mints the device tokens that let a browser where the account has
// signed in before past the locks strangers put on its login.
type Devices interface {
	DeviceToken(accountID string) (string, error)
}

// LetterPrinter makes a batch's PDF from its sheets and its register for
// the Post (letterpdf.Printer).
type LetterPrinter interface {
	Batch(sheets []letter.Sheet) ([]byte, error)
	Register(b *letter.Batch, letters []*letter.Letter, asJSON bool) ([]byte, error)
}

// Deps are the server's collaborators. NewServer reports any that is missing.
type Deps struct {
	Registration *registration.Service
	SignIn       *signin.Service
	Recovery     *recovery.Service
	Credential   *credential.Service
	Deletion     *deletion.Service
	Profile      *profile.Service // personal data and its verification
	Extras       *extras.Service  // «Дополнительные данные»
	Places       *places.Directory
	Centers      *centers.Directory // the service-center finder
	Sessions     *session.Service
	Export       *export.Service   // "download my data"
	DataAccess   *audit.DataAccess // «Кто смотрел мои данные»
	Codes        *flow.Codes
	Devices      Devices
	Outbox       Outbox
	Catalog      *i18n.Catalog
	Logger       *slog.Logger
	Metrics      *prometheus.Registry
	Ready        func(ctx context.Context) error // for /readyz

	// ContactChange changes the signed-in account's phone or e-mail.
	ContactChange *contactchange.Service

	// Staff signs staff in and manages them; CenterExists checks a service
	// center's ID against the directory.
	Staff        *staff.Service
	CenterExists staff.CenterCheck
	// Desk is the operator's desk: find a citizen, confirm identity in
	// person; also the citizen's own confirmation for their pages.
	Desk *desk.Service
	// Letters confirms identity by a registered letter (issue 13 §1);
	// LetterPrinter prints its batches and registers.
	Letters       *letter.Service
	LetterPrinter LetterPrinter
	// Services is the service catalog (issue 14 §2, §3).
	Services *catalog.Catalog
	// Region checks and records the visitor's region (issue 14 §1).
	Region *region.Service
	// Gazetteer keeps the regions and localities administrators add to
	// Places, and Places in step with them on every node.
	Gazetteer *gazetteer.Gazetteer
	// Signatures confirms identity by a qualified electronic signature
	// and keeps the trusted CAs (issue 13 §2).
	Signatures *signature.Service
	// CenterNames names a service center on citizens' pages; nil shows
	// the center's ID (until the directory is wired in).
	CenterNames CenterNamer
	// AuditSearch is the administrators' search of the audit log.
	AuditSearch audit.Search
	// SSO and OIDC sign citizens in to other e-government sites (issue
	// 15): single sign-on's rules and the OpenID Connect provider.
	SSO  *sso.Service
	OIDC OIDCProvider
	// RelyingParties are the registered sites, which administrators
	// keep in the console (/staff/sites) and the staff API.
	RelyingParties *relyingparty.Registry

	// MetricsRoute serves GET /metrics on this handler; otherwise only
	// MetricsHandler serves the metrics (on a listener of their own), or
	// nothing does.
	MetricsRoute bool
	MetricsToken string // when set, the metrics need "Authorization: Bearer <token>"

	BaseURL        string
	Demo           bool
	SecondStep     bool
	Site           SiteInfo
	TrustedProxies []string
	SessionMaxAge  time.Duration
	Now            func() time.Time
	Rand           io.Reader
	// Fault logs and counts an error that must not fail the request (nil:
	// log only).
	Fault func(msg string, err error)
	// MapTilesURL is the tile server of the centers' map ("" : the
	// offline region outlines), MapTilesAttribution what it asks to show.
	MapTilesURL, MapTilesAttribution string
}

// Server is the HTTP handler.
type Server struct {
	d       Deps
	cat     *i18n.Catalog
	r       *renderer
	site    SiteInfo
	log     *slog.Logger
	secure  bool // cookies marked Secure (an https base URL)
	proxies *proxyList
	metrics *metrics
	handler http.Handler
	meter   *ipLimiter // the password strength meter, per client address
	// requestIDs numbers requests that arrive without an X-Request-Id.
	requestIDs *requestIDs
	// The flows whose steps the shared step handlers run.
	registration, signin, recovery *flowSteps
	contacts                       *flowSteps
	// tileSource is the map's tile server as a CSP source (" https://*.tile.example.org"),
	// "" without one.
	tileSource string
}

// NewServer builds the handler, parsing every template up front.
func NewServer(d Deps) (*Server, error) {
	var missing []error
	for name, nilness := range map[string]bool{
		"Registration": d.Registration == nil, "SignIn": d.SignIn == nil, "Recovery": d.Recovery == nil,
		"Credential": d.Credential == nil, "Deletion": d.Deletion == nil, "Profile": d.Profile == nil,
		"Sessions": d.Sessions == nil, "Export": d.Export == nil, "Codes": d.Codes == nil, "Devices": d.Devices == nil, "Outbox": d.Outbox == nil,
		"Catalog": d.Catalog == nil, "Logger": d.Logger == nil, "Metrics": d.Metrics == nil, "Ready": d.Ready == nil,
		"Now": d.Now == nil, "Rand": d.Rand == nil,
		"ContactChange": d.ContactChange == nil,
		"Extras":        d.Extras == nil, "Places": d.Places == nil,
		"Staff": d.Staff == nil, "CenterExists": d.CenterExists == nil, "Desk": d.Desk == nil,
		"DataAccess": d.DataAccess == nil,
		"Centers":    d.Centers == nil,
		"Letters":    d.Letters == nil, "LetterPrinter": d.LetterPrinter == nil, "Signatures": d.Signatures == nil, "Region": d.Region == nil, "Services": d.Services == nil,
		"SSO": d.SSO == nil, "OIDC": d.OIDC == nil, "RelyingParties": d.RelyingParties == nil,
		"Gazetteer": d.Gazetteer == nil,
	} {
		if nilness {
			missing = append(missing, errors.New("web: Deps."+name+" is nil"))
		}
	}
	if err := errors.Join(missing...); err != nil {
		return nil, err
	}
	r, err := rendered()
	if err != nil {
		return nil, err
	}
	proxies, err := parseProxies(d.TrustedProxies)
	if err != nil {
		return nil, err
	}
	s := &Server{d: d, cat: d.Catalog, r: r, site: d.Site, log: d.Logger, proxies: proxies, metrics: newMetrics(d.Metrics),
		meter: newIPLimiter(10, 30, 100_000), requestIDs: newRequestIDs(d.Rand)}
	s.secure = len(d.BaseURL) > 8 && d.BaseURL[:8] == "https://"
	s.registration, s.signin, s.recovery = s.registrationSteps(), s.signinSteps(), s.recoverySteps()
	s.contacts = s.contactSteps()
	s.tileSource = tileSource(d.MapTilesURL)
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// accountOf returns the signed-in account of a request, or nil.
func accountOf(r *http.Request) *account.Account { return reqCtx(r).account }
