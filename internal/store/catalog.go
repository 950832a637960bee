package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/problem"
)

// Catalog is the storage of the service catalog (internal/catalog), with
// the audit log. A service is its JSON record (doc published, draft not);
// the search matches the Go-computed terms — FTS5 on SQLite, tsvectors
// of the 'simple' configuration under GIN on PostgreSQL (catalog_search,
// migration 0022) — so the two engines match alike. The filters are words
// of the same index (searchFacets). Neither engine ranks: Match hands the
// first matches in a cheap order to the catalog, which ranks them by the
// title, keywords and short description its lexicon holds (Vocabulary).
type Catalog struct {
	transactions
	*AuditLog
}

// Catalog returns the catalog's repository.
func (s *Store) Catalog() *Catalog {
	return &Catalog{transactions: transactions{st: s}, AuditLog: s.AuditLog()}
}

var _ catalog.Store = (*Catalog)(nil)

// Categories returns the categories in their order.
func (x *Catalog) Categories(ctx context.Context) ([]catalog.Category, error) {
	return x.categories(ctx, ``)
}

// Category returns the category with the ID.
func (x *Catalog) Category(ctx context.Context, id string) (catalog.Category, bool, error) {
	cs, err := x.categories(ctx, ` WHERE id = ?`, id)
	if err != nil || len(cs) == 0 {
		return catalog.Category{}, false, err
	}
	return cs[0], true, nil
}

func (x *Catalog) categories(ctx context.Context, where string, args ...any) ([]catalog.Category, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT id, icon, ord, title_ru, title_en FROM catalog_categories`+where+` ORDER BY ord, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: categories: %w", err)
	}
	defer rows.Close()
	var out []catalog.Category
	for rows.Next() {
		var c catalog.Category
		if err := rows.Scan(&c.ID, &c.Icon, &c.Order, &c.Title.RU, &c.Title.EN); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveCategory inserts or replaces a category.
func (x *Catalog) SaveCategory(ctx context.Context, c catalog.Category) error {
	_, err := x.transactions.st.exec(ctx, `INSERT INTO catalog_categories (id, icon, ord, title_ru, title_en) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET icon = excluded.icon, ord = excluded.ord, title_ru = excluded.title_ru, title_en = excluded.title_en`,
		c.ID, c.Icon, c.Order, c.Title.RU, c.Title.EN)
	if err != nil {
		return fmt.Errorf("store: save category: %w", err)
	}
	return nil
}

// Agencies returns the agencies by ID.
func (x *Catalog) Agencies(ctx context.Context) ([]catalog.Agency, error) {
	return x.agencies(ctx, ``)
}

// Agency returns the agency with the ID.
func (x *Catalog) Agency(ctx context.Context, id string) (catalog.Agency, bool, error) {
	as, err := x.agencies(ctx, ` WHERE id = ?`, id)
	if err != nil || len(as) == 0 {
		return catalog.Agency{}, false, err
	}
	return as[0], true, nil
}

func (x *Catalog) agencies(ctx context.Context, where string, args ...any) ([]catalog.Agency, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT id, level, region, name_ru, name_en FROM catalog_agencies`+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: agencies: %w", err)
	}
	defer rows.Close()
	var out []catalog.Agency
	for rows.Next() {
		var a catalog.Agency
		var level string
		if err := rows.Scan(&a.ID, &level, &a.Region, &a.Name.RU, &a.Name.EN); err != nil {
			return nil, err
		}
		a.Level = catalog.AgencyLevel(level)
		out = append(out, a)
	}
	return out, rows.Err()
}

// SaveAgency inserts or replaces an agency.
func (x *Catalog) SaveAgency(ctx context.Context, a catalog.Agency) error {
	_, err := x.transactions.st.exec(ctx, `INSERT INTO catalog_agencies (id, level, region, name_ru, name_en) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET level = excluded.level, region = excluded.region, name_ru = excluded.name_ru, name_en = excluded.name_en`,
		a.ID, string(a.Level), a.Region, a.Name.RU, a.Name.EN)
	if err != nil {
		return fmt.Errorf("store: save agency: %w", err)
	}
	return nil
}

// Synonyms returns the editors' synonyms by term.
func (x *Catalog) Synonyms(ctx context.Context) ([]catalog.Synonym, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT term, expands FROM catalog_synonyms ORDER BY term`)
	if err != nil {
		return nil, fmt.Errorf("store: synonyms: %w", err)
	}
	defer rows.Close()
	var out []catalog.Synonym
	for rows.Next() {
		var s catalog.Synonym
		if err := rows.Scan(&s.Term, &s.Expands); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ReplaceSynonyms makes syns the only synonyms.
func (x *Catalog) ReplaceSynonyms(ctx context.Context, syns []catalog.Synonym) error {
	return x.transactions.st.Transact(ctx, func(ctx context.Context) error {
		if _, err := x.transactions.st.exec(ctx, `DELETE FROM catalog_synonyms`); err != nil {
			return fmt.Errorf("store: synonyms: %w", err)
		}
		for _, s := range syns {
			if _, err := x.transactions.st.exec(ctx, `INSERT INTO catalog_synonyms (term, expands) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET expands = excluded.expands`,
				s.Term, s.Expands); err != nil {
				return fmt.Errorf("store: synonyms: %w", err)
			}
		}
		return nil
	})
}

// PublishService makes s the published version, drops its draft and
// indexes it: its regions and its search terms.
func (x *Catalog) PublishService(ctx context.Context, s *catalog.Service, idx catalog.Indexed, by string, at time.Time) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return err
	}
	st := x.transactions.st
	return st.Transact(ctx, func(ctx context.Context) error {
		// PostgreSQL keeps the ranked fields' weighted tsvector in the
		// row (the lexicon reads it) and the index in catalog_search;
		// SQLite, its FTS5 table below.
		facets := searchFacets(s)
		column, value, set := "", "", ""
		args := []any{s.ID, s.Category, boolInt(s.Federal), string(s.Level), s.Title.RU, s.Title.EN, s.Short.RU, s.Short.EN, string(doc), ms(at), by, idx.All, s.Popularity}
		if st.dialect == Postgres {
			column, set = ", rank_terms", ", rank_terms = excluded.rank_terms"
			value = `, setweight(to_tsvector('simple', ?), 'A') || setweight(to_tsvector('simple', ?), 'B') || setweight(to_tsvector('simple', ?), 'C')`
			args = append(args, idx.Title, idx.Keywords, idx.Short)
		}
		// SQLite: the service's search_id and popularity as they were (the
		// rowid of its FTS row), if it was published.
		var oldID sql.NullInt64
		var oldPopularity int
		if st.dialect == SQLite {
			err := st.queryRow(ctx, `SELECT search_id, popularity FROM catalog_services WHERE id = ?`, s.ID).Scan(&oldID, &oldPopularity)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("store: publish service: %w", err)
			}
		}
		if _, err := st.exec(ctx, `INSERT INTO catalog_services (id, category, federal, level, title_ru, title_en, short_ru, short_en, doc, draft,
			updated_at, updated_by, terms, popularity`+column+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?`+value+`)
			ON CONFLICT (id) DO UPDATE SET category = excluded.category, federal = excluded.federal, level = excluded.level,
			title_ru = excluded.title_ru, title_en = excluded.title_en, short_ru = excluded.short_ru, short_en = excluded.short_en,
			doc = excluded.doc, draft = NULL, updated_at = excluded.updated_at, updated_by = excluded.updated_by, terms = excluded.terms,
			popularity = excluded.popularity`+set,
			args...); err != nil {
			return fmt.Errorf("store: publish service: %w", err)
		}
		if _, err := st.exec(ctx, `DELETE FROM catalog_service_regions WHERE service_id = ?`, s.ID); err != nil {
			return fmt.Errorf("store: publish service: %w", err)
		}
		for _, v := range s.Variants {
			if _, err := st.exec(ctx, `INSERT INTO catalog_service_regions (service_id, region, available) VALUES (?, ?, ?)`,
				s.ID, v.Region, boolInt(v.Available)); err != nil {
				return fmt.Errorf("store: publish service: %w", err)
			}
		}
		if st.dialect == Postgres {
			_, err := st.exec(ctx, `INSERT INTO catalog_search (id, popularity, title_keywords, search, facets)
				VALUES (?, ?, to_tsvector('simple', ?), to_tsvector('simple', ?), array_to_tsvector(string_to_array(?, ' ')))
				ON CONFLICT (id) DO UPDATE SET popularity = excluded.popularity, title_keywords = excluded.title_keywords,
				search = excluded.search, facets = excluded.facets`,
				s.ID, s.Popularity, idx.Title+" "+idx.Keywords, idx.All, facets)
			if err != nil {
				return fmt.Errorf("store: publish service: %w", err)
			}
		}
		if st.dialect == SQLite {
			id := oldID.Int64
			if oldID.Valid {
				if _, err := st.exec(ctx, `DELETE FROM catalog_search WHERE rowid = ?`, searchRowid(id, oldPopularity)); err != nil {
					return fmt.Errorf("store: publish service: %w", err)
				}
			} else {
				err := st.writeRow(ctx, `UPDATE catalog_services SET search_id = (SELECT COALESCE(MAX(search_id), 0) + 1 FROM catalog_services)
					WHERE id = ? RETURNING search_id`, s.ID).Scan(&id)
				if err != nil {
					return fmt.Errorf("store: publish service: %w", err)
				}
			}
			if _, err := st.exec(ctx, `INSERT INTO catalog_search (rowid, title, keywords, short, body, facets) VALUES (?, ?, ?, ?, ?, ?)`,
				searchRowid(id, s.Popularity), idx.Title, idx.Keywords, idx.Short, idx.Body, facets); err != nil {
				return fmt.Errorf("store: publish service: %w", err)
			}
		}
		return nil
	})
}

// SaveDraft keeps s as the service's unpublished version; a service never
// published gets its row with no doc.
func (x *Catalog) SaveDraft(ctx context.Context, s *catalog.Service, by string, at time.Time) error {
	draft, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = x.transactions.st.exec(ctx, `INSERT INTO catalog_services (id, category, federal, level, title_ru, title_en, short_ru, short_en, doc, draft,
		updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET draft = excluded.draft, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		s.ID, s.Category, boolInt(s.Federal), string(s.Level), s.Title.RU, s.Title.EN, s.Short.RU, s.Short.EN, string(draft), ms(at), by)
	if err != nil {
		return fmt.Errorf("store: save draft: %w", err)
	}
	return nil
}

func (x *Catalog) version(ctx context.Context, id, column string) (*catalog.Service, error) {
	var doc sql.NullString
	var views int
	err := x.transactions.st.queryRow(ctx, `SELECT `+column+`, views FROM catalog_services WHERE id = ?`, id).Scan(&doc, &views)
	if err != nil {
		return nil, notFound(err, "catalog.service_not_found")
	}
	if !doc.Valid {
		return nil, problem.New(problem.NotFound, "catalog.service_not_found")
	}
	var s catalog.Service
	if err := json.Unmarshal([]byte(doc.String), &s); err != nil {
		return nil, fmt.Errorf("store: service %s: %w", id, err)
	}
	return &s, nil
}

// Published returns the published version of a service.
func (x *Catalog) Published(ctx context.Context, id string) (*catalog.Service, error) {
	return x.version(ctx, id, "doc")
}

// Draft returns the unpublished version of a service.
func (x *Catalog) Draft(ctx context.Context, id string) (*catalog.Service, error) {
	return x.version(ctx, id, "draft")
}

// AllServices returns every service's latest version, by ID.
func (x *Catalog) AllServices(ctx context.Context) ([]catalog.Service, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT COALESCE(draft, doc) FROM catalog_services ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: services: %w", err)
	}
	defer rows.Close()
	var out []catalog.Service
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var s catalog.Service
		if err := json.Unmarshal([]byte(doc), &s); err != nil {
			return nil, fmt.Errorf("store: services: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// inRegion is the condition that a service (alias s) exists in the region
// bound at its ?.
const inRegion = `((s.federal = 1 AND NOT EXISTS (SELECT 1 FROM catalog_service_regions r WHERE r.service_id = s.id AND r.region = ? AND r.available = 0))
	OR (s.federal = 0 AND EXISTS (SELECT 1 FROM catalog_service_regions r WHERE r.service_id = s.id AND r.region = ? AND r.available = 1)))`

// filters writes the region, category and level conditions of q.
func filters(q catalog.Query) (string, []any) {
	var where []string
	var args []any
	if q.Region != "" {
		where = append(where, inRegion)
		args = append(args, q.Region, q.Region)
	}
	if q.Category != "" {
		where = append(where, `s.category = ?`)
		args = append(args, q.Category)
	}
	if q.Level != "" {
		var levels []string
		for _, l := range []account.Level{account.Simplified, account.Standard, account.Confirmed} {
			if q.Level.Meets(l) {
				levels = append(levels, "'"+string(l)+"'")
			}
		}
		where = append(where, `s.level IN (`+strings.Join(levels, ", ")+`)`)
	}
	where = append(where, `s.doc IS NOT NULL`)
	return strings.Join(where, " AND "), args
}

const summaryColumns = `s.id, s.category, s.title_ru, s.title_en, s.short_ru, s.short_en, s.level, s.federal, s.views`

func scanSummaries(rows *sql.Rows) ([]catalog.Summary, error) {
	defer rows.Close()
	var out []catalog.Summary
	for rows.Next() {
		var h catalog.Summary
		var level string
		var federal int
		if err := rows.Scan(&h.ID, &h.Category, &h.Title.RU, &h.Title.EN, &h.Short.RU, &h.Short.EN, &level, &federal, &h.Views); err != nil {
			return nil, err
		}
		h.Level, h.Federal = account.Level(level), federal == 1
		out = append(out, h)
	}
	return out, rows.Err()
}

// Popular returns the most viewed published services.
func (x *Catalog) Popular(ctx context.Context, region, category string, limit int) ([]catalog.Summary, error) {
	where, args := filters(catalog.Query{Region: region, Category: category})
	rows, err := x.transactions.st.query(ctx, `SELECT `+summaryColumns+` FROM catalog_services s WHERE `+where+`
		ORDER BY s.popularity + s.views DESC, s.title_ru, s.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: popular services: %w", err)
	}
	return scanSummaries(rows)
}

// CountView adds a view to a published service.
func (x *Catalog) CountView(ctx context.Context, id string) error {
	if _, err := x.transactions.st.exec(ctx, `UPDATE catalog_services SET views = views + 1 WHERE id = ? AND doc IS NOT NULL`, id); err != nil {
		return fmt.Errorf("store: count a view: %w", err)
	}
	return nil
}

// Generation returns the catalog's generation.
func (x *Catalog) Generation(ctx context.Context) (int64, error) {
	var g int64
	if err := x.transactions.st.queryRow(ctx, `SELECT generation FROM catalog_generation WHERE id = 1`).Scan(&g); err != nil {
		return 0, fmt.Errorf("store: catalog generation: %w", err)
	}
	return g, nil
}

// BumpGeneration moves the generation on.
func (x *Catalog) BumpGeneration(ctx context.Context) error {
	if _, err := x.transactions.st.exec(ctx, `UPDATE catalog_generation SET generation = generation + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("store: catalog generation: %w", err)
	}
	return nil
}

// Vocabulary returns every published service's terms — all of them and,
// by Match's key, those of the title, keywords and short description
// (SQLite: the catalog_search row's; PostgreSQL: rank_terms) — and its
// summary, without its views.
func (x *Catalog) Vocabulary(ctx context.Context) ([]catalog.ServiceTerms, error) {
	st := x.transactions.st
	const summary = `s.id, s.category, s.title_ru, s.title_en, s.short_ru, s.short_en, s.level, s.federal`
	q := `SELECT f.rowid, s.terms, f.title, f.keywords, f.short, ` + summary + ` FROM catalog_search f
		JOIN catalog_services s ON s.search_id = (f.rowid & 4294967295) WHERE s.doc IS NOT NULL`
	if st.dialect == Postgres {
		q = `SELECT s.id, s.terms, COALESCE(s.rank_terms::text, ''), '', '', ` + summary + ` FROM catalog_services s WHERE s.doc IS NOT NULL`
	}
	rows, err := st.query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: vocabulary: %w", err)
	}
	defer rows.Close()
	var out []catalog.ServiceTerms
	for rows.Next() {
		var t catalog.ServiceTerms
		h := &t.Summary
		var level string
		var federal int
		if err := rows.Scan(&t.Key, &t.All, &t.Fields[0], &t.Fields[1], &t.Fields[2],
			&h.ID, &h.Category, &h.Title.RU, &h.Title.EN, &h.Short.RU, &h.Short.EN, &level, &federal); err != nil {
			return nil, err
		}
		h.Level, h.Federal = account.Level(level), federal == 1
		if st.dialect == Postgres {
			t.Fields = rankFields(t.Fields[0])
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// termPattern is a term the search accepts: letters and digits only, as
// textsearch makes them, so that neither FTS5 nor tsquery syntax can be
// injected; anything else is dropped.
var termPattern = regexp.MustCompile(`^[\p{L}\p{N}]+$`)

// matchExpr writes q's groups in the engine's query language: FTS5's
// `"a" AND ("b" OR ("c" AND "d")) AND "e" *`, or tsquery's
// `'a' & ('b' | ('c' & 'd')) & 'e':*`. Empty when nothing is left to match.
func matchExpr(q catalog.Query, pg bool) string {
	and, or := " AND ", " OR "
	quote := func(t string) string { return `"` + t + `"` }
	prefix := func(t string) string { return `"` + t + `" *` }
	if pg {
		and, or = " & ", " | "
		quote = func(t string) string { return "'" + t + "'" }
		prefix = func(t string) string { return "'" + t + "':*" }
	}
	var groups []string
	for _, g := range q.Groups {
		var alts []string
		for _, alt := range g {
			var terms []string
			for _, t := range alt {
				if termPattern.MatchString(t) {
					terms = append(terms, quote(t))
				}
			}
			switch len(terms) {
			case 0:
			case 1:
				alts = append(alts, terms[0])
			default:
				alts = append(alts, "("+strings.Join(terms, and)+")")
			}
		}
		switch len(alts) {
		case 0:
		case 1:
			groups = append(groups, alts[0])
		default:
			groups = append(groups, "("+strings.Join(alts, or)+")")
		}
	}
	if q.Prefix != "" && termPattern.MatchString(q.Prefix) {
		groups = append(groups, prefix(q.Prefix))
	}
	return strings.Join(groups, and)
}

// searchRowid is a service's row in SQLite's catalog_search: its
// search_id, with 100 − popularity above bit 32, so that the FTS index,
// read in rowid order, yields the matches by popularity (then first
// publication) and their popularity with them.
func searchRowid(searchID int64, popularity int) int64 {
	return int64(100-max(0, min(popularity, 100)))<<32 | searchID
}

// searchFacets are the words of a published service's filters, indexed
// beside its terms (SQLite: the FTS column facets; PostgreSQL: the
// tsvector facets), each after facetMark: "published"; "level" and its
// level; "cat" and the category's ID in hex; "federal" or "regional";
// "in<region>" or "out<region>" for each variant, available or not. No
// query syntax can hide in them, and a query's words, letters and digits
// only, never meet them, not even as a prefix (SQLite's tokenizer keeps
// the mark in the word; PostgreSQL's are another column).
func searchFacets(s *catalog.Service) string {
	w := []string{"published", "level" + string(s.Level), "cat" + hex.EncodeToString([]byte(s.Category)), "regional"}
	if s.Federal {
		w[3] = "federal"
	}
	for _, v := range s.Variants {
		if v.Available {
			w = append(w, "in"+v.Region)
		} else {
			w = append(w, "out"+v.Region)
		}
	}
	for i, x := range w {
		if !termPattern.MatchString(x) {
			x = "published" // a level or region of other characters: never asked for
		}
		w[i] = facetMark + x
	}
	return strings.Join(w, " ")
}

// facetMark begins every word of searchFacets.
const facetMark = "_"

// withFacets writes base (a query in the engine's language, "" for every
// published service) narrowed by q's filters; "" when base is "" and there
// is no filter. A federal service is in a region unless withdrawn there,
// any other only where available: `(("_federal" NOT "_out40") OR "_in40")`,
// `(('_federal' & !'_out40') | '_in40')`. A level is the levels it opens,
// or the others excluded when they are fewer (the shorter lists are read),
// or nothing when it opens every level.
func withFacets(base string, q catalog.Query, pg bool) string {
	and, or, not := " AND ", " OR ", " NOT "
	quote := func(t string) string { return `"` + facetMark + t + `"` }
	if pg {
		and, or, not = " & ", " | ", " & !"
		quote = func(t string) string { return "'" + facetMark + t + "'" }
	}
	var parts, excluded []string
	if base != "" {
		parts = append(parts, "("+base+")")
	}
	if q.Region != "" && termPattern.MatchString(q.Region) {
		parts = append(parts, "(("+quote("federal")+not+quote("out"+q.Region)+")"+or+quote("in"+q.Region)+")")
	}
	if q.Category != "" {
		parts = append(parts, quote("cat"+hex.EncodeToString([]byte(q.Category))))
	}
	if q.Level != "" {
		var opened []string
		for _, l := range []account.Level{account.Simplified, account.Standard, account.Confirmed} {
			if q.Level.Meets(l) {
				opened = append(opened, quote("level"+string(l)))
			} else {
				excluded = append(excluded, quote("level"+string(l)))
			}
		}
		if len(excluded) > 0 && len(opened) <= len(excluded) {
			parts, excluded = append(parts, "("+strings.Join(opened, or)+")"), nil
		}
	}
	switch {
	case base == "" && len(parts)+len(excluded) == 0:
		return ""
	case len(parts) == 0:
		parts = append(parts, quote("published"))
	}
	expr := strings.Join(parts, and)
	for _, x := range excluded {
		expr += not + x
	}
	return expr
}

// countCapped counts the rows of a query (a SELECT of any column), up to
// catalog.CountCap; more says there are more.
func (x *Catalog) countCapped(ctx context.Context, query string, args ...any) (total int, more bool, err error) {
	err = x.transactions.st.queryRow(ctx, `SELECT COUNT(*) FROM (`+query+` LIMIT `+strconv.Itoa(catalog.CountCap+1)+`) c`, args...).Scan(&total)
	if total > catalog.CountCap {
		return catalog.CountCap, true, err
	}
	return total, false, err
}

// PopularPage is an empty query's page: the published services that pass
// the filters, the most popular first (the editors' popularity plus
// views), read in the order of catalog_services_popular; the count is the
// facets' (SQLite: the FTS index's; PostgreSQL: the GIN index's), up to
// catalog.CountCap.
func (x *Catalog) PopularPage(ctx context.Context, q catalog.Query) (catalog.Result, error) {
	res, err := x.popularPage(ctx, q)
	if err != nil {
		return catalog.Result{}, fmt.Errorf("store: popular services: %w", err)
	}
	return res, nil
}

func (x *Catalog) popularPage(ctx context.Context, q catalog.Query) (catalog.Result, error) {
	st := x.transactions.st
	limit, offset := max(q.Limit, 1), max(q.Offset, 0)
	where, args := filters(q)
	rows, err := st.query(ctx, `SELECT `+summaryColumns+` FROM catalog_services s WHERE `+where+`
		ORDER BY s.popularity + s.views DESC, s.title_ru, s.id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return catalog.Result{}, err
	}
	hits, err := scanSummaries(rows)
	if err != nil {
		return catalog.Result{}, err
	}
	res := catalog.Result{Hits: hits}
	if offset == 0 && len(hits) < limit {
		res.Total = len(hits)
		return res, nil
	}
	pg := st.dialect == Postgres
	facets := withFacets("", q, pg)
	switch {
	case pg && facets == "":
		res.Total, res.More, err = x.countCapped(ctx, `SELECT 1 FROM catalog_services s WHERE s.doc IS NOT NULL`)
	case pg:
		res.Total, res.More, err = x.countCapped(ctx, `SELECT 1 FROM catalog_search c WHERE c.facets @@ ?::tsquery`, facets)
	case facets == "":
		res.Total, res.More, err = x.countCapped(ctx, `SELECT 1 FROM catalog_search WHERE catalog_search MATCH ?`, `"`+facetMark+`published"`)
	default:
		res.Total, res.More, err = x.countCapped(ctx, `SELECT 1 FROM catalog_search WHERE catalog_search MATCH ?`, facets)
	}
	return res, err
}

// Match finds the published services q matches and returns n of them from
// the from-th, in the cheap order: those with every group in the title
// or keywords first, each part by popularity and then, on SQLite, the
// order of first publication (the catalog_search rowid), on PostgreSQL
// the ID. Neither engine ranks, nor reads a service's text: the catalog
// ranks the candidates by the terms its lexicon holds (Vocabulary). From
// 0 the matches are counted too, up to catalog.CountCap, so that no more
// than that many entries of the index are read for a count. The catalog's
// generation comes with them.
func (x *Catalog) Match(ctx context.Context, q catalog.Query, from, n int) (catalog.Matches, error) {
	pg := x.transactions.st.dialect == Postgres
	var m catalog.Matches
	var err error
	switch {
	case pg && matchExpr(q, true) != "" && n > 0:
		m, err = x.matchPostgres(ctx, q, from, n) // the generation in the same statement
	default:
		if m.Generation, err = x.Generation(ctx); err == nil && matchExpr(q, pg) != "" && n > 0 {
			m, err = x.matchSQLite(ctx, q, from, n, m.Generation)
		}
	}
	if err != nil {
		return catalog.Matches{}, fmt.Errorf("store: catalog search: %w", err)
	}
	return m, nil
}

// matchSQLite reads rowids only, in the order FTS5 keeps them (so a LIMIT
// stops the scan); the rowid carries the popularity. From 0, every match
// first: when fewer than n, they are all the candidates and their count.
// Otherwise, and for a later page, those of the title and keywords first,
// then the others, and the count up to catalog.CountCap.
func (x *Catalog) matchSQLite(ctx context.Context, q catalog.Query, from, n int, gen int64) (catalog.Matches, error) {
	m := catalog.Matches{Generation: gen}
	text := matchExpr(q, false)
	all := withFacets(text, q, false)
	every, err := x.rowids(ctx, all, from+n)
	if err != nil || len(every) == 0 {
		return m, err
	}
	ids := every
	if from > 0 || len(every) == n {
		first, err := x.rowids(ctx, withFacets(`{title keywords} : (`+text+`)`, q, false), from+n)
		if err != nil {
			return m, err
		}
		seen := make(map[int64]bool, len(first))
		for _, r := range first {
			seen[r] = true
		}
		ids = first
		for _, r := range every {
			if !seen[r] && len(ids) < from+n {
				ids = append(ids, r)
			}
		}
	}
	for _, r := range ids[min(from, len(ids)):] {
		m.Candidates = append(m.Candidates, catalog.Candidate{Key: strconv.FormatInt(r, 10), Popularity: 100 - int(r>>32)})
	}
	switch {
	case from > 0:
	case len(every) < n:
		m.Total = len(every)
	default:
		m.Total, m.More, err = x.countCapped(ctx, `SELECT 1 FROM catalog_search WHERE catalog_search MATCH ?`, all)
	}
	return m, err
}

// rowids returns the first limit catalog_search rowids of an FTS5 query.
func (x *Catalog) rowids(ctx context.Context, match string, limit int) ([]int64, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT rowid FROM catalog_search WHERE catalog_search MATCH ? ORDER BY rowid LIMIT ?`, match, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// matchPostgres is matchSQLite on catalog_search's GIN index, in one
// statement (a round trip to the server costs more than these scans of
// narrow rows). Ordering by popularity visits every match's row, so the
// first catalog.CountCap + 1 matches in the heap's order (sample) come
// first: their number is the count, and when it is under the cap they are
// every match, ordered without another visit. More than n, and the
// candidates are those of the title and keywords (title_keywords) — the
// popular ones first, from the index of the popular services alone (most
// services have none: a common word's popular matches fill the
// candidates, its thousands of others are not visited) — filled up from
// every match when too few, a scan of them all only when there are more
// than the cap. A step not needed is a one-time filter's: never run.
func (x *Catalog) matchPostgres(ctx context.Context, q catalog.Query, from, n int) (catalog.Matches, error) {
	var m catalog.Matches
	text, lim := matchExpr(q, true), from+n
	filter, fargs := "", []any{text}
	if facets := withFacets("", q, true); facets != "" {
		filter, fargs = ` AND c.facets @@ ?::tsquery`, append(fargs, facets)
	}
	args := slices.Concat(fargs, []any{catalog.CountCap + 1, from, n}, fargs, []any{lim, from, n, lim}, fargs, []any{lim},
		[]any{catalog.CountCap, lim, catalog.CountCap, from, lim}, fargs, []any{lim})
	rows, err := x.transactions.st.query(ctx, `WITH sample AS (
			SELECT c.id, c.popularity FROM catalog_search c WHERE c.search @@ to_tsquery('simple', ?)`+filter+` LIMIT ?),
		total AS (SELECT COUNT(*) AS n FROM sample),
		popular AS (
			SELECT c.id, c.popularity FROM catalog_search c
			WHERE (? > 0 OR (SELECT n FROM total) >= ?) AND c.popularity > 0 AND c.title_keywords @@ to_tsquery('simple', ?)`+filter+`
			ORDER BY c.popularity DESC, c.id LIMIT ?),
		first AS (
			SELECT * FROM popular
			UNION ALL
			(SELECT c.id, c.popularity FROM catalog_search c
			WHERE (? > 0 OR (SELECT n FROM total) >= ?) AND (SELECT COUNT(*) FROM popular) < ?
				AND c.popularity <= 0 AND c.title_keywords @@ to_tsquery('simple', ?)`+filter+`
			ORDER BY c.popularity DESC, c.id LIMIT ?)),
		every AS (
			(SELECT id, popularity FROM sample WHERE (SELECT n FROM total) <= ? ORDER BY popularity DESC, id LIMIT ?)
			UNION ALL
			(SELECT c.id, c.popularity FROM catalog_search c
			WHERE (SELECT n FROM total) > ? AND (? > 0 OR (SELECT COUNT(*) FROM first) < ?) AND c.search @@ to_tsquery('simple', ?)`+filter+`
			ORDER BY c.popularity DESC, c.id LIMIT ?))
		SELECT 0, id, popularity FROM every UNION ALL SELECT 1, id, popularity FROM first UNION ALL SELECT 2, '', n FROM total
		UNION ALL SELECT 3, '', generation FROM catalog_generation WHERE id = 1`, args...)
	if err != nil {
		return m, err
	}
	defer rows.Close()
	var every, first []catalog.Candidate
	total := 0
	for rows.Next() {
		var part int
		var c catalog.Candidate
		var number int64
		if err := rows.Scan(&part, &c.Key, &number); err != nil {
			return m, err
		}
		c.Popularity = int(number)
		switch part {
		case 0:
			every = append(every, c)
		case 1:
			first = append(first, c)
		case 2:
			total = int(number)
		default:
			m.Generation = number
		}
	}
	if err := rows.Err(); err != nil {
		return m, err
	}
	cands := every
	if from > 0 || total >= n {
		cands = first
		for _, c := range every {
			if len(cands) < lim && !slices.Contains(first, c) {
				cands = append(cands, c)
			}
		}
	}
	m.Candidates = cands[min(from, len(cands)):]
	if from == 0 {
		m.Total, m.More = min(total, catalog.CountCap), total > catalog.CountCap
	}
	return m, nil
}

// rankFields reads rank_terms as PostgreSQL writes a tsvector ('term':1A,4B
// 'other':2A) into the terms of its weights A, B and C — the title, the
// keywords and the short description — each term as often as it occurs.
func rankFields(v string) [3]string {
	var f [3]strings.Builder
	for {
		start := strings.IndexByte(v, '\'')
		if start < 0 {
			break
		}
		end := strings.IndexByte(v[start+1:], '\'')
		if end < 0 {
			break
		}
		term := v[start+1 : start+1+end]
		v = v[start+end+2:]
		pos, _, _ := strings.Cut(v, " ")
		pos, ok := strings.CutPrefix(pos, ":")
		if !ok {
			continue
		}
		v = v[len(pos)+1:]
		for p := range strings.SplitSeq(pos, ",") {
			if w := int(p[len(p)-1]) - 'A'; p != "" && w >= 0 && w < 3 {
				if f[w].Len() > 0 {
					f[w].WriteByte(' ')
				}
				f[w].WriteString(term)
			}
		}
	}
	return [3]string{f[0].String(), f[1].String(), f[2].String()}
}

// CompactSearch tidies the search index after an import: SQLite merges
// the FTS5 index's segments into one (an import of 20 000 services leaves
// dozens, each looked up for every word of a search); PostgreSQL moves
// the GIN index's pending list into the index proper, which autovacuum
// would do within a minute.
func (x *Catalog) CompactSearch(ctx context.Context) error {
	q := `INSERT INTO catalog_search (catalog_search) VALUES ('optimize')`
	if x.transactions.st.dialect == Postgres {
		q = `SELECT gin_clean_pending_list('catalog_search_match'::regclass), gin_clean_pending_list('catalog_search_popular'::regclass)`
	}
	if _, err := x.transactions.st.exec(ctx, q); err != nil {
		return fmt.Errorf("store: compact the search index: %w", err)
	}
	return nil
}

// Entries lists every service for the editors, by ID. The row's category
// and title are the published version's (the public lists read them), so
// a draft's own are read from its record.
func (x *Catalog) Entries(ctx context.Context) ([]catalog.Entry, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT id, category, title_ru, title_en, CASE WHEN doc IS NULL THEN 0 ELSE 1 END, draft, updated_at, updated_by
		FROM catalog_services ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: catalog entries: %w", err)
	}
	defer rows.Close()
	var out []catalog.Entry
	for rows.Next() {
		var e catalog.Entry
		var published int
		var draft sql.NullString
		var at sql.NullInt64
		if err := rows.Scan(&e.ID, &e.Category, &e.Title.RU, &e.Title.EN, &published, &draft, &at, &e.UpdatedBy); err != nil {
			return nil, err
		}
		e.UpdatedAt = fromMS(at)
		switch {
		case draft.Valid:
			var s catalog.Service
			if err := json.Unmarshal([]byte(draft.String), &s); err != nil {
				return nil, fmt.Errorf("store: catalog entries: %s: %w", e.ID, err)
			}
			e.Category, e.Title, e.State = s.Category, s.Title, catalog.StateDraft
			if published == 1 {
				e.State = catalog.StateChanged
			}
		default:
			e.State = catalog.StatePublished
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DiscardDraft drops a service's draft; a service never published goes
// with it (it has no regions nor search terms yet).
func (x *Catalog) DiscardDraft(ctx context.Context, id string) (bool, error) {
	st := x.transactions.st
	published := false
	err := st.Transact(ctx, func(ctx context.Context) error {
		var doc, draft int
		err := st.queryRow(ctx, `SELECT CASE WHEN doc IS NULL THEN 0 ELSE 1 END, CASE WHEN draft IS NULL THEN 0 ELSE 1 END FROM catalog_services WHERE id = ?`, id).
			Scan(&doc, &draft)
		if err != nil {
			return notFound(err, "catalog.draft_not_found")
		}
		if draft == 0 {
			return problem.New(problem.NotFound, "catalog.draft_not_found")
		}
		published = doc == 1
		q := `UPDATE catalog_services SET draft = NULL WHERE id = ?`
		if !published {
			q = `DELETE FROM catalog_services WHERE id = ?`
		}
		if _, err := st.exec(ctx, q, id); err != nil {
			return fmt.Errorf("store: discard draft: %w", err)
		}
		return nil
	})
	return published, err
}
