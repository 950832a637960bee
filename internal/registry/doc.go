// Package registry is what kabinet asks the state registries and the typed
// answers it gets back: the Social Fund (does this SNILS belong to this
// person?), the Ministry of Internal Affairs (is this passport valid, and
// is it this person's?) and the Tax Service (what is this person's INN?).
//
// Callers depend on the small interfaces here (SocialFund, Interior, Tax,
// or all three as Registries); adapters implement them: registry/httpclient
// over HTTP against the registry simulator (internal/registrysim), and later
// a real connection (SMEV) the same way, without touching the callers.
//
// An answer is a result, never an error: "does not match" and "document
// invalid" are answers. Errors say only that no answer came, and callers
// tell the two kinds apart with errors.Is: ErrTemporary (timeout, 5xx,
// outage: ask again later) and ErrPermanent (the registry refused the
// request as malformed: asking again will not help).
//
// registry is a domain package: it imports only the standard library, and
// no HTTP.
package registry
