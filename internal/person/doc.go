// Package person owns the rules for the part of a citizen's personal data
// that describes the person, as it is typed into forms: surname, given name
// and patronymic (with «Нет отчества»), gender, dates and the date of
// birth, place of birth and citizenship. Each validator takes what the
// person typed and returns the canonical value or a problem.Message
// explaining what to fix; NormalizeIdentity checks them together and
// returns a problem.Error with one message per field. The IDs are translated
// from internal/i18n/locales/person.*.toml. Identity documents (passport,
// SNILS, INN, OMS) are in package document, addresses in package address.
//
// person is a domain package: it imports problem, the standard library and
// golang.org/x/text. It imports no HTTP server and no SQL.
package person
