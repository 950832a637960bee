package web

import (
	"net/http"
	"reflect"
	"time"

	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/relyingparty"
	"github.com/kabinet/kabinet/internal/staff"
)

// apiAuthMode says whether an API route needs a session.
type apiAuthMode uint8

const (
	authPublic  apiAuthMode = iota // anyone; a missing or stale session is ignored
	authSession                    // wrapped in apiAuth: 401 without a session
	authStaff                      // wrapped in staffAPI: 401 without a staff token, 403 without Perm
)

// apiRoute is one row of the JSON API's route table: what is mounted on the
// mux, and what openapi.json must describe (openapi_test.go checks the
// document's operations, request bodies and success responses, schemas
// included, against the table).
type apiRoute struct {
	Method string
	Path   string // a ServeMux pattern's path: {name} wildcards, as in OpenAPI
	Auth   apiAuthMode
	// Request is the type decode reads the JSON body into; nil when the
	// handler reads no body.
	Request reflect.Type
	// Responses are the success statuses and the types of their JSON
	// bodies (nil: no body, as for 204). Error statuses all answer a
	// problemBody; the document lists them per operation.
	Responses map[int]reflect.Type
	Handler   func(*Server) http.HandlerFunc
	// Perm is the staff permission an authStaff route needs ("" for any
	// signed-in staff member).
	Perm  string
	Staff func(*Server, http.ResponseWriter, *http.Request, staff.Actor, staff.Grants)
}

// method adapts a handler method to the table's Handler.
func method(h func(*Server, http.ResponseWriter, *http.Request)) func(*Server) http.HandlerFunc {
	return func(s *Server) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { h(s, w, r) }
	}
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }

// apiRouteTable is the whole JSON API.
func apiRouteTable() []apiRoute {
	noBody := reflect.Type(nil)
	flow := typeOf[flowJSON]()
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/openapi.json", Responses: map[int]reflect.Type{200: typeOf[map[string]any]()}, Handler: method((*Server).openapi)},

		{Method: "POST", Path: "/api/v1/registrations", Request: typeOf[registrationRequest](),
			Responses: map[int]reflect.Type{201: flow}, Handler: method((*Server).apiRegister)},
		{Method: "POST", Path: "/api/v1/registrations/{id}/confirm", Request: typeOf[codeJSON](),
			Responses: map[int]reflect.Type{200: flow}, Handler: func(s *Server) http.HandlerFunc { return s.apiStepCode(s.registration) }},
		{Method: "POST", Path: "/api/v1/registrations/{id}/resend",
			Responses: map[int]reflect.Type{200: flow}, Handler: func(s *Server) http.HandlerFunc { return s.apiStepResend(s.registration) }},
		{Method: "POST", Path: "/api/v1/registrations/{id}/password", Request: typeOf[passwordJSON](),
			Responses: map[int]reflect.Type{201: typeOf[tokenJSON]()}, Handler: func(s *Server) http.HandlerFunc { return s.apiStepPassword(s.registration) }},

		{Method: "POST", Path: "/api/v1/sessions", Request: typeOf[signInRequest](),
			Responses: map[int]reflect.Type{201: typeOf[tokenJSON](), 202: typeOf[secondStepJSON]()}, Handler: method((*Server).apiSignIn)},
		{Method: "POST", Path: "/api/v1/sessions/{id}/confirm", Request: typeOf[signInCodeRequest](),
			Responses: map[int]reflect.Type{201: typeOf[tokenJSON]()}, Handler: func(s *Server) http.HandlerFunc { return s.apiStepCode(s.signin) }},
		{Method: "POST", Path: "/api/v1/sessions/{id}/resend",
			Responses: map[int]reflect.Type{200: flow}, Handler: func(s *Server) http.HandlerFunc { return s.apiStepResend(s.signin) }},
		{Method: "GET", Path: "/api/v1/sessions", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[sessionListJSON]()}, Handler: method((*Server).apiSessions)},
		{Method: "GET", Path: "/api/v1/sessions/current", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[currentSessionJSON]()}, Handler: method((*Server).apiCurrentSession)},
		{Method: "POST", Path: "/api/v1/sessions/current/extend", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[currentSessionJSON]()}, Handler: method((*Server).apiStaySignedIn)},
		{Method: "DELETE", Path: "/api/v1/sessions/current", Auth: authSession,
			Responses: map[int]reflect.Type{204: noBody}, Handler: method((*Server).apiSignOut)},
		{Method: "DELETE", Path: "/api/v1/sessions/others", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[endedJSON]()}, Handler: method((*Server).apiEndOthers)},
		{Method: "DELETE", Path: "/api/v1/sessions/{id}", Auth: authSession,
			Responses: map[int]reflect.Type{204: noBody}, Handler: method((*Server).apiEndSession)},
		{Method: "GET", Path: "/api/v1/sign-ins", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[signInListJSON]()}, Handler: method((*Server).apiSignIns)},
		{Method: "GET", Path: "/api/v1/me", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[accountJSON]()}, Handler: method((*Server).apiMe)},
		{Method: "GET", Path: "/api/v1/me/export", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[exportJSON]()}, Handler: method((*Server).apiExport)},
		{Method: "GET", Path: "/api/v1/me/personal-data", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[personalDataJSON]()}, Handler: method((*Server).apiPersonalData)},
		{Method: "PUT", Path: "/api/v1/me/personal-data", Auth: authSession, Request: typeOf[personalDataFields](),
			Responses: map[int]reflect.Type{200: typeOf[verificationJSON](), 202: typeOf[verificationJSON]()}, Handler: method((*Server).apiSubmitPersonalData)},
		{Method: "GET", Path: "/api/v1/me/verification", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[verificationJSON]()}, Handler: method((*Server).apiVerification)},
		{Method: "POST", Path: "/api/v1/me/password", Auth: authSession, Request: typeOf[passwordChangeRequest](),
			Responses: map[int]reflect.Type{200: typeOf[passwordChangedJSON]()}, Handler: method((*Server).apiChangePassword)},
		{Method: "POST", Path: "/api/v1/me/deletion", Auth: authSession, Request: typeOf[deletionRequest](),
			Responses: map[int]reflect.Type{202: typeOf[deletionJSON]()}, Handler: method((*Server).apiRequestDeletion)},
		{Method: "DELETE", Path: "/api/v1/me/deletion", Auth: authSession,
			Responses: map[int]reflect.Type{204: noBody}, Handler: method((*Server).apiCancelDeletion)},

		{Method: "POST", Path: "/api/v1/me/contacts", Auth: authSession, Request: typeOf[contactRequest](),
			Responses: map[int]reflect.Type{202: flow}, Handler: method((*Server).apiContactStart)},
		{Method: "POST", Path: "/api/v1/me/contacts/{id}/confirm", Auth: authSession, Request: typeOf[codeJSON](),
			Responses: map[int]reflect.Type{200: typeOf[accountJSON]()}, Handler: method((*Server).apiContactConfirm)},
		{Method: "POST", Path: "/api/v1/me/contacts/{id}/resend", Auth: authSession,
			Responses: map[int]reflect.Type{200: flow}, Handler: func(s *Server) http.HandlerFunc { return s.apiStepResend(s.contacts) }},
		{Method: "POST", Path: "/api/v1/me/reauthenticate", Auth: authSession, Request: typeOf[reauthRequest](),
			Responses: map[int]reflect.Type{204: noBody}, Handler: method((*Server).apiReauthenticate)},
		{Method: "POST", Path: "/api/v1/contact-undos/{id}", Request: typeOf[undoRequest](),
			Responses: map[int]reflect.Type{200: typeOf[undoneJSON]()}, Handler: method((*Server).apiContactUndo)},

		{Method: "POST", Path: "/api/v1/password-recovery", Request: typeOf[recoveryRequest](),
			Responses: map[int]reflect.Type{202: flow}, Handler: method((*Server).apiRecover)},
		{Method: "POST", Path: "/api/v1/password-recovery/{id}/confirm", Request: typeOf[codeJSON](),
			Responses: map[int]reflect.Type{200: flow}, Handler: func(s *Server) http.HandlerFunc { return s.apiStepCode(s.recovery) }},
		{Method: "POST", Path: "/api/v1/password-recovery/{id}/resend",
			Responses: map[int]reflect.Type{200: flow}, Handler: func(s *Server) http.HandlerFunc { return s.apiStepResend(s.recovery) }},
		{Method: "POST", Path: "/api/v1/password-recovery/{id}/password", Request: typeOf[passwordJSON](),
			Responses: map[int]reflect.Type{201: typeOf[recoveryTokenJSON]()}, Handler: func(s *Server) http.HandlerFunc { return s.apiStepPassword(s.recovery) }},

		{Method: "POST", Path: "/api/v1/password-strength", Request: typeOf[strengthRequest](),
			Responses: map[int]reflect.Type{200: typeOf[strengthJSON]()}, Handler: method((*Server).apiStrength)},

		{Method: "GET", Path: "/api/v1/me/additional-data", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[additionalDataJSON]()}, Handler: method((*Server).apiAdditionalData)},
		{Method: "PUT", Path: "/api/v1/me/additional-data", Auth: authSession, Request: typeOf[additionalDataRequest](),
			Responses: map[int]reflect.Type{200: typeOf[additionalDataJSON]()}, Handler: method((*Server).apiSaveAdditionalData)},
		{Method: "POST", Path: "/api/v1/me/inn/find", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[innFoundJSON]()}, Handler: method((*Server).apiFindINN)},
		{Method: "GET", Path: "/api/v1/regions", Responses: map[int]reflect.Type{200: typeOf[regionListJSON]()}, Handler: method((*Server).apiRegions)},
		{Method: "GET", Path: "/api/v1/localities", Responses: map[int]reflect.Type{200: typeOf[localityListJSON]()}, Handler: method((*Server).apiLocalities)},
		{Method: "GET", Path: "/api/v1/services", Responses: map[int]reflect.Type{200: typeOf[serviceListJSON]()}, Handler: method((*Server).apiServices)},
		{Method: "GET", Path: "/api/v1/services/{id}", Responses: map[int]reflect.Type{200: typeOf[serviceJSON]()}, Handler: method((*Server).apiService)},
		{Method: "GET", Path: "/api/v1/categories", Responses: map[int]reflect.Type{200: typeOf[categoryListJSON]()}, Handler: method((*Server).apiCategories)},
		{Method: "GET", Path: "/api/v1/localities/nearest", Responses: map[int]reflect.Type{200: typeOf[nearestJSON]()}, Handler: method((*Server).apiNearest)},
		{Method: "GET", Path: "/api/v1/me/region", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[regionChoiceJSON]()}, Handler: method((*Server).apiMyRegion)},
		{Method: "PUT", Path: "/api/v1/me/region", Auth: authSession, Request: typeOf[regionChoiceJSON](),
			Responses: map[int]reflect.Type{200: typeOf[regionChoiceJSON]()}, Handler: method((*Server).apiChooseRegion)},

		// The staff side (issue 12): a staff token from POST /api/v1/staff/sessions.
		{Method: "POST", Path: "/api/v1/staff/sessions", Request: typeOf[staffSignInRequest](),
			Responses: map[int]reflect.Type{201: typeOf[staffTokenJSON]()}, Handler: method((*Server).apiStaffSignIn)},
		{Method: "DELETE", Path: "/api/v1/staff/sessions/current", Auth: authStaff,
			Responses: map[int]reflect.Type{204: noBody}, Staff: (*Server).apiStaffSignOut},
		{Method: "POST", Path: "/api/v1/staff/sessions/current/reauth", Auth: authStaff, Request: typeOf[staffCodeRequest](),
			Responses: map[int]reflect.Type{204: noBody}, Staff: (*Server).apiStaffReauth},
		{Method: "PUT", Path: "/api/v1/staff/sessions/current/center", Auth: authStaff, Request: typeOf[staffCenterRequest](),
			Responses: map[int]reflect.Type{200: typeOf[staffMeJSON]()}, Staff: (*Server).apiStaffCenter},
		{Method: "GET", Path: "/api/v1/staff/me", Auth: authStaff,
			Responses: map[int]reflect.Type{200: typeOf[staffMeJSON]()}, Staff: (*Server).apiStaffMe},
		{Method: "GET", Path: "/api/v1/staff/members", Auth: authStaff, Perm: staff.PermStaffManage,
			Responses: map[int]reflect.Type{200: typeOf[staffMemberListJSON]()}, Staff: (*Server).apiStaffMembers},
		{Method: "POST", Path: "/api/v1/staff/members", Auth: authStaff, Perm: staff.PermStaffManage, Request: typeOf[staffMemberRequest](),
			Responses: map[int]reflect.Type{201: typeOf[staffMemberCreatedJSON]()}, Staff: (*Server).apiStaffMemberCreate},
		{Method: "POST", Path: "/api/v1/staff/members/{id}/changes", Auth: authStaff, Perm: staff.PermStaffManage, Request: typeOf[staffMemberChangeRequest](),
			Responses: map[int]reflect.Type{200: typeOf[staffMemberChangedJSON]()}, Staff: (*Server).apiStaffMemberChange},
		// The operator's desk (issue 12 §3).
		{Method: "POST", Path: "/api/v1/staff/citizens/search", Auth: authStaff, Perm: staff.PermCitizensFind, Request: typeOf[citizenSearchRequest](),
			Responses: map[int]reflect.Type{200: typeOf[citizenCardJSON]()}, Staff: (*Server).apiCitizenSearch},
		{Method: "POST", Path: "/api/v1/staff/citizens/{id}/confirmation", Auth: authStaff, Perm: staff.PermIdentityConfirm, Request: typeOf[identityConfirmRequest](),
			Responses: map[int]reflect.Type{200: typeOf[citizenCardJSON]()}, Staff: (*Server).apiIdentityConfirm},
		{Method: "POST", Path: "/api/v1/staff/citizens", Auth: authStaff, Perm: staff.PermCitizensRegister, Request: typeOf[citizenRegisterRequest](),
			Responses: map[int]reflect.Type{201: typeOf[citizenCardJSON]()}, Staff: (*Server).apiCitizenRegister},
		{Method: "POST", Path: "/api/v1/staff/citizens/{id}/access", Auth: authStaff, Perm: staff.PermAccessRestore, Request: typeOf[accessRestoreRequest](),
			Responses: map[int]reflect.Type{200: typeOf[citizenCardJSON]()}, Staff: (*Server).apiAccessRestore},
		{Method: "POST", Path: "/api/v1/staff/centers", Auth: authStaff, Perm: staff.PermCentersManage, Request: typeOf[centerInputJSON](),
			Responses: map[int]reflect.Type{201: typeOf[staffCenterJSON]()}, Staff: (*Server).apiStaffCenterCreate},
		{Method: "PUT", Path: "/api/v1/staff/centers/{id}", Auth: authStaff, Perm: staff.PermCentersManage, Request: typeOf[centerInputJSON](),
			Responses: map[int]reflect.Type{200: typeOf[staffCenterJSON]()}, Staff: (*Server).apiStaffCenterUpdate},
		{Method: "POST", Path: "/api/v1/staff/centers/import", Auth: authStaff, Perm: staff.PermCentersManage,
			Responses: map[int]reflect.Type{200: typeOf[importReportJSON]()}, Staff: (*Server).apiStaffCentersImport},
		// The regions and localities administrators add (issue 14 §1).
		{Method: "POST", Path: "/api/v1/staff/places/regions", Auth: authStaff, Perm: staff.PermPlacesManage, Request: typeOf[placeRegionInputJSON](),
			Responses: map[int]reflect.Type{200: typeOf[placeRegionJSON]()}, Staff: (*Server).apiStaffPlaceRegionSave},
		{Method: "GET", Path: "/api/v1/staff/places/localities", Auth: authStaff, Perm: staff.PermPlacesManage,
			Responses: map[int]reflect.Type{200: typeOf[staffLocalityListJSON]()}, Staff: (*Server).apiStaffPlaceLocalities},
		{Method: "POST", Path: "/api/v1/staff/places/localities", Auth: authStaff, Perm: staff.PermPlacesManage, Request: typeOf[localityInputJSON](),
			Responses: map[int]reflect.Type{201: typeOf[staffLocalityJSON]()}, Staff: (*Server).apiStaffPlaceLocalityCreate},
		{Method: "PUT", Path: "/api/v1/staff/places/localities/{id}", Auth: authStaff, Perm: staff.PermPlacesManage, Request: typeOf[localityInputJSON](),
			Responses: map[int]reflect.Type{200: typeOf[staffLocalityJSON]()}, Staff: (*Server).apiStaffPlaceLocalityUpdate},
		{Method: "DELETE", Path: "/api/v1/staff/places/localities/{id}", Auth: authStaff, Perm: staff.PermPlacesManage,
			Responses: map[int]reflect.Type{204: nil}, Staff: (*Server).apiStaffPlaceLocalityRemove},
		{Method: "POST", Path: "/api/v1/staff/places/import", Auth: authStaff, Perm: staff.PermPlacesManage,
			Responses: map[int]reflect.Type{200: typeOf[placesImportJSON]()}, Staff: (*Server).apiStaffPlacesImport},
		{Method: "GET", Path: "/api/v1/staff/places/export", Auth: authStaff, Perm: staff.PermPlacesManage,
			Responses: map[int]reflect.Type{200: typeOf[csvFile]()}, Staff: (*Server).staffPlacesExport},
		{Method: "GET", Path: "/api/v1/staff/audit", Auth: authStaff, Perm: staff.PermAuditRead,
			Responses: map[int]reflect.Type{200: typeOf[auditPageJSON]()}, Staff: (*Server).apiStaffAudit},
		// «Подтверждение личности» (issue 13): the letter with a code.
		{Method: "GET", Path: "/api/v1/me/confirmation", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[myConfirmationJSON]()}, Handler: method((*Server).apiConfirmation)},
		{Method: "GET", Path: "/api/v1/me/confirmation/letter", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[letterStatusJSON]()}, Handler: method((*Server).apiLetter)},
		{Method: "POST", Path: "/api/v1/me/confirmation/letter", Auth: authSession, Request: typeOf[letterOrderRequest](),
			Responses: map[int]reflect.Type{201: typeOf[letterJSON]()}, Handler: method((*Server).apiLetterOrder)},
		{Method: "DELETE", Path: "/api/v1/me/confirmation/letter", Auth: authSession,
			Responses: map[int]reflect.Type{204: noBody}, Handler: method((*Server).apiLetterCancel)},
		{Method: "POST", Path: "/api/v1/me/confirmation/letter/code", Auth: authSession, Request: typeOf[letterCodeRequest](),
			Responses: map[int]reflect.Type{200: typeOf[myConfirmationJSON]()}, Handler: method((*Server).apiLetterCode)},
		{Method: "GET", Path: "/api/v1/me/confirmation/statement", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[statementJSON]()}, Handler: method((*Server).apiStatement)},
		{Method: "POST", Path: "/api/v1/me/confirmation/signature", Auth: authSession, Request: typeOf[signatureRequest](),
			Responses: map[int]reflect.Type{200: typeOf[signatureConfirmedJSON]()}, Handler: method((*Server).apiSignature)},
		// The administrators' trusted CAs and CRLs (issue 13 §2).
		{Method: "GET", Path: "/api/v1/staff/trust/cas", Auth: authStaff, Perm: staff.PermTrustManage,
			Responses: map[int]reflect.Type{200: typeOf[trustedCAListJSON]()}, Staff: (*Server).apiTrustCAs},
		{Method: "POST", Path: "/api/v1/staff/trust/cas", Auth: authStaff, Perm: staff.PermTrustManage, Request: typeOf[trustCARequest](),
			Responses: map[int]reflect.Type{201: typeOf[trustedCAJSON]()}, Staff: (*Server).apiTrustAddCA},
		{Method: "DELETE", Path: "/api/v1/staff/trust/cas/{id}", Auth: authStaff, Perm: staff.PermTrustManage,
			Responses: map[int]reflect.Type{204: noBody}, Staff: (*Server).apiTrustRemoveCA},
		{Method: "GET", Path: "/api/v1/staff/trust/crls", Auth: authStaff, Perm: staff.PermTrustManage,
			Responses: map[int]reflect.Type{200: typeOf[crlListJSON]()}, Staff: (*Server).apiTrustCRLs},
		{Method: "POST", Path: "/api/v1/staff/trust/crls", Auth: authStaff, Perm: staff.PermTrustManage,
			Responses: map[int]reflect.Type{201: typeOf[crlJSON]()}, Staff: (*Server).apiTrustUploadCRL},
		// The sites that sign citizens in through kabinet (issue 15 §4).
		{Method: "GET", Path: "/api/v1/staff/relying-parties", Auth: authStaff, Perm: staff.PermRPManage,
			Responses: map[int]reflect.Type{200: typeOf[relyingPartyListJSON]()}, Staff: (*Server).apiRelyingParties},
		{Method: "POST", Path: "/api/v1/staff/relying-parties", Auth: authStaff, Perm: staff.PermRPManage, Request: typeOf[relyingPartyRequest](),
			Responses: map[int]reflect.Type{201: typeOf[relyingPartyIssuedJSON]()}, Staff: (*Server).apiRelyingPartyRegister},
		{Method: "GET", Path: "/api/v1/staff/relying-parties/{id}", Auth: authStaff, Perm: staff.PermRPManage,
			Responses: map[int]reflect.Type{200: typeOf[relyingparty.Client]()}, Staff: (*Server).apiRelyingParty},
		{Method: "PUT", Path: "/api/v1/staff/relying-parties/{id}", Auth: authStaff, Perm: staff.PermRPManage, Request: typeOf[relyingPartyRequest](),
			Responses: map[int]reflect.Type{200: typeOf[relyingPartyIssuedJSON]()}, Staff: (*Server).apiRelyingPartyChange},
		{Method: "POST", Path: "/api/v1/staff/relying-parties/{id}/secret", Auth: authStaff, Perm: staff.PermRPManage,
			Responses: map[int]reflect.Type{200: typeOf[relyingPartySecretJSON]()}, Staff: (*Server).apiRelyingPartyRotate},
		{Method: "PUT", Path: "/api/v1/staff/relying-parties/{id}/status", Auth: authStaff, Perm: staff.PermRPManage, Request: typeOf[relyingPartyStatusRequest](),
			Responses: map[int]reflect.Type{200: typeOf[relyingparty.Client]()}, Staff: (*Server).apiRelyingPartyStatus},
		// The post operator's letters (issue 13 §1).
		{Method: "GET", Path: "/api/v1/staff/letters", Auth: authStaff, Perm: staff.PermLettersPrint,
			Responses: map[int]reflect.Type{200: typeOf[lettersJSON]()}, Staff: (*Server).apiStaffLetters},
		{Method: "POST", Path: "/api/v1/staff/letters/batches", Auth: authStaff, Perm: staff.PermLettersPrint, Request: typeOf[letterPrintRequest](),
			Responses: map[int]reflect.Type{201: typeOf[pdfFile]()}, Staff: (*Server).apiStaffLettersPrint},
		{Method: "GET", Path: "/api/v1/staff/letters/batches/{id}", Auth: authStaff, Perm: staff.PermLettersDispatch,
			Responses: map[int]reflect.Type{200: typeOf[letterBatchDetailJSON]()}, Staff: (*Server).apiStaffLetterBatch},
		{Method: "POST", Path: "/api/v1/staff/letters/batches/{id}/reprint", Auth: authStaff, Perm: staff.PermLettersPrint,
			Responses: map[int]reflect.Type{200: typeOf[pdfFile]()}, Staff: (*Server).apiStaffLettersReprint},
		{Method: "POST", Path: "/api/v1/staff/letters/batches/{id}/sent", Auth: authStaff, Perm: staff.PermLettersDispatch,
			Responses: map[int]reflect.Type{200: typeOf[letterBatchJSON]()}, Staff: (*Server).apiStaffLettersSent},
		{Method: "GET", Path: "/api/v1/staff/letters/batches/{id}/register", Auth: authStaff, Perm: staff.PermLettersDispatch,
			Responses: map[int]reflect.Type{200: typeOf[letterRegisterJSON]()}, Staff: (*Server).apiStaffLettersRegister},
		{Method: "POST", Path: "/api/v1/staff/letters/{id}/returned", Auth: authStaff, Perm: staff.PermLettersDispatch,
			Responses: map[int]reflect.Type{200: typeOf[staffLetterJSON]()}, Staff: (*Server).apiStaffLetterReturned},
		// The catalog editors (issue 14 §2).
		{Method: "GET", Path: "/api/v1/staff/catalog/services", Auth: authStaff, Perm: staff.PermCatalogManage,
			Responses: map[int]reflect.Type{200: typeOf[staffServiceListJSON]()}, Staff: (*Server).apiStaffCatalogServices},
		{Method: "GET", Path: "/api/v1/staff/catalog/services/{id}", Auth: authStaff, Perm: staff.PermCatalogManage,
			Responses: map[int]reflect.Type{200: typeOf[staffServiceJSON]()}, Staff: (*Server).apiStaffCatalogService},
		{Method: "PUT", Path: "/api/v1/staff/catalog/services/{id}/draft", Auth: authStaff, Perm: staff.PermCatalogManage, Request: typeOf[catalog.Service](),
			Responses: map[int]reflect.Type{200: typeOf[staffServiceJSON]()}, Staff: (*Server).apiStaffCatalogDraft},
		{Method: "DELETE", Path: "/api/v1/staff/catalog/services/{id}/draft", Auth: authStaff, Perm: staff.PermCatalogManage,
			Responses: map[int]reflect.Type{204: noBody}, Staff: (*Server).apiStaffCatalogDiscard},
		{Method: "POST", Path: "/api/v1/staff/catalog/services/{id}/publish", Auth: authStaff, Perm: staff.PermCatalogManage,
			Responses: map[int]reflect.Type{200: typeOf[staffServiceJSON]()}, Staff: (*Server).apiStaffCatalogPublish},
		{Method: "POST", Path: "/api/v1/staff/catalog/import", Auth: authStaff, Perm: staff.PermCatalogManage,
			Responses: map[int]reflect.Type{200: typeOf[catalogImportJSON]()}, Staff: (*Server).apiStaffCatalogImport},
		{Method: "GET", Path: "/api/v1/staff/catalog/export", Auth: authStaff, Perm: staff.PermCatalogManage,
			Responses: map[int]reflect.Type{200: typeOf[catalog.Document]()}, Staff: (*Server).apiStaffCatalogExport},
		{Method: "GET", Path: "/api/v1/me/data-access", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[accessListJSON]()}, Handler: method((*Server).apiDataAccess)},
		{Method: "GET", Path: "/api/v1/me/permissions", Auth: authSession,
			Responses: map[int]reflect.Type{200: typeOf[permissionListJSON]()}, Handler: method((*Server).apiPermissions)},
		{Method: "DELETE", Path: "/api/v1/me/permissions/{client_id}", Auth: authSession,
			Responses: map[int]reflect.Type{204: noBody}, Handler: method((*Server).apiPermissionWithdraw)},
		{Method: "GET", Path: "/api/v1/centers", Responses: map[int]reflect.Type{200: typeOf[centerListJSON]()}, Handler: method((*Server).apiCenters)},
		{Method: "GET", Path: "/api/v1/centers/{id}", Responses: map[int]reflect.Type{200: typeOf[centerJSON]()}, Handler: method((*Server).apiCenter)},
	}
}

// apiRoutes mounts the route table, wrapping the routes that need a
// session in apiAuth.
func (s *Server) apiRoutes(mux *http.ServeMux) {
	for _, rt := range apiRouteTable() {
		var h http.HandlerFunc
		switch rt.Auth {
		case authStaff:
			h = s.staffAPI(rt.Perm, func(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) { rt.Staff(s, w, r, a, g) })
		case authSession:
			h = s.apiAuth(rt.Handler(s))
		default:
			h = rt.Handler(s)
		}
		mux.HandleFunc(rt.Method+" "+rt.Path, h)
	}
}

// The API's request bodies and responses that have no other home. (Flows,
// accounts, sessions and tokens are in api.go, the current session's timing
// in sessiontime.go, the error document in errors.go.)

// registrationRequest starts a registration: exactly one of Phone and
// Email.
type registrationRequest struct {
	Surname     string  `json:"surname"`
	Name        string  `json:"name"`
	Phone       *string `json:"phone"`
	Email       *string `json:"email"`
	AcceptTerms bool    `json:"accept_terms"`
}

type signInRequest struct {
	Login       string `json:"login"`
	Password    string `json:"password"`
	DeviceToken string `json:"device_token"`
}

type signInCodeRequest struct {
	Code string `json:"code"` // sign-in codes are typed, never linked
}

type recoveryRequest struct {
	Login string `json:"login"`
}

type strengthRequest struct {
	Password string   `json:"password"`
	Inputs   []string `json:"inputs"`
}

// secondStepJSON is a right password's answer when a code must follow.
type secondStepJSON struct {
	flowJSON
	SecondStep bool `json:"second_step"`
}

// recoveryTokenJSON is the new session after a recovery.
type recoveryTokenJSON struct {
	tokenJSON
	EndedSessions int `json:"ended_sessions"`
}

type sessionListJSON struct {
	Sessions []sessionJSON `json:"sessions"`
}

// signInJSON is one entry of the sign-in history.
type signInJSON struct {
	At        time.Time `json:"at"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Method    string    `json:"method"`
	Outcome   string    `json:"outcome"`
}

type signInListJSON struct {
	SignIns []signInJSON `json:"sign_ins"`
}

type endedJSON struct {
	Ended int `json:"ended"`
}

// strengthJSON is the strength meter's verdict.
type strengthJSON struct {
	Score     int      `json:"score"`
	Level     string   `json:"level"`
	Label     string   `json:"label"`
	Common    bool     `json:"common"`
	Error     string   `json:"error,omitempty"`      // the rule the password breaks, if any
	ErrorCode string   `json:"error_code,omitempty"` // its message ID
	Hints     []string `json:"hints"`
	HintCodes []string `json:"hint_codes"`
	Accepts   bool     `json:"accepted"` // the password step would accept it
}
