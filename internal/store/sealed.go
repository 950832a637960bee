package store

import (
	"fmt"
	"strings"
)

// SealedColumn is a column whose values are sealed with the pii key ring,
// each bound to the context "table.column/<the row's key>"; Indexes are the
// columns holding blind indexes of (parts of) the opened value: one value
// may feed several (personal data's SNILS and passport).
type SealedColumn struct {
	Table, Key, Column string
	Indexes            []BlindIndex
}

// BlindIndex is a column holding the blind index (of Kind) of a sealed
// value or of a part of it.
type BlindIndex struct {
	Column, Kind string
	// Of picks the indexed value out of the opened value when the sealed
	// column holds more than it (personal data as one JSON value); nil
	// indexes the whole value. "" stores NULL.
	Of func(plaintext []byte) string
}

// indexed is the value the blind index is of.
func (b BlindIndex) indexed(pt []byte) string {
	if b.Of != nil {
		return b.Of(pt)
	}
	return string(pt)
}

// sealedColumns lists every sealed column: what the store seals and opens
// (through seal and open below) and what `kabinet rekey` re-seals and
// re-indexes. A new sealed column is one line here; TestSealedColumnsListed
// fails for a binary column in neither this list nor notSealed.
var sealedColumns = []SealedColumn{
	{Table: "accounts", Key: "id", Column: "surname"},
	{Table: "accounts", Key: "id", Column: "name"},
	{Table: "accounts", Key: "id", Column: "phone", Indexes: []BlindIndex{{Column: "phone_index", Kind: "phone"}}},
	{Table: "accounts", Key: "id", Column: "email", Indexes: []BlindIndex{{Column: "email_index", Kind: "email"}}},
	{Table: "accounts", Key: "id", Column: "locality"},
	{Table: "flows", Key: "id", Column: "destination"},
	{Table: "flows", Key: "id", Column: "data"},
	{Table: "notifications", Key: "id", Column: "recipient"},
	{Table: "notifications", Key: "id", Column: "subject"},
	{Table: "notifications", Key: "id", Column: "body"},
	{Table: "notifications", Key: "id", Column: "html"},
	{Table: "contact_undos", Key: "id", Column: "old_value"},
	{Table: "personal_data", Key: "account_id", Column: "data", Indexes: []BlindIndex{
		{Column: "snils_index", Kind: "snils", Of: sealedSNILS},
		{Column: "passport_index", Kind: "passport", Of: sealedPassport},
	}},
	{Table: "verifications", Key: "id", Column: "data"},
	{Table: "additional_data", Key: "account_id", Column: "data"},
	{Table: "staff", Key: "id", Column: "name"},
	{Table: "staff", Key: "id", Column: "totp_secret"},
	{Table: "letters", Key: "id", Column: "recipient"},
	{Table: "letters", Key: "id", Column: "address"},
	{Table: "signature_statements", Key: "id", Column: "person"},
	{Table: "sso_keys", Key: "id", Column: "private_key"},
}

// notSealed are the binary columns that hold no personal data in clear and
// are not sealed, with the reason; a rotation leaves them as they are.
var notSealed = map[string]string{
	"flows.binding":                 "SHA-256 of the browser's binding cookie",
	"flows.code_hash":               "keyed hash of a code (otp): checked under the old keys too until it expires",
	"flows.link_hash":               "keyed hash of a link token (otp), likewise",
	"contact_undos.token_hash":      "keyed hash of an undo link's token (otp), likewise",
	"sessions.token_hash":           "SHA-256 of the session token (no key)",
	"staff_sessions.token_hash":     "SHA-256 of the staff session token (no key)",
	"rate_counts.key":               "keyed hash of a throttle subject: old keys' counts still count until their window ends",
	"rate_logs.key":                 "keyed hash of a throttle subject, likewise",
	"login_guards.key":              "keyed hash of a login: a guard under an old key moves to the current one when the login is next tried",
	"letters.code_hash":             "keyed hash of a letter's code (otp): checked under the old keys too until it expires",
	"trusted_cas.der":               "a CA's certificate: public",
	"crls.der":                      "a CA's certificate revocation list: public",
	"relying_parties.secret_hash":   "SHA-256 of a site's 256-bit secret (no key)",
	"sso_codes.code_hash":           "SHA-256 of an authorization code (no key)",
	"sso_refresh_tokens.token_hash": "SHA-256 of a refresh token (no key)",
}

// SealedColumns returns the list of sealed columns, in the order rekey
// walks them.
func SealedColumns() []SealedColumn { return append([]SealedColumn(nil), sealedColumns...) }

var sealedByName = func() map[string]SealedColumn {
	m := make(map[string]SealedColumn, len(sealedColumns))
	for _, c := range sealedColumns {
		m[c.Table+"."+c.Column] = c
	}
	return m
}()

// sealedColumn returns a listed column; an unlisted one is a programming
// error that any test touching it reveals.
func sealedColumn(table, column string) SealedColumn {
	c, ok := sealedByName[table+"."+column]
	if !ok {
		panic(fmt.Sprintf("store: %s.%s is not in sealedColumns", table, column))
	}
	return c
}

// context is the associated data binding a value to its column and row.
func (c SealedColumn) context(key string) string { return c.Table + "." + c.Column + "/" + key }

// seal seals a text value for table.column in the row key ("" seals to nil:
// NULL).
func (s *Store) seal(table, column, key, v string) []byte {
	return s.keys.SealString(v, sealedColumn(table, column).context(key))
}

// unseal opens what seal sealed (nil opens to "").
func (s *Store) unseal(table, column, key string, ct []byte) (string, error) {
	return s.keys.OpenString(ct, sealedColumn(table, column).context(key))
}

// blindIndex is the blind index of a phone number or an e-mail address
// under the current master secret, NULL for none: what a row stores.
func (s *Store) blindIndex(kind, v string) any {
	if v == "" {
		return nil
	}
	return s.keys.Index(kind, v)
}

// indexMatch is the condition and arguments that find a value by its blind
// index in column: under the current master secret and, while a rotation
// is under way, under the old ones, whose indexes rows not yet rekeyed
// still carry.
func (s *Store) indexMatch(column, kind, v string) (string, []any) {
	idx := s.keys.Indexes(kind, v)
	args := make([]any, len(idx))
	for i, x := range idx {
		args[i] = x
	}
	if len(args) == 1 {
		return column + " = ?", args
	}
	return column + " IN (?" + strings.Repeat(",?", len(args)-1) + ")", args
}
