// Package contact owns the ways a citizen can be reached and can sign in:
// mobile phone numbers, e-mail addresses and the login that is one or the
// other. It parses what people type into one canonical form (E.164 for
// phones, a lower-cased address with a Unicode domain for e-mail), so that
// the same contact is always stored and compared the same way, and it masks
// contacts for pages and logs.
//
// Validators return a problem.Message as their error; the IDs are translated
// from internal/i18n/locales/contact.*.toml.
//
// contact is a domain package: it imports problem, the standard library,
// github.com/nyaruka/phonenumbers and golang.org/x/net/idna (for domain
// names only). It imports no HTTP server and no SQL.
package contact
