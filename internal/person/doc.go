// Package person owns the rules for a citizen's personal data as it is
// typed into forms: surname, given name and patronymic now; SNILS, passport
// and the other document numbers will join them here. Each validator takes
// what the person typed and returns the canonical value or a
// problem.Message explaining what to fix; the IDs are translated from
// internal/i18n/locales/person.*.toml.
//
// person is a domain package: it imports problem, the standard library and
// golang.org/x/text. It imports no HTTP server and no SQL.
package person
