// Package document owns the rules for a citizen's document numbers as they
// are typed into forms: SNILS, the Russian passport (series, number, date of
// issue, issuing office, division code, and when the law requires its
// replacement), the INN of a person and the OMS policy's single number.
// Parsers accept every written form people use (spaces, dashes) and return
// the canonical value or a problem.Message saying what to fix;
// NormalizePassport checks a passport as a whole and returns a problem.Error
// with one message per field. The IDs are translated from
// internal/i18n/locales/document.*.toml.
//
// document is a domain package: it imports person, problem and the standard
// library. It imports no HTTP server and no SQL.
package document
