package catalog

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/textsearch"
)

// The editors' work, one record at a time (issue 14 §2): every service
// with its state; a service's latest version; its draft saved, published
// or discarded; the categories, agencies and synonyms. Each change needs
// staff.PermCatalogManage, is checked by the rules Parse applies to a
// whole document (a service against the stored categories and agencies),
// and is made in one transaction with its audit record. A refusal is
// Invalid "form.invalid" with a message per JSON path of the record
// ("title.en", "variants[1].cost.text.ru"), which a form maps to its
// fields and the API returns as they are.

// State is where a service is in the editors' work, as their list shows
// it.
type State string

const (
	StatePublished State = "published" // public, no draft waiting
	StateChanged   State = "changed"   // public, with a draft of changes waiting
	StateDraft     State = "draft"     // a draft never published
)

// States are the states in the order a filter offers them.
var States = []State{StatePublished, StateChanged, StateDraft}

// Entry is a service in the editors' list: its latest version's category
// and title, its state, and who changed it last and when.
type Entry struct {
	ID        string
	Category  string
	Title     Text
	State     State
	UpdatedAt time.Time
	UpdatedBy string
}

// Filter narrows the editors' list.
type Filter struct {
	Q        string // words each a part of the ID or of the title in either language; "" for any
	State    State  // "" for any
	Category string // "" for any
}

// Services lists every service matching f, by ID. Invalid on "state" for
// an unknown state.
func (c *Catalog) Services(ctx context.Context, a staff.Actor, f Filter) ([]Entry, error) {
	if _, err := c.authorize(ctx, a); err != nil {
		return nil, err
	}
	if f.State != "" && !slices.Contains(States, f.State) {
		return nil, problem.InvalidField("state", problem.M("catalog.state_unknown", "Value", string(f.State)))
	}
	all, err := c.d.Store.Entries(ctx)
	if err != nil {
		return nil, err
	}
	words := strings.Fields(textsearch.Fold(f.Q))
	out := all[:0]
	for _, e := range all {
		if (f.State == "" || e.State == f.State) && (f.Category == "" || e.Category == f.Category) && e.has(words) {
			out = append(out, e)
		}
	}
	return out, nil
}

// has reports whether each of the folded words is a part of the entry's
// ID or of its title in either language.
func (e *Entry) has(words []string) bool {
	if len(words) == 0 {
		return true
	}
	text := e.ID + " " + textsearch.Fold(e.Title.RU) + " " + textsearch.Fold(e.Title.EN)
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// Service returns a service as the editors work on it: its draft when it
// has one, else its published version, with its state. NotFound
// "catalog.service_not_found".
func (c *Catalog) Service(ctx context.Context, a staff.Actor, id string) (*Service, State, error) {
	if _, err := c.authorize(ctx, a); err != nil {
		return nil, "", err
	}
	return c.latest(ctx, id)
}

func (c *Catalog) latest(ctx context.Context, id string) (*Service, State, error) {
	pub, err := c.d.Store.Published(ctx, id)
	if err != nil && problem.KindOf(err) != problem.NotFound {
		return nil, "", err
	}
	draft, err := c.d.Store.Draft(ctx, id)
	switch {
	case err == nil && pub != nil:
		return draft, StateChanged, nil
	case err == nil:
		return draft, StateDraft, nil
	case problem.KindOf(err) == problem.NotFound && pub != nil:
		return pub, StatePublished, nil
	}
	return nil, "", err
}

// Normalize gives the lists of a service made by hand (a form, an API
// client) the empty value a document has, so that it exports as [] and
// not null.
func (s *Service) Normalize() {
	for _, p := range []*[]Text{&s.Documents, &s.LegalBasis} {
		if *p == nil {
			*p = []Text{}
		}
	}
	for _, p := range []*[]string{&s.Keywords.RU, &s.Keywords.EN} {
		if *p == nil {
			*p = []string{}
		}
	}
	if s.Applicants == nil {
		s.Applicants = []Applicant{}
	}
	if s.Channels == nil {
		s.Channels = []Channel{}
	}
	if s.Variants == nil {
		s.Variants = []Variant{}
	}
	for i := range s.Variants {
		if s.Variants[i].ExtraDocuments == nil {
			s.Variants[i].ExtraDocuments = []Text{}
		}
	}
}

// check checks one service against the stored categories and agencies,
// in the caller's transaction.
func (c *Catalog) check(ctx context.Context, s *Service) error {
	cats, err := c.d.Store.Categories(ctx)
	if err != nil {
		return err
	}
	ags, err := c.d.Store.Agencies(ctx)
	if err != nil {
		return err
	}
	r := refs{categories: map[string]bool{}, agencies: map[string]string{}}
	for _, x := range cats {
		r.categories[x.ID] = true
	}
	for _, x := range ags {
		r.agencies[x.ID] = x.Region
	}
	v := &validator{regions: c.d.Regions}
	v.service("", s, map[string]bool{}, r)
	return v.err()
}

// err returns the rejections as an Invalid problem with a field per path.
func (v *validator) err() error {
	var f problem.Fields
	for _, r := range v.out {
		f.Add(r.Path, r.Message)
	}
	return f.Err()
}

// SaveDraft keeps s as its service's draft (a new service's first
// version, or changes to a published one, which stays public as it was
// until Publish). Audited catalog.draft_saved.
func (c *Catalog) SaveDraft(ctx context.Context, a staff.Actor, s Service) (*Service, error) {
	g, err := c.authorize(ctx, a)
	if err != nil {
		return nil, err
	}
	s.Normalize()
	now := c.d.Now()
	s.Status, s.UpdatedAt = Draft, now
	err = c.transact(ctx, func(ctx context.Context) error {
		if err := c.check(ctx, &s); err != nil {
			return err
		}
		if err := c.d.Store.SaveDraft(ctx, &s, a.Member.ID, now); err != nil {
			return err
		}
		return c.audit(ctx, a, g, "catalog.draft_saved", now, "service", s.ID)
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Publish makes a service's draft its published version: checked again
// (an agency may have moved since), indexed for the search, the
// generation moved on so that every node reloads its vocabulary. NotFound
// "catalog.draft_not_found" when the service has no draft, or
// "catalog.service_not_found" when there is no such service. Audited
// catalog.published.
func (c *Catalog) Publish(ctx context.Context, a staff.Actor, id string) (*Service, error) {
	g, err := c.authorize(ctx, a)
	if err != nil {
		return nil, err
	}
	now := c.d.Now()
	var s *Service
	err = c.transact(ctx, func(ctx context.Context) error {
		var state State
		var err error
		if s, state, err = c.latest(ctx, id); err != nil {
			return err
		}
		if state == StatePublished {
			return problem.New(problem.NotFound, "catalog.draft_not_found")
		}
		if err := c.check(ctx, s); err != nil {
			return err
		}
		cats, err := c.d.Store.Categories(ctx)
		if err != nil {
			return err
		}
		var category Text
		if i := slices.IndexFunc(cats, func(x Category) bool { return x.ID == s.Category }); i >= 0 {
			category = cats[i].Title
		}
		s.Status, s.UpdatedAt = Published, now
		if err := c.d.Store.PublishService(ctx, s, Index(s, category), a.Member.ID, now); err != nil {
			return err
		}
		if err := c.d.Store.BumpGeneration(ctx); err != nil {
			return err
		}
		return c.audit(ctx, a, g, "catalog.published", now, "service", id)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Discard drops a service's draft: a published service stays as it is
// public, a service never published is gone. NotFound
// "catalog.draft_not_found" when there is no draft. Audited
// catalog.draft_discarded.
func (c *Catalog) Discard(ctx context.Context, a staff.Actor, id string) error {
	g, err := c.authorize(ctx, a)
	if err != nil {
		return err
	}
	now := c.d.Now()
	return c.transact(ctx, func(ctx context.Context) error {
		published, err := c.d.Store.DiscardDraft(ctx, id)
		if err != nil {
			return err
		}
		return c.audit(ctx, a, g, "catalog.draft_discarded", now, "service", id, "published", strconv.FormatBool(published))
	})
}

// Agencies returns the agencies by ID.
func (c *Catalog) Agencies(ctx context.Context) ([]Agency, error) {
	return c.d.Store.Agencies(ctx)
}

// SaveCategory adds a category or replaces the one with its ID. Its new
// title reaches the search's keywords as each of its services is next
// published. Audited catalog.category_saved.
func (c *Catalog) SaveCategory(ctx context.Context, a staff.Actor, x Category) error {
	g, err := c.authorize(ctx, a)
	if err != nil {
		return err
	}
	v := &validator{regions: c.d.Regions}
	v.category("", x, map[string]bool{})
	if err := v.err(); err != nil {
		return err
	}
	now := c.d.Now()
	return c.transact(ctx, func(ctx context.Context) error {
		if err := c.d.Store.SaveCategory(ctx, x); err != nil {
			return err
		}
		return c.audit(ctx, a, g, "catalog.category_saved", now, "category", x.ID)
	})
}

// SaveAgency adds an agency or replaces the one with its ID. Audited
// catalog.agency_saved.
func (c *Catalog) SaveAgency(ctx context.Context, a staff.Actor, x Agency) error {
	g, err := c.authorize(ctx, a)
	if err != nil {
		return err
	}
	v := &validator{regions: c.d.Regions}
	v.agency("", x, map[string]bool{})
	if err := v.err(); err != nil {
		return err
	}
	now := c.d.Now()
	return c.transact(ctx, func(ctx context.Context) error {
		if err := c.d.Store.SaveAgency(ctx, x); err != nil {
			return err
		}
		return c.audit(ctx, a, g, "catalog.agency_saved", now, "agency", x.ID)
	})
}

// Synonyms returns the editors' synonyms by term.
func (c *Catalog) Synonyms(ctx context.Context, a staff.Actor) ([]Synonym, error) {
	if _, err := c.authorize(ctx, a); err != nil {
		return nil, err
	}
	return c.d.Store.Synonyms(ctx)
}

// SaveSynonyms makes syns the only synonyms, each term once (Invalid at
// "[i].term" otherwise), and moves the generation on so that the search
// reads them at once. Audited catalog.synonyms_saved.
func (c *Catalog) SaveSynonyms(ctx context.Context, a staff.Actor, syns []Synonym) error {
	g, err := c.authorize(ctx, a)
	if err != nil {
		return err
	}
	v := &validator{regions: c.d.Regions}
	seen := map[string]bool{}
	for i := range syns {
		syns[i].Term, syns[i].Expands = strings.TrimSpace(syns[i].Term), strings.TrimSpace(syns[i].Expands)
		p := "[" + strconv.Itoa(i) + "]"
		v.synonym(p, syns[i])
		key := textsearch.Fold(syns[i].Term)
		if key != "" && seen[key] {
			v.fail(p+".term", "catalog.synonym_duplicate", "Term", syns[i].Term)
		}
		seen[key] = true
	}
	if err := v.err(); err != nil {
		return err
	}
	now := c.d.Now()
	return c.transact(ctx, func(ctx context.Context) error {
		if err := c.d.Store.ReplaceSynonyms(ctx, syns); err != nil {
			return err
		}
		if err := c.d.Store.BumpGeneration(ctx); err != nil {
			return err
		}
		return c.audit(ctx, a, g, "catalog.synonyms_saved", now, "synonyms", strconv.Itoa(len(syns)))
	})
}

// audit records an editor's action with details naming its record, in
// the caller's transaction.
func (c *Catalog) audit(ctx context.Context, a staff.Actor, g staff.Grants, action string, at time.Time, kv ...string) error {
	e := a.Event(g, staff.PermCatalogManage, action, "", at)
	e.Details = map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Details[kv[i]] = kv[i+1]
	}
	return c.d.Store.AppendAudit(ctx, &e)
}

// Check checks a service as SaveDraft would, saving nothing: a form that
// refuses some of its fields itself shows the catalog's messages on the
// others at the same time.
func (c *Catalog) Check(ctx context.Context, a staff.Actor, s Service) error {
	if _, err := c.authorize(ctx, a); err != nil {
		return err
	}
	s.Normalize()
	return c.check(ctx, &s)
}
