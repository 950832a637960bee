package catalog

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// Regions are the reference regions (places.Directory): the codes a
// variant may name, in the order a page lists them.
type Regions interface {
	address.Regions
	Codes() []string
}

// Grants loads the role table (staff.Service).
type Grants interface {
	Grants(ctx context.Context) (staff.Grants, error)
}

// Deps are the catalog's collaborators.
type Deps struct {
	Store   Store
	Grants  Grants
	Regions Regions
	Now     func() time.Time
	// Every is how often a search asks the store whether another node
	// changed the published catalog (0: every second); this node's own
	// changes are searched at once.
	Every time.Duration
}

// Catalog runs the service catalog: the public reads and search, and the
// editors' drafts, publication, import and export.
type Catalog struct {
	d Deps

	mu      sync.Mutex // one build of the lexicon at a time
	lex     atomic.Pointer[built]
	checked atomic.Int64 // when a search last asked for the generation, in Unix nanoseconds
}

// built is a lexicon and the generation it was built at (or after).
type built struct {
	lex *Lexicon
	gen int64
}

// New returns the catalog.
func New(d Deps) *Catalog {
	if d.Every <= 0 {
		d.Every = time.Second
	}
	return &Catalog{d: d}
}

// lexicon returns the lexicon of the published catalog. It asks the store
// for the catalog's generation at most once every Deps.Every (one search
// asks; the others meanwhile use the lexicon they have) and rebuilds the
// lexicon when the generation moved.
func (c *Catalog) lexicon(ctx context.Context) (*Lexicon, error) {
	cur := c.lex.Load()
	now := c.d.Now().UnixNano()
	last := c.checked.Load()
	if cur != nil && (now-last < int64(c.d.Every) || !c.checked.CompareAndSwap(last, now)) {
		return cur.lex, nil
	}
	gen, err := c.d.Store.Generation(ctx)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.gen >= gen {
		return cur.lex, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur := c.lex.Load(); cur != nil && cur.gen >= gen {
		return cur.lex, nil
	}
	// Read after the generation: the lexicon holds at least what it
	// says, and a publication in between is read again at the next
	// check.
	syns, err := c.d.Store.Synonyms(ctx)
	if err != nil {
		return nil, err
	}
	terms, err := c.d.Store.Vocabulary(ctx)
	if err != nil {
		return nil, err
	}
	lex := NewLexicon(syns, terms)
	c.lex.Store(&built{lex: lex, gen: gen})
	if cur == nil {
		c.checked.Store(now)
	}
	return lex, nil
}

// transact runs fn in one transaction; once it has committed, the next
// search asks for the generation, so that this node searches its own
// change of the published catalog at once.
func (c *Catalog) transact(ctx context.Context, fn func(ctx context.Context) error) error {
	err := c.d.Store.Transact(ctx, fn)
	if err == nil {
		c.checked.Store(0)
	}
	return err
}

// Categories returns the categories in their order.
func (c *Catalog) Categories(ctx context.Context) ([]Category, error) {
	return c.d.Store.Categories(ctx)
}

// Search is a search as people ask it.
type Search struct {
	Q        string
	Typing   bool // the last word is still being typed (suggestions)
	Region   string
	Category string
	Level    account.Level
	Limit    int
	Offset   int
}

// MaxLimit bounds a page of results.
const MaxLimit = 50

// Find searches the published catalog; an empty query lists the popular
// services. Invalid on "region", "category" or "level" for an unknown one.
func (c *Catalog) Find(ctx context.Context, s Search) (Result, error) {
	var f problem.Fields
	if s.Region != "" && !c.d.Regions.HasRegion(s.Region) {
		f.Add("region", problem.M("catalog.region_unknown", "Region", s.Region))
	}
	switch s.Level {
	case "", account.Simplified, account.Standard, account.Confirmed:
	default:
		f.Add("level", problem.M("catalog.level_unknown", "Value", string(s.Level)))
	}
	if err := f.Err(); err != nil {
		return Result{}, err
	}
	lex, err := c.lexicon(ctx)
	if err != nil {
		return Result{}, err
	}
	q := Query{Region: s.Region, Category: s.Category, Level: s.Level, Limit: min(max(s.Limit, 1), MaxLimit), Offset: max(s.Offset, 0)}
	q.Groups, q.Prefix = lex.Parse(s.Q, s.Typing)
	if len(q.Groups) == 0 && q.Prefix == "" {
		return c.popular(ctx, lex, q)
	}
	return search(lex, q), nil
}

// popular is the page of a query of no words: the popular services that
// pass its filters, from the store (views change with every page view),
// counted by the lexicon.
func (c *Catalog) popular(ctx context.Context, lex *Lexicon, q Query) (Result, error) {
	hits, err := c.d.Store.PopularPage(ctx, q)
	if err != nil {
		return Result{}, err
	}
	res := Result{Hits: hits, Total: len(hits)}
	if q.Offset > 0 || len(hits) == q.Limit {
		m := lex.Match(Query{Region: q.Region, Category: q.Category, Level: q.Level}, 0, 0)
		res.Total, res.More = max(m.Total, q.Offset+len(hits)), m.More
	}
	return res, nil
}

// search runs a query of words: the first RankCandidates matches in the
// cheap order ranked (Lexicon.Rank), then the rest in that order; q's
// page of them.
func search(lex *Lexicon, q Query) Result {
	m := lex.Match(q, 0, RankCandidates)
	lex.Rank(q, m.Candidates)
	ranked, rest := m.Candidates, q
	if len(q.Groups) > 1 && m.Total < q.Offset+q.Limit {
		// Fewer services have every word than fill the page: those with
		// any of the words follow, the ranking putting those with more
		// of them first («marriage registration» finds «Registering a
		// marriage»).
		relaxed := q
		relaxed.Groups = [][][]string{slices.Concat(q.Groups...)}
		more := lex.Match(relaxed, 0, RankCandidates)
		if more.Total > m.Total {
			lex.Rank(relaxed, more.Candidates)
			ranked = slices.Clone(m.Candidates)
			for _, x := range more.Candidates {
				if !slices.ContainsFunc(m.Candidates, func(y Candidate) bool { return y.Key == x.Key }) {
					ranked = append(ranked, x)
				}
			}
			m, rest = more, relaxed
		}
	}
	res := Result{Total: m.Total, More: m.More}
	var keys []string
	for i := q.Offset; i < min(q.Offset+q.Limit, len(ranked)); i++ {
		keys = append(keys, ranked[i].Key)
	}
	if end := q.Offset + q.Limit; end > len(ranked) && len(m.Candidates) == RankCandidates {
		// A page past the ranked matches: the cheap order goes on.
		from := RankCandidates + max(q.Offset-len(ranked), 0)
		more := lex.Match(rest, from, end-max(q.Offset, len(ranked)))
		for _, x := range more.Candidates {
			if !slices.ContainsFunc(ranked, func(y Candidate) bool { return y.Key == x.Key }) {
				keys = append(keys, x.Key)
			}
		}
	}
	for _, k := range keys {
		if h, ok := lex.summary(k); ok {
			res.Hits = append(res.Hits, h)
		}
	}
	return res
}

// Page is a service as its page shows it in a region.
type Page struct {
	Service  *Service
	Category Category
	// Exists says whether the service exists in the region; then Offer
	// is it there and Agency its agency. Elsewhere lists the regions
	// where it exists (when it does not here).
	Exists    bool
	Offer     Offer
	Agency    Agency
	Elsewhere []string
}

// Page returns a published service for a region ("" : as a federal
// service is everywhere) and counts the view. NotFound
// "catalog.service_not_found".
func (c *Catalog) Page(ctx context.Context, id, region string) (*Page, error) {
	s, err := c.d.Store.Published(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &Page{Service: s}
	if p.Category, _, err = c.d.Store.Category(ctx, s.Category); err != nil {
		return nil, err
	}
	if region == "" {
		p.Exists = s.Federal
		p.Offer = Offer{Service: s, Agency: s.Agency, Cost: s.Cost, Term: s.Term, Documents: s.Documents}
	} else {
		p.Offer, p.Exists = s.In(region)
	}
	if !p.Exists {
		p.Elsewhere = s.Regions(c.d.Regions.Codes())
	}
	agency := p.Offer.Agency
	if agency == "" {
		agency = s.Agency
	}
	if p.Agency, _, err = c.d.Store.Agency(ctx, agency); err != nil {
		return nil, err
	}
	if err := c.d.Store.CountView(ctx, id); err != nil {
		return nil, err
	}
	return p, nil
}

// Popular returns the most viewed services of a region.
func (c *Catalog) Popular(ctx context.Context, region string, limit int) ([]Summary, error) {
	return c.d.Store.Popular(ctx, region, "", min(max(limit, 1), MaxLimit))
}

// ImportReport is what an import did.
type ImportReport struct {
	Categories, Agencies, Services, Synonyms int
	Published                                bool // the services were published (else saved as drafts)
}

// Import reads a catalog document (Parse) and saves it whole, in one
// transaction: categories and agencies inserted or replaced, the synonyms
// replaced, each service published (publish) or kept as a draft of it.
// Services the document does not name are left as they are. Errors: an
// *Invalid listing the document's problems, or the problems of Parse.
// Audited catalog.imported.
func (c *Catalog) Import(ctx context.Context, a staff.Actor, data []byte, publish bool) (*ImportReport, error) {
	g, err := c.authorize(ctx, a)
	if err != nil {
		return nil, err
	}
	doc, err := Parse(data, c.d.Regions)
	if err != nil {
		return nil, err
	}
	rep := &ImportReport{Categories: len(doc.Categories), Agencies: len(doc.Agencies), Services: len(doc.Services), Synonyms: len(doc.Synonyms), Published: publish}
	now := c.d.Now()
	err = c.transact(ctx, func(ctx context.Context) error {
		if err := c.save(ctx, doc, publish, a.Member.ID, now); err != nil {
			return err
		}
		e := a.Event(g, staff.PermCatalogManage, "catalog.imported", "", now)
		e.Details = map[string]string{"services": strconv.Itoa(rep.Services), "categories": strconv.Itoa(rep.Categories),
			"agencies": strconv.Itoa(rep.Agencies), "synonyms": strconv.Itoa(rep.Synonyms), "published": strconv.FormatBool(publish)}
		return c.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// save writes a parsed document, in the caller's transaction.
func (c *Catalog) save(ctx context.Context, doc *Document, publish bool, by string, now time.Time) error {
	titles := map[string]Text{}
	for _, x := range doc.Categories {
		if err := c.d.Store.SaveCategory(ctx, x); err != nil {
			return err
		}
		titles[x.ID] = x.Title
	}
	for _, x := range doc.Agencies {
		if err := c.d.Store.SaveAgency(ctx, x); err != nil {
			return err
		}
	}
	if err := c.d.Store.ReplaceSynonyms(ctx, doc.Synonyms); err != nil {
		return err
	}
	for i := range doc.Services {
		s := &doc.Services[i]
		s.UpdatedAt = now
		if !publish {
			s.Status = Draft
			if err := c.d.Store.SaveDraft(ctx, s, by, now); err != nil {
				return err
			}
			continue
		}
		s.Status = Published
		if err := c.d.Store.PublishService(ctx, s, Index(s, titles[s.Category]), by, now); err != nil {
			return err
		}
	}
	return c.d.Store.BumpGeneration(ctx)
}

// Bootstrap imports and publishes the demo's catalog while the catalog is
// empty: a new demo deployment's. It reports whether it did. Audited
// catalog.imported by the system.
func (c *Catalog) Bootstrap(ctx context.Context, data []byte) (bool, error) {
	doc, err := Parse(data, c.d.Regions)
	if err != nil {
		return false, err
	}
	done := false
	now := c.d.Now()
	err = c.transact(ctx, func(ctx context.Context) error {
		done = false
		if cats, err := c.d.Store.Categories(ctx); err != nil || len(cats) > 0 {
			return err
		}
		if err := c.save(ctx, doc, true, audit.ActorSystem, now); err != nil {
			return err
		}
		done = true
		return c.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "catalog.imported", ActorKind: audit.ActorSystem,
			Details: map[string]string{"services": strconv.Itoa(len(doc.Services)), "published": "true"}})
	})
	return done, err
}

// Export returns the whole catalog as a document, each service in its
// latest version (a draft when it has one), for the editors. Audited
// catalog.exported.
func (c *Catalog) Export(ctx context.Context, a staff.Actor) ([]byte, error) {
	g, err := c.authorize(ctx, a)
	if err != nil {
		return nil, err
	}
	var doc Document
	if doc.Categories, err = c.d.Store.Categories(ctx); err != nil {
		return nil, err
	}
	if doc.Agencies, err = c.d.Store.Agencies(ctx); err != nil {
		return nil, err
	}
	if doc.Services, err = c.d.Store.AllServices(ctx); err != nil {
		return nil, err
	}
	if doc.Synonyms, err = c.d.Store.Synonyms(ctx); err != nil {
		return nil, err
	}
	// An empty list is [] in the file, never null, so that the file
	// imports back.
	if doc.Categories == nil {
		doc.Categories = []Category{}
	}
	if doc.Agencies == nil {
		doc.Agencies = []Agency{}
	}
	if doc.Services == nil {
		doc.Services = []Service{}
	}
	if doc.Synonyms == nil {
		doc.Synonyms = []Synonym{}
	}
	for i := range doc.Services {
		doc.Services[i].Normalize()
	}
	e := a.Event(g, staff.PermCatalogManage, "catalog.exported", "", c.d.Now())
	e.Details = map[string]string{"services": strconv.Itoa(len(doc.Services))}
	if err := c.d.Store.AppendAudit(ctx, &e); err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
}

func (c *Catalog) authorize(ctx context.Context, a staff.Actor) (staff.Grants, error) {
	g, err := c.d.Grants.Grants(ctx)
	if err != nil {
		return nil, err
	}
	if err := g.Authorize(a, staff.PermCatalogManage, ""); err != nil {
		return nil, err
	}
	return g, nil
}
