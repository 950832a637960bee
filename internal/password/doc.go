// Package password owns citizens' passwords: the rule a new password must
// follow (CheckRule), how guessable it is and what would improve it
// (Strength, with zxcvbn, Russian keyboard layouts and a blocklist of our
// own), the whole check of a new-password form (Validate), and storing and
// checking passwords as argon2id hashes in PHC format (Hasher).
//
// Validators return problem.Message values and problem.Fields errors whose
// IDs are translated from internal/i18n/locales/password.*.toml.
//
// password is a domain package: it imports problem, the standard library,
// golang.org/x/crypto/argon2 and github.com/trustelem/zxcvbn. It imports no
// HTTP server and no SQL; it does not know where hashes are stored.
package password
