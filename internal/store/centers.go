package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kabinet/kabinet/internal/centers"
)

// Centers is the storage of the service-center directory
// (internal/centers), with the audit log. The search runs in SQL on both
// engines: a prefix of the folded locality is a range of locality_key
// (byte order: the C collation on PostgreSQL), the localities one typo
// away share a term of center_locality_variants with the query
// (centers.TypoTerms), and the page is ordered and counted by the
// database, in one statement.
type Centers struct {
	transactions
	*AuditLog
}

// Centers returns the directory's repository.
func (s *Store) Centers() *Centers {
	return &Centers{transactions: transactions{st: s}, AuditLog: s.AuditLog()}
}

var _ centers.Store = (*Centers)(nil)

const centerColumns = `id, name, type, region, locality, address, lat, lon, phone, hours, services, active, created_at, updated_at`

// Center returns the center with the ID, active or not.
func (x *Centers) Center(ctx context.Context, id string) (centers.Center, bool, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT `+centerColumns+` FROM centers WHERE id = ?`, id)
	if err != nil {
		return centers.Center{}, false, fmt.Errorf("store: center: %w", err)
	}
	cs, err := scanCenters(rows, nil, 1)
	if err != nil || len(cs) == 0 {
		return centers.Center{}, false, err
	}
	return cs[0], true, nil
}

// SaveCenter inserts the center or replaces the one with its ID; a
// locality not seen before gets its variants for the typo search.
func (x *Centers) SaveCenter(ctx context.Context, c centers.Center) error {
	key := centers.Fold(c.Locality)
	var lat, lon any
	if c.HasCoords {
		lat, lon = c.Lat, c.Lon
	}
	active := 0
	if c.Active {
		active = 1
	}
	return x.transactions.st.Transact(ctx, func(ctx context.Context) error {
		if _, err := x.transactions.st.exec(ctx, `INSERT INTO centers (`+centerColumns+`, locality_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type, region = excluded.region, locality = excluded.locality,
			address = excluded.address, lat = excluded.lat, lon = excluded.lon, phone = excluded.phone, hours = excluded.hours,
			services = excluded.services, active = excluded.active, created_at = excluded.created_at, updated_at = excluded.updated_at,
			locality_key = excluded.locality_key`,
			c.ID, c.Name, string(c.Type), c.Region, c.Locality, c.Address, lat, lon, c.Phone, c.Hours.String(),
			int64(centers.SetOf(c.Services)), active, ms(c.CreatedAt), ms(c.UpdatedAt), key); err != nil {
			return fmt.Errorf("store: save center: %w", err)
		}
		return x.transactions.st.indexLocality(ctx, key)
	})
}

// indexLocality adds a folded locality not seen before to the typo index
// (centers.TypoTerms); one already there is left alone.
func (s *Store) indexLocality(ctx context.Context, key string) error {
	res, err := s.exec(ctx, `INSERT INTO center_localities (locality_key) VALUES (?) ON CONFLICT DO NOTHING`, key)
	if err != nil {
		return fmt.Errorf("store: save center locality: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	for _, t := range centers.TypoTerms(key) {
		if _, err := s.exec(ctx, `INSERT INTO center_locality_variants (variant, locality_key) VALUES (?, ?) ON CONFLICT DO NOTHING`, t, key); err != nil {
			return fmt.Errorf("store: save center locality term: %w", err)
		}
	}
	return nil
}

// indexLocalities indexes the localities of centers that are not in the
// typo index: after migration 0016 changed the terms, every one.
func (s *Store) indexLocalities(ctx context.Context) error {
	rows, err := s.query(ctx, `SELECT DISTINCT locality_key FROM centers c
		WHERE NOT EXISTS (SELECT 1 FROM center_localities l WHERE l.locality_key = c.locality_key)`)
	if err != nil {
		return fmt.Errorf("store: unindexed localities: %w", err)
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(keys) == 0 {
		return err
	}
	return s.Transact(ctx, func(ctx context.Context) error {
		for _, k := range keys {
			if err := s.indexLocality(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// inList is a condition "column is one of a list of strings" with the
// list bound as one parameter (listArg): one statement whatever the
// list's length, so that SQLite's statement cache stays small, and one
// that each engine answers from the column's index — PostgreSQL plans a
// set-returning function as a hash join over the whole table, but "=
// ANY(array)" as an index scan.
func (x *Centers) inList(column string) string {
	if x.transactions.st.dialect == Postgres {
		return column + ` = ANY(CAST(? AS text[]))`
	}
	return column + ` IN (SELECT value FROM json_each(?))`
}

// inQuery is a condition "column is one of what a subquery returns" that
// each engine answers from the column's index: PostgreSQL may plan "IN
// (subquery)" as a hash join over the whole table (it does on a table not
// yet analyzed), but computes "= ANY(ARRAY(subquery))" first and scans the
// index for its values.
func (x *Centers) inQuery(column, subquery string) string {
	if x.transactions.st.dialect == Postgres {
		return column + ` = ANY(ARRAY(` + subquery + `))`
	}
	return column + ` IN (` + subquery + `)`
}

// arrayQuote escapes an element of a PostgreSQL array literal.
var arrayQuote = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// listArg is a list of strings as inList binds it: a PostgreSQL array
// literal, or a JSON array for SQLite.
func (x *Centers) listArg(list []string) (string, error) {
	if x.transactions.st.dialect == Postgres {
		var b strings.Builder
		b.WriteByte('{')
		for i, v := range list {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('"')
			b.WriteString(arrayQuote.Replace(v))
			b.WriteByte('"')
		}
		b.WriteByte('}')
		return b.String(), nil
	}
	j, err := json.Marshal(list)
	return string(j), err
}

// prefixEnd is past every string starting with a prefix, in byte order:
// U+10FFFF is the largest code point and its UTF-8 the largest bytes.
const prefixEnd = "\U0010FFFF"

// SearchCenters returns a page of the matching centers (active ones unless
// IncludeInactive) and how many match in all, in one statement. A search
// has one or two parts: the localities starting with Key (all of them
// when Key is empty) and those one typo from it. Each part reads its
// first Offset+Limit rows in the order of an index (locality, name, ID,
// with active and services: the filters) and stops; the exact locality
// needs no rank of its own, as the smallest key of its prefix's range it
// comes first. The page is cut from the parts and only its rows are read
// from the table; the total counts each part on the index, which is
// cheaper than ranking every match.
func (x *Centers) SearchCenters(ctx context.Context, f centers.Filter) ([]centers.Center, int, error) {
	filters := "active = 1"
	if f.IncludeInactive {
		filters = "active IN (0, 1)" // the indexes' order still serves
	}
	var fargs []any
	if f.Region != "" {
		filters, fargs = filters+" AND region = ?", append(fargs, f.Region)
	}
	if f.Service != 0 {
		filters, fargs = filters+" AND (services & ?) <> 0", append(fargs, int64(f.Service))
	}
	type part struct {
		where string
		args  []any
	}
	parts := []part{{filters, fargs}}
	with, withArgs := "", []any(nil)
	if f.Key != "" {
		end := f.Key + prefixEnd
		parts[0] = part{filters + " AND locality_key >= ? AND locality_key < ?", append(slices.Clip(fargs), f.Key, end)}
		if len(f.Probes) > 0 {
			list, err := x.listArg(f.Probes)
			if err != nil {
				return nil, 0, err
			}
			// The localities one typo away, less those starting with Key
			// (the first part's), looked up once for the page and the count.
			with = `WITH typos AS (SELECT locality_key FROM center_locality_variants WHERE ` + x.inList("variant") + `
				AND (locality_key < ? OR locality_key >= ?)) `
			withArgs = []any{list, f.Key, end}
			parts = append(parts, part{filters + " AND " + x.inQuery("locality_key", `SELECT locality_key FROM typos`), fargs})
		}
	}
	var counts, pages []string
	var countArgs, pageArgs []any
	for i, p := range parts {
		counts = append(counts, `(SELECT COUNT(*) FROM centers WHERE `+p.where+`)`)
		countArgs = append(countArgs, p.args...)
		pages = append(pages, fmt.Sprintf(`SELECT * FROM (SELECT id, locality_key, name, %d AS part FROM centers WHERE %s
			ORDER BY locality_key, name, id LIMIT ?) AS part%d`, i, p.where, i))
		pageArgs = append(append(pageArgs, p.args...), f.Offset+f.Limit)
	}
	total := strings.Join(counts, " + ")
	q := with + `SELECT ` + prefixed("c.", centerColumns) + `, ` + total + ` FROM (
			SELECT id, part, locality_key, name FROM (` + strings.Join(pages, " UNION ALL ") + `) AS parts
			ORDER BY part, locality_key, name, id LIMIT ? OFFSET ?
		) AS page JOIN centers c ON c.id = page.id
		ORDER BY page.part, page.locality_key, page.name, page.id`
	countArgs = append(slices.Clip(withArgs), countArgs...)
	args := append(append(slices.Clip(countArgs), pageArgs...), f.Limit, f.Offset)
	rows, err := x.transactions.st.query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("store: search centers: %w", err)
	}
	n := 0
	cs, err := scanCenters(rows, &n, f.Limit)
	if err != nil {
		return nil, 0, err
	}
	if len(cs) == 0 && f.Offset > 0 { // past the last page: count apart
		if err := x.transactions.st.queryRow(ctx, with+`SELECT `+total, countArgs...).Scan(&n); err != nil {
			return nil, 0, fmt.Errorf("store: count centers: %w", err)
		}
	}
	return cs, n, nil
}

// prefixed puts a table's alias before each of a list of columns.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ", ")
	for i, c := range parts {
		parts[i] = alias + c
	}
	return strings.Join(parts, ", ")
}

// scanCenters reads rows of centerColumns, and then the total when total
// is not nil; size is how many rows are expected at most.
func scanCenters(rows *sql.Rows, total *int, size int) ([]centers.Center, error) {
	defer rows.Close()
	out := make([]centers.Center, 0, size)
	for rows.Next() {
		var c centers.Center
		var typ, hours string
		var lat, lon sql.NullFloat64
		var services int64
		var active int
		var created, updated sql.NullInt64
		dest := []any{&c.ID, &c.Name, &typ, &c.Region, &c.Locality, &c.Address, &lat, &lon, &c.Phone, &hours, &services, &active, &created, &updated}
		if total != nil {
			dest = append(dest, total)
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: center: %w", err)
		}
		h, err := parsedHours(hours)
		if err != nil {
			return nil, fmt.Errorf("store: center %s: hours %q: %w", c.ID, hours, err)
		}
		c.Type, c.Hours, c.Services, c.Active = centers.Type(typ), h, centers.Set(services).List(), active != 0
		c.Lat, c.Lon, c.HasCoords = lat.Float64, lon.Float64, lat.Valid && lon.Valid
		c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return out, nil
}

// hoursCache keeps the hours' text forms already read: a few hundred
// distinct forms serve most centers, and reading one is a good part of a
// search's own work. A text always reads to the same hours, so the cache
// is exact; it stops growing at maxHoursCached forms.
var (
	hoursCache  sync.Map // string → centers.Hours
	hoursCached atomic.Int64
)

const maxHoursCached = 4096

func parsedHours(text string) (centers.Hours, error) {
	if text == "" {
		return centers.Hours{}, nil
	}
	if v, ok := hoursCache.Load(text); ok {
		return cloneHours(v.(centers.Hours)), nil
	}
	h, err := centers.ParseHours(text)
	if err != nil {
		return h, err
	}
	if hoursCached.Load() < maxHoursCached {
		if _, loaded := hoursCache.LoadOrStore(text, h); !loaded {
			hoursCached.Add(1)
		}
	}
	return cloneHours(h), nil
}

// cloneHours copies the breaks, so that no two centers share them.
func cloneHours(h centers.Hours) centers.Hours {
	for i := range h {
		h[i].Breaks = slices.Clone(h[i].Breaks)
	}
	return h
}
