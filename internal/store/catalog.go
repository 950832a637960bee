package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/problem"
)

// Catalog is the storage of the service catalog (internal/catalog), with
// the audit log. A service is its JSON record (doc published, draft not)
// and, once published, its Go-computed search terms and its variants'
// regions, which each node's lexicon reads when the catalog's generation
// moves (Vocabulary): the search matches and ranks in memory, alike on
// both engines (decision 19, migration 0023).
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
// keeps its search terms and its variants' regions.
func (x *Catalog) PublishService(ctx context.Context, s *catalog.Service, idx catalog.Indexed, by string, at time.Time) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return err
	}
	st := x.transactions.st
	return st.Transact(ctx, func(ctx context.Context) error {
		if _, err := st.exec(ctx, `INSERT INTO catalog_services (id, category, federal, level, title_ru, title_en, short_ru, short_en, doc, draft,
			updated_at, updated_by, terms, title_terms, keyword_terms, short_terms, popularity) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET category = excluded.category, federal = excluded.federal, level = excluded.level,
			title_ru = excluded.title_ru, title_en = excluded.title_en, short_ru = excluded.short_ru, short_en = excluded.short_en,
			doc = excluded.doc, draft = NULL, updated_at = excluded.updated_at, updated_by = excluded.updated_by, terms = excluded.terms,
			title_terms = excluded.title_terms, keyword_terms = excluded.keyword_terms, short_terms = excluded.short_terms,
			popularity = excluded.popularity`,
			s.ID, s.Category, boolInt(s.Federal), string(s.Level), s.Title.RU, s.Title.EN, s.Short.RU, s.Short.EN, string(doc), ms(at), by,
			idx.All, idx.Title, idx.Keywords, idx.Short, s.Popularity); err != nil {
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

// Vocabulary returns what the lexicon keeps of every published service:
// its terms, its ranked fields' terms, its popularity, its variants'
// availability and its summary, without its views.
func (x *Catalog) Vocabulary(ctx context.Context) ([]catalog.ServiceTerms, error) {
	st := x.transactions.st
	rows, err := st.query(ctx, `SELECT s.terms, s.title_terms, s.keyword_terms, s.short_terms, s.popularity,
		s.id, s.category, s.title_ru, s.title_en, s.short_ru, s.short_en, s.level, s.federal FROM catalog_services s WHERE s.doc IS NOT NULL ORDER BY s.id`)
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
		if err := rows.Scan(&t.All, &t.Fields[0], &t.Fields[1], &t.Fields[2], &t.Popularity,
			&h.ID, &h.Category, &h.Title.RU, &h.Title.EN, &h.Short.RU, &h.Short.EN, &level, &federal); err != nil {
			return nil, fmt.Errorf("store: vocabulary: %w", err)
		}
		h.Level, h.Federal = account.Level(level), federal == 1
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: vocabulary: %w", err)
	}
	// The variants, in the same order: each joins its service by a merge.
	regions, err := st.query(ctx, `SELECT r.service_id, r.region, r.available FROM catalog_service_regions r
		JOIN catalog_services s ON s.id = r.service_id WHERE s.doc IS NOT NULL ORDER BY r.service_id, r.region`)
	if err != nil {
		return nil, fmt.Errorf("store: vocabulary: %w", err)
	}
	defer regions.Close()
	i := 0
	for regions.Next() {
		var id string
		var a catalog.Availability
		var available int
		if err := regions.Scan(&id, &a.Region, &available); err != nil {
			return nil, fmt.Errorf("store: vocabulary: %w", err)
		}
		a.Available = available == 1
		for i < len(out) && out[i].Summary.ID < id {
			i++
		}
		if i < len(out) && out[i].Summary.ID == id {
			out[i].Regions = append(out[i].Regions, a)
		}
	}
	if err := regions.Err(); err != nil {
		return nil, fmt.Errorf("store: vocabulary: %w", err)
	}
	return out, nil
}

// PopularPage is an empty query's page: the published services that pass
// the filters, the most popular (the editors' popularity plus views)
// first, read in the order of catalog_services_popular.
func (x *Catalog) PopularPage(ctx context.Context, q catalog.Query) ([]catalog.Summary, error) {
	where, args := filters(q)
	rows, err := x.transactions.st.query(ctx, `SELECT `+summaryColumns+` FROM catalog_services s WHERE `+where+`
		ORDER BY s.popularity + s.views DESC, s.title_ru, s.id LIMIT ? OFFSET ?`, append(args, max(q.Limit, 1), max(q.Offset, 0))...)
	if err != nil {
		return nil, fmt.Errorf("store: popular services: %w", err)
	}
	hits, err := scanSummaries(rows)
	if err != nil {
		return nil, fmt.Errorf("store: popular services: %w", err)
	}
	return hits, nil
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
