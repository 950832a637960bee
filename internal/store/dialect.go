package store

import (
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect is a database engine. The differences between the two that the
// store cares about are all in this file:
//   - placeholders: queries are written with ?, PostgreSQL gets $1, $2, …;
//   - binary columns: BLOB and BYTEA, both scanned into []byte;
//   - identity columns: AUTOINCREMENT and GENERATED ALWAYS AS IDENTITY
//     (only in the migrations);
//   - unique violations: SQLite extended code 2067, PostgreSQL SQLSTATE 23505.
//
// Times are Unix milliseconds in integer columns on both engines.
type Dialect int

const (
	SQLite Dialect = iota
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

// rebindDollar turns ? placeholders into $1, $2, … outside string literals.
// Queries in this package never contain ? in other positions.
func rebindDollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	inString := false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			inString = !inString
			b.WriteByte(c)
		case c == '?' && !inString:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isUnique reports whether err is a unique-constraint violation, and on
// which constraint or column when the engine says.
func isUnique(err error) (bool, string) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505", pg.ConstraintName
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		if se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
			return true, se.Error()
		}
	}
	return false, ""
}
