package web

import (
	"net/http"
	"strings"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// routes is the whole URL map.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()

	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.d.MetricsRoute {
		mux.Handle("GET /metrics", s.MetricsHandler())
	}
	mux.HandleFunc("GET /static/", s.serveStatic)

	// Public pages.
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /terms", s.staticPage("terms"))
	mux.HandleFunc("GET /privacy", s.staticPage("privacy"))
	mux.HandleFunc("GET /services", s.catalogPage) // the service catalog (issue 14)
	mux.HandleFunc("GET /services/{id}", s.servicePage)
	mux.HandleFunc("GET /centers", s.centersPage) // the service-center finder
	mux.HandleFunc("GET /region", s.regionGet)    // «Выбрать регион»
	mux.HandleFunc("POST /region", s.regionSubmit)

	// Single sign-on for other e-government sites (issue 15): the
	// provider's endpoints, and the pages a site's request continues at.
	mux.Handle("/oidc/", http.StripPrefix("/oidc", s.d.OIDC.Handler()))
	mux.HandleFunc("GET /oidc/login", s.oidcLogin)
	mux.HandleFunc("POST /oidc/login", s.requirePage(s.oidcDecide))
	mux.HandleFunc("GET /oidc/logout", s.oidcLogout)
	mux.HandleFunc("POST /oidc/logout", s.oidcLogoutDecide)

	// Registration (SPEC §3).
	mux.HandleFunc("GET /register", s.registerForm)
	mux.HandleFunc("POST /register", s.registerSubmit)
	s.mountSteps(mux, s.registration)
	mux.HandleFunc("GET /welcome", s.welcome)

	// Sign-in, second step, sign-out.
	mux.HandleFunc("GET /signin", s.signinForm)
	mux.HandleFunc("POST /signin", s.signinSubmit)
	s.mountSteps(mux, s.signin)
	mux.HandleFunc("POST /signout", s.signout)

	// Password recovery.
	mux.HandleFunc("GET /recover", s.recoverForm)
	mux.HandleFunc("POST /recover", s.recoverSubmit)
	s.mountSteps(mux, s.recovery)

	// The signed-in citizen's own pages.
	mux.HandleFunc("GET /account", s.requirePage(s.accountHome))
	mux.HandleFunc("GET /account/sessions", s.requirePage(s.sessionsPage))
	mux.HandleFunc("POST /account/sessions/{id}/end", s.requirePage(s.sessionEnd))
	mux.HandleFunc("POST /account/sessions/end-others", s.requirePage(s.sessionsEndOthers))
	mux.HandleFunc("GET /account/history", s.requirePage(s.historyPage))
	mux.HandleFunc("GET /account/permissions", s.requirePage(s.permissionsPage)) // «Мои разрешения» (issue 15 §3)
	mux.HandleFunc("POST /account/permissions/{client}/withdraw", s.requirePage(s.permissionWithdraw))
	mux.HandleFunc("POST /account/stay-signed-in", s.requirePage(s.staySignedIn))
	mux.HandleFunc("GET /account/export", s.requirePage(s.exportPage))
	mux.HandleFunc("GET /account/personal-data", s.requirePage(s.personalDataPage))
	mux.HandleFunc("POST /account/personal-data", s.requirePage(s.personalDataSubmit))
	mux.HandleFunc("GET /account/password", s.requirePage(s.passwordChangeForm))
	mux.HandleFunc("POST /account/password", s.requirePage(s.passwordChangeSubmit))
	mux.HandleFunc("GET /account/delete", s.requirePage(s.deletionPage))
	mux.HandleFunc("POST /account/delete", s.requirePage(s.deletionSubmit))
	mux.HandleFunc("POST /account/delete/cancel", s.requirePage(s.deletionCancel))

	// The phone and e-mail: change or add (steps under /account/contacts),
	// the password again when not recent, and the replaced contact's undo.
	mux.HandleFunc("GET /account/contacts", s.requirePage(s.contactsPage))
	mux.HandleFunc("GET /account/contacts/new", s.requirePage(s.contactFormPage))
	mux.HandleFunc("POST /account/contacts", s.requirePage(s.contactSubmit))
	mux.HandleFunc("POST /account/reauthenticate", s.requirePage(s.reauthSubmit))
	s.mountSteps(mux, s.contacts)
	mux.HandleFunc("GET /account/undo/{id}", s.undoPage)
	mux.HandleFunc("POST /account/undo/{id}", s.undoSubmit)

	// «Дополнительные данные»: addresses, home phone, INN (typed or found
	// by the Tax Service), OMS policy.
	mux.HandleFunc("GET /account/additional-data", s.requirePage(s.additionalDataPage))
	mux.HandleFunc("POST /account/additional-data", s.requirePage(s.additionalDataSubmit))
	mux.HandleFunc("GET /account/additional-data/inn", s.requirePage(s.additionalDataFindGet))
	mux.HandleFunc("GET /account/data-access", s.requirePage(s.dataAccessPage))
	mux.HandleFunc("POST /account/additional-data/inn", s.requirePage(s.additionalDataFindINN))

	// «Подтверждение личности» (issue 13): the ways to the confirmed
	// level, the registered letter's order and code, its QR code's link.
	mux.HandleFunc("GET /account/confirmation", s.requirePage(s.confirmationGet))
	mux.HandleFunc("GET /account/confirmation/code", s.requirePage(s.confirmationCodeLink))
	mux.HandleFunc("POST /account/confirmation/letter", s.requirePage(s.letterOrderSubmit))
	mux.HandleFunc("POST /account/confirmation/letter/code", s.requirePage(s.letterCodeSubmit))
	mux.HandleFunc("POST /account/confirmation/letter/cancel", s.requirePage(s.letterCancelSubmit))
	mux.HandleFunc("GET /account/confirmation/statement", s.requirePage(s.statementDownload))
	mux.HandleFunc("POST /account/confirmation/signature", s.requirePage(s.signatureUpload))

	// The staff console (issue 12): its own sign-in with an authenticator,
	// its own cookie.
	mux.HandleFunc("GET /staff", s.staffSignInForm)
	mux.HandleFunc("POST /staff", s.staffSignInSubmit)
	mux.HandleFunc("GET /staff/enroll", s.staffCodePage(true))
	mux.HandleFunc("POST /staff/enroll", s.staffCodeSubmit(true))
	mux.HandleFunc("GET /staff/code", s.staffCodePage(false))
	mux.HandleFunc("POST /staff/code", s.staffCodeSubmit(false))
	mux.HandleFunc("GET /staff/password", s.staffPasswordPage)
	mux.HandleFunc("POST /staff/password", s.staffPasswordSubmit)
	mux.HandleFunc("POST /staff/signout", s.staffSignOut)
	mux.HandleFunc("GET /staff/console", s.staffPage("", s.staffConsole))
	mux.HandleFunc("POST /staff/center", s.staffPage("", s.staffChooseCenter))
	mux.HandleFunc("GET /staff/members", s.staffPage(staff.PermStaffManage, s.staffMembers))
	mux.HandleFunc("POST /staff/members", s.staffPage(staff.PermStaffManage, s.staffMemberCreate))
	mux.HandleFunc("POST /staff/members/{id}", s.staffPage(staff.PermStaffManage, s.staffMemberChange))
	mux.HandleFunc("GET /staff/citizens", s.staffPage(staff.PermCitizensFind, s.staffCitizens))
	mux.HandleFunc("POST /staff/citizens", s.staffPage(staff.PermCitizensFind, s.staffCitizenSearch))
	mux.HandleFunc("POST /staff/citizens/{id}/confirm", s.staffPage(staff.PermIdentityConfirm, s.staffCitizenConfirm))
	mux.HandleFunc("GET /staff/citizens/new", s.staffPage(staff.PermCitizensRegister, s.staffCitizenNew))
	mux.HandleFunc("POST /staff/citizens/new", s.staffPage(staff.PermCitizensRegister, s.staffCitizenRegister))
	mux.HandleFunc("GET /staff/citizens/{id}/access", s.staffPage(staff.PermAccessRestore, s.staffCitizenAccess))
	mux.HandleFunc("POST /staff/citizens/{id}/access", s.staffPage(staff.PermAccessRestore, s.staffCitizenRestore))
	mux.HandleFunc("GET /staff/centers", s.staffPage(staff.PermCentersManage, s.staffCentersPage))
	mux.HandleFunc("GET /staff/centers/new", s.staffPage(staff.PermCentersManage, s.staffCenterForm))
	mux.HandleFunc("GET /staff/centers/{id}", s.staffPage(staff.PermCentersManage, s.staffCenterForm))
	mux.HandleFunc("POST /staff/centers", s.staffPage(staff.PermCentersManage, s.staffCenterSave))
	mux.HandleFunc("POST /staff/centers/import", s.staffPage(staff.PermCentersManage, s.staffCentersImport))
	mux.HandleFunc("GET /staff/audit", s.staffPage(staff.PermAuditRead, s.staffAuditPage))
	// The post operator's letters (issue 13 §1).
	mux.HandleFunc("GET /staff/letters", s.staffPage(staff.PermLettersPrint, s.staffLetters))
	mux.HandleFunc("POST /staff/letters/print", s.staffPage(staff.PermLettersPrint, s.staffLettersPrint))
	mux.HandleFunc("GET /staff/letters/batches/{id}", s.staffPage(staff.PermLettersDispatch, s.staffLetterBatch))
	mux.HandleFunc("POST /staff/letters/batches/{id}/reprint", s.staffPage(staff.PermLettersPrint, s.staffLettersReprint))
	mux.HandleFunc("POST /staff/letters/batches/{id}/sent", s.staffPage(staff.PermLettersDispatch, s.staffLettersSent))
	mux.HandleFunc("GET /staff/letters/batches/{id}/register", s.staffPage(staff.PermLettersDispatch, s.staffLettersRegister))
	mux.HandleFunc("POST /staff/letters/{id}/returned", s.staffPage(staff.PermLettersDispatch, s.staffLetterReturned))
	// The trusted CAs and CRLs for signatures (issue 13 §2).
	mux.HandleFunc("GET /staff/trust", s.staffPage(staff.PermTrustManage, s.staffTrust))
	mux.HandleFunc("POST /staff/trust/cas", s.staffPage(staff.PermTrustManage, s.staffTrustAddCA))
	mux.HandleFunc("POST /staff/trust/cas/{id}/remove", s.staffPage(staff.PermTrustManage, s.staffTrustRemoveCA))
	mux.HandleFunc("POST /staff/trust/crls", s.staffPage(staff.PermTrustManage, s.staffTrustUploadCRL))
	// The sites that sign citizens in through kabinet (issue 15 §4).
	mux.HandleFunc("GET /staff/sites", s.staffPage(staff.PermRPManage, s.staffSites))
	mux.HandleFunc("GET /staff/sites/new", s.staffPage(staff.PermRPManage, s.staffSiteNew))
	mux.HandleFunc("GET /staff/sites/{id}", s.staffPage(staff.PermRPManage, s.staffSiteEdit))
	mux.HandleFunc("POST /staff/sites", s.staffPage(staff.PermRPManage, s.staffSiteSave))
	mux.HandleFunc("POST /staff/sites/{id}/secret", s.staffPage(staff.PermRPManage, s.staffSiteRotate))
	mux.HandleFunc("POST /staff/sites/{id}/disable", s.staffPage(staff.PermRPManage, s.staffSiteStatus(true)))
	mux.HandleFunc("POST /staff/sites/{id}/enable", s.staffPage(staff.PermRPManage, s.staffSiteStatus(false)))

	// The catalog editors (issue 14 §2).
	mux.HandleFunc("GET /staff/places", s.staffPage(staff.PermPlacesManage, s.staffPlaces))
	mux.HandleFunc("GET /staff/places/regions/new", s.staffPage(staff.PermPlacesManage, s.staffPlaceRegionForm))
	mux.HandleFunc("POST /staff/places/regions", s.staffPage(staff.PermPlacesManage, s.staffPlaceRegionSave))
	mux.HandleFunc("GET /staff/places/regions/{code}", s.staffPage(staff.PermPlacesManage, s.staffPlacesRegion))
	mux.HandleFunc("GET /staff/places/regions/{code}/edit", s.staffPage(staff.PermPlacesManage, s.staffPlaceRegionForm))
	mux.HandleFunc("POST /staff/places/localities", s.staffPage(staff.PermPlacesManage, s.staffPlaceLocalitySave))
	mux.HandleFunc("GET /staff/places/localities/{id}", s.staffPage(staff.PermPlacesManage, s.staffPlaceLocalityForm))
	mux.HandleFunc("POST /staff/places/localities/{id}", s.staffPage(staff.PermPlacesManage, s.staffPlaceLocalitySave))
	mux.HandleFunc("POST /staff/places/localities/{id}/remove", s.staffPage(staff.PermPlacesManage, s.staffPlaceLocalityRemove))
	mux.HandleFunc("POST /staff/places/import", s.staffPage(staff.PermPlacesManage, s.staffPlacesImport))
	mux.HandleFunc("GET /staff/places/export", s.staffPage(staff.PermPlacesManage, s.staffPlacesExport))
	mux.HandleFunc("GET /staff/catalog", s.staffPage(staff.PermCatalogManage, s.staffCatalog))
	mux.HandleFunc("GET /staff/catalog/new", s.staffPage(staff.PermCatalogManage, s.staffServiceNew))
	mux.HandleFunc("POST /staff/catalog/services", s.staffPage(staff.PermCatalogManage, s.staffServiceSave))
	mux.HandleFunc("GET /staff/catalog/services/{id}", s.staffPage(staff.PermCatalogManage, s.staffServiceEdit))
	mux.HandleFunc("POST /staff/catalog/services/{id}", s.staffPage(staff.PermCatalogManage, s.staffServiceSave))
	mux.HandleFunc("POST /staff/catalog/services/{id}/discard", s.staffPage(staff.PermCatalogManage, s.staffServiceDiscard))
	mux.HandleFunc("POST /staff/catalog/import", s.staffPage(staff.PermCatalogManage, s.staffCatalogImport))
	mux.HandleFunc("GET /staff/catalog/export", s.staffPage(staff.PermCatalogManage, s.staffCatalogExport))
	mux.HandleFunc("GET /staff/catalog/categories", s.staffPage(staff.PermCatalogManage, s.staffCatalogCategories))
	mux.HandleFunc("POST /staff/catalog/categories", s.staffPage(staff.PermCatalogManage, s.staffCatalogCategorySave))
	mux.HandleFunc("GET /staff/catalog/agencies", s.staffPage(staff.PermCatalogManage, s.staffCatalogAgencies))
	mux.HandleFunc("POST /staff/catalog/agencies", s.staffPage(staff.PermCatalogManage, s.staffCatalogAgencySave))
	mux.HandleFunc("GET /staff/catalog/synonyms", s.staffPage(staff.PermCatalogManage, s.staffCatalogSynonyms))
	mux.HandleFunc("POST /staff/catalog/synonyms", s.staffPage(staff.PermCatalogManage, s.staffCatalogSynonymsSave))

	// Development outbox: every SMS and e-mail, so a newcomer can register
	// without a phone. Only in demo mode.
	if s.d.Demo {
		mux.HandleFunc("GET /dev/outbox", s.devOutbox)
	}

	// JSON API.
	s.apiRoutes(mux)

	mux.HandleFunc("/", s.unrouted(mux))

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	// A site may send the citizen to these by a form of its own (OpenID
	// Connect Core §3.1.2.1, RP-Initiated Logout §2): neither acts on the
	// citizen's behalf without a page of kabinet's asking or a hint only
	// that site holds.
	cop.AddInsecureBypassPattern("POST /oidc/authorize")
	cop.AddInsecureBypassPattern("POST /oidc/end_session")
	return s.base(s.rememberLang(cop.Handler(s.authenticate(mux))))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.d.Ready(r.Context()); err != nil {
		s.log.Warn("not ready", "error", err)
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ready\n"))
}

func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	if wantsJSON(r) {
		s.apiError(w, r, forbidden("request.cross_origin"))
		return
	}
	s.errorPage(w, r, forbidden("request.cross_origin"), "/")
}

// routeMethods are the methods any route is registered for, in the order
// an Allow header lists them.
var routeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// unrouted answers what no route took. The catch-all pattern "/" takes
// every method, so ServeMux never gets to answer 405 itself: a path that
// some route serves with another method (TRACE /register, PUT /api/v1/me)
// is 405 with an Allow header; anything else is 404.
func (s *Server) unrouted(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range routeMethods {
			if m == r.Method {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			s.notFound(w, r)
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		err := problem.New(problem.MethodNotAllowed, "request.method_not_allowed", "Method", r.Method)
		if wantsJSON(r) {
			s.apiError(w, r, err)
			return
		}
		s.errorPage(w, r, err, "/")
	}
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if wantsJSON(r) {
		s.apiError(w, r, notFoundErr("page.not_found"))
		return
	}
	s.errorPage(w, r, notFoundErr("page.not_found"), "/")
}
