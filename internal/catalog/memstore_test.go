package catalog_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/problem"
)

// memStore is catalog.Store in memory, for the domain's tests: enough of
// the SQL store's behaviour (drafts apart from the published version, the
// published services' terms, a transaction that rolls back on error) to test the editors' rules without a database.
type memStore struct {
	mu    sync.Mutex
	state memState
}

type memState struct {
	cats  map[string]catalog.Category
	ags   map[string]catalog.Agency
	syns  []catalog.Synonym
	rows  map[string]memRow
	gen   int64
	audit []audit.Event
}

type memRow struct {
	doc, draft []byte          // the JSON records, nil when absent
	terms      string          // the published version's Indexed.All
	idx        catalog.Indexed // and its fields
	by         string
	at         time.Time
}

func newMemStore() *memStore {
	return &memStore{state: memState{cats: map[string]catalog.Category{}, ags: map[string]catalog.Agency{}, rows: map[string]memRow{}}}
}

// Transact runs fn and restores the state as it was when fn fails. The
// tests run one call at a time, so holding no lock across fn is enough.
func (m *memStore) Transact(ctx context.Context, fn func(ctx context.Context) error) error {
	m.mu.Lock()
	saved := m.state
	saved.cats, saved.ags, saved.rows = maps.Clone(m.state.cats), maps.Clone(m.state.ags), maps.Clone(m.state.rows)
	saved.syns, saved.audit = slices.Clone(m.state.syns), slices.Clone(m.state.audit)
	m.mu.Unlock()
	if err := fn(ctx); err != nil {
		m.mu.Lock()
		m.state = saved
		m.mu.Unlock()
		return err
	}
	return nil
}

func (m *memStore) lock() func() { m.mu.Lock(); return m.mu.Unlock }

func (m *memStore) Categories(context.Context) ([]catalog.Category, error) {
	defer m.lock()()
	out := slices.Collect(maps.Values(m.state.cats))
	slices.SortFunc(out, func(a, b catalog.Category) int { return a.Order - b.Order })
	return out, nil
}

func (m *memStore) Agencies(context.Context) ([]catalog.Agency, error) {
	defer m.lock()()
	out := slices.Collect(maps.Values(m.state.ags))
	slices.SortFunc(out, func(a, b catalog.Agency) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (m *memStore) Category(_ context.Context, id string) (catalog.Category, bool, error) {
	defer m.lock()()
	c, ok := m.state.cats[id]
	return c, ok, nil
}

func (m *memStore) Agency(_ context.Context, id string) (catalog.Agency, bool, error) {
	defer m.lock()()
	a, ok := m.state.ags[id]
	return a, ok, nil
}

func (m *memStore) SaveCategory(_ context.Context, c catalog.Category) error {
	defer m.lock()()
	m.state.cats[c.ID] = c
	return nil
}

func (m *memStore) SaveAgency(_ context.Context, a catalog.Agency) error {
	defer m.lock()()
	m.state.ags[a.ID] = a
	return nil
}

func (m *memStore) Synonyms(context.Context) ([]catalog.Synonym, error) {
	defer m.lock()()
	return slices.Clone(m.state.syns), nil
}

func (m *memStore) ReplaceSynonyms(_ context.Context, syns []catalog.Synonym) error {
	defer m.lock()()
	m.state.syns = slices.Clone(syns)
	return nil
}

func (m *memStore) PublishService(_ context.Context, s *catalog.Service, idx catalog.Indexed, by string, at time.Time) error {
	defer m.lock()()
	doc, err := json.Marshal(s)
	if err != nil {
		return err
	}
	m.state.rows[s.ID] = memRow{doc: doc, terms: idx.All, idx: idx, by: by, at: at}
	return nil
}

func (m *memStore) SaveDraft(_ context.Context, s *catalog.Service, by string, at time.Time) error {
	defer m.lock()()
	draft, err := json.Marshal(s)
	if err != nil {
		return err
	}
	r := m.state.rows[s.ID]
	r.draft, r.by, r.at = draft, by, at
	m.state.rows[s.ID] = r
	return nil
}

func (m *memStore) version(id string, draft bool) (*catalog.Service, error) {
	defer m.lock()()
	r := m.state.rows[id]
	b := r.doc
	if draft {
		b = r.draft
	}
	if b == nil {
		return nil, problem.New(problem.NotFound, "catalog.service_not_found")
	}
	var s catalog.Service
	return &s, json.Unmarshal(b, &s)
}

func (m *memStore) Published(_ context.Context, id string) (*catalog.Service, error) {
	return m.version(id, false)
}

func (m *memStore) Draft(_ context.Context, id string) (*catalog.Service, error) {
	return m.version(id, true)
}

func (m *memStore) ids() []string {
	defer m.lock()()
	return slices.Sorted(maps.Keys(m.state.rows))
}

func (m *memStore) AllServices(ctx context.Context) ([]catalog.Service, error) {
	var out []catalog.Service
	for _, id := range m.ids() {
		s, err := m.Draft(ctx, id)
		if err != nil {
			s, err = m.Published(ctx, id)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *s)
	}
	return out, nil
}

func (m *memStore) Entries(ctx context.Context) ([]catalog.Entry, error) {
	var out []catalog.Entry
	for _, id := range m.ids() {
		e := catalog.Entry{ID: id, State: catalog.StatePublished}
		s, err := m.Draft(ctx, id)
		if err == nil {
			e.State = catalog.StateDraft
			if _, err := m.Published(ctx, id); err == nil {
				e.State = catalog.StateChanged
			}
		} else if s, err = m.Published(ctx, id); err != nil {
			return nil, err
		}
		e.Category, e.Title = s.Category, s.Title
		m.mu.Lock()
		e.UpdatedAt, e.UpdatedBy = m.state.rows[id].at, m.state.rows[id].by
		m.mu.Unlock()
		out = append(out, e)
	}
	return out, nil
}

func (m *memStore) DiscardDraft(_ context.Context, id string) (bool, error) {
	defer m.lock()()
	r, ok := m.state.rows[id]
	if !ok || r.draft == nil {
		return false, problem.New(problem.NotFound, "catalog.draft_not_found")
	}
	if r.doc == nil {
		delete(m.state.rows, id)
		return false, nil
	}
	r.draft = nil
	m.state.rows[id] = r
	return true, nil
}

// find returns the published services that pass q's filters, in
// popularity order, then ID (views are not counted here).
func (m *memStore) find(ctx context.Context, q catalog.Query) []*catalog.Service {
	var out []*catalog.Service
	for _, id := range m.ids() {
		s, err := m.Published(ctx, id)
		if err != nil {
			continue
		}
		if q.Region != "" && !s.Exists(q.Region) || q.Category != "" && s.Category != q.Category || q.Level != "" && !s.Opens(q.Level) {
			continue
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b *catalog.Service) int { return b.Popularity - a.Popularity })
	return out
}

func summary(s *catalog.Service) catalog.Summary {
	return catalog.Summary{ID: s.ID, Category: s.Category, Title: s.Title, Short: s.Short, Level: s.Level, Federal: s.Federal}
}

func (m *memStore) PopularPage(ctx context.Context, q catalog.Query) ([]catalog.Summary, error) {
	found := m.find(ctx, q)
	var hits []catalog.Summary
	for _, s := range found[min(q.Offset, len(found)):min(q.Offset+q.Limit, len(found))] {
		hits = append(hits, summary(s))
	}
	return hits, nil
}

func (m *memStore) Popular(ctx context.Context, region, category string, limit int) ([]catalog.Summary, error) {
	return m.PopularPage(ctx, catalog.Query{Region: region, Category: category, Limit: limit})
}

func (m *memStore) CountView(context.Context, string) error { return nil }

func (m *memStore) Generation(context.Context) (int64, error) {
	defer m.lock()()
	return m.state.gen, nil
}

func (m *memStore) BumpGeneration(context.Context) error {
	defer m.lock()()
	m.state.gen++
	return nil
}

func (m *memStore) Vocabulary(context.Context) ([]catalog.ServiceTerms, error) {
	defer m.lock()()
	var out []catalog.ServiceTerms
	for _, r := range m.state.rows {
		if r.doc != nil {
			var s catalog.Service
			if err := json.Unmarshal(r.doc, &s); err != nil {
				return nil, err
			}
			t := catalog.ServiceTerms{All: r.terms, Fields: [3]string{r.idx.Title, r.idx.Keywords, r.idx.Short}, Popularity: s.Popularity, Summary: summary(&s)}
			for _, v := range s.Variants {
				t.Regions = append(t.Regions, catalog.Availability{Region: v.Region, Available: v.Available})
			}
			out = append(out, t)
		}
	}
	return out, nil
}

func (m *memStore) AppendAudit(_ context.Context, e *audit.Event) error {
	defer m.lock()()
	m.state.audit = append(m.state.audit, *e)
	return nil
}

// actions returns the audit log's actions in order, each with its
// details.
func (m *memStore) actions() []audit.Event {
	defer m.lock()()
	return slices.Clone(m.state.audit)
}

var _ catalog.Store = (*memStore)(nil)
