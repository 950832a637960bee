package i18n

import "strings"

// Web is the area of page wording: every message no package claims.
const Web = "web"

// owners names the package that owns the messages under each ID prefix.
// A prefix covers whole dot-separated segments ("code" covers "code.used",
// not "codex"), and the longest prefix wins, so a package can own a
// namespace while the pages keep a few IDs in it ("code.label").
//
// A package's messages live in locales/<package>.ru.toml and .en.toml, its
// area; the pages' in web.*.toml. Message IDs are the API's error codes, so
// they keep their names when they move: the prefix names the package or
// the thing it owns (contact owns "phone", "email" and "login").
var owners = map[string]string{
	"form.invalid": "problem", "field": "problem",

	"phone": "contact", "email": "contact", "login": "contact",
	"name": "person", "patronymic": "person", "gender": "person", "date": "person", "birth_date": "person",
	"birth_place": "person", "citizenship": "person",
	"snils": "document", "passport": "document", "division_code": "document", "inn": "document", "oms": "document",
	"address":  "address",
	"password": "password", "password_confirmation": "password", "server.busy": "password",
	"code.required": "otp", "code.format": "otp",
	"flow": "flow", "link": "flow", "code": "flow",
	"session":      "session",
	"account":      "account",
	"notification": "notify",
	"export":       "export",

	"signin.wrong": "lockout", "signin.wrong_left": "lockout", "signin.locked": "lockout", "signin.suspended": "lockout",
	"signin":       "signin",
	"registration": "registration", "terms.required": "registration", "recovery.snils": "recovery",
	"credential":    "credential",
	"deletion":      "deletion",
	"contacts.same": "contactchange", "contacts.taken": "contactchange", "contacts.one_channel": "contactchange",
	"reauth": "contactchange", "undo": "contactchange",
	"verification": "profile", "personal_data": "profile", "document.type_unknown": "profile", "citizenship.passport_rf": "profile",
	"additional_data": "extras",
	"staff":           "staff",
	"desk":            "desk",
	"letter":          "letter",
	"catalog":         "catalog",
	"region":          "region",
	"signature":       "signature",
	"trust":           "signature",
	"audit":           "audit",
	"center":          "centers",
	"gazetteer":       "gazetteer",
	"relyingparty":    "relyingparty",
	"sso":             "sso",

	// Page wording under a package's prefix: the code, password, link,
	// account and sign-in pages are named after what they show.
	"code.label": Web, "code.pending": Web, "code.sent_sms": Web, "code.sent_email": Web, "code.sent_email_code": Web, "code.valid_until": Web,
	"code.submit": Web, "code.resend": Web, "code.resend_at": Web, "code.resend_countdown": Web, "code.start_again": Web,
	"password.title": Web, "password.lead": Web, "password.rule": Web, "password.recommend": Web,
	"password.label": Web, "password.confirm": Web, "password.submit": Web,
	"link.title": Web, "link.heading": Web, "link.lead": Web, "link.submit": Web,
	"account.title": Web, "account.level": Web, "account.phone": Web, "account.email": Web,
	"account.created": Web, "account.next": Web, "account.security": Web,
	"signin.title": Web, "signin.heading": Web, "signin.login": Web, "signin.password": Web,
	"signin.submit": Web, "signin.forgot": Web, "signin.no_account": Web, "signin.code": Web,
}

// Area returns the area (the owning package) of a message ID: the package
// of its longest owned prefix, or Web for page wording.
func Area(id string) string {
	for p := id; ; {
		if a, ok := owners[p]; ok {
			return a
		}
		i := strings.LastIndexByte(p, '.')
		if i < 0 {
			return Web
		}
		p = p[:i]
	}
}
