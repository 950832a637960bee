package catalog

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
)

// Summary is a service as lists and search results show it.
type Summary struct {
	ID       string
	Category string
	Title    Text
	Short    Text
	Level    account.Level
	Federal  bool
	Views    int
}

// Indexed is what the search keeps of a published service: each field's
// normalized terms, space-separated (textsearch.Terms over both
// languages), and all of them together (the typo correction's
// vocabulary).
type Indexed struct {
	Title, Keywords, Short, Body string
	All                          string
}

// Query is a search as the store runs it: every group must match; a
// group matches when one of its alternatives does; an alternative is
// terms that must all be there. Prefix, when set, is a group of its own
// matched as the start of a term (the word being typed).
type Query struct {
	Groups   [][][]string
	Prefix   string
	Region   string        // "" for every region
	Category string        // "" for every category
	Level    account.Level // "" for any; else services this level opens
	Limit    int
	Offset   int
}

// Result is a page of a search.
type Result struct {
	Hits []Summary
	// Total counts the matches up to CountCap; More says that more than
	// CountCap match (Total is then CountCap: «more than 1 000»).
	Total int
	More  bool
}

// Candidate is a match as the lexicon finds it, before the ranking.
type Candidate struct {
	Key        string // the service's ID
	Popularity int
}

// Availability is a service's variant for a region as the search's region
// filter reads it: there, or withdrawn there (Variant.Available).
type Availability struct {
	Region    string
	Available bool
}

// ServiceTerms are what the lexicon keeps of a published service: every
// term (Indexed.All: what a query matches, and the typo correction's
// vocabulary); the fields the ranking reads — the terms of the title, the
// keywords and the short description (Indexed.Title, Keywords, Short),
// each space-separated, in any order; what the filters read — its
// popularity, its variants' availability and, in the summary, its
// category, level and whether it is federal; and the service as a result
// shows it (its Views left out: they change with every page view).
type ServiceTerms struct {
	All        string
	Fields     [3]string
	Popularity int
	Regions    []Availability
	Summary    Summary
}

// Matches are what the lexicon finds for a query, before the ranking.
type Matches struct {
	// Candidates are the matches asked for, in the cheap order: those
	// with every group in the title or keywords first, each part by
	// popularity and then by ID. From 0, when no more match than were
	// asked for, they are all the matches, by popularity alone (the
	// ranking orders them all).
	Candidates []Candidate
	// Total and More count the matches as Result does.
	Total int
	More  bool
}

// Store is what the catalog needs from storage. Calls made with the
// context Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	Categories(ctx context.Context) ([]Category, error)
	Agencies(ctx context.Context) ([]Agency, error)
	// Category and Agency return one by its ID; found is false when there
	// is none.
	Category(ctx context.Context, id string) (c Category, found bool, err error)
	Agency(ctx context.Context, id string) (a Agency, found bool, err error)
	// SaveCategory and SaveAgency insert or replace one by its ID.
	SaveCategory(ctx context.Context, c Category) error
	SaveAgency(ctx context.Context, a Agency) error
	Synonyms(ctx context.Context) ([]Synonym, error)
	// ReplaceSynonyms makes syns the only synonyms.
	ReplaceSynonyms(ctx context.Context, syns []Synonym) error
	// PublishService makes s the published version (doc), drops its
	// draft, and keeps its variants' regions and its terms (Vocabulary).
	PublishService(ctx context.Context, s *Service, idx Indexed, by string, at time.Time) error
	// SaveDraft keeps s as the service's unpublished version.
	SaveDraft(ctx context.Context, s *Service, by string, at time.Time) error
	// Published returns the published version; NotFound
	// "catalog.service_not_found" when there is none.
	Published(ctx context.Context, id string) (*Service, error)
	// Draft returns the unpublished version; NotFound when none.
	Draft(ctx context.Context, id string) (*Service, error)
	// AllServices returns every service's latest version (the draft when
	// there is one) for the export, in ID order.
	AllServices(ctx context.Context) ([]Service, error)
	// Entries lists every service for the editors, in ID order.
	Entries(ctx context.Context) ([]Entry, error)
	// DiscardDraft drops a service's draft, and the service with it when
	// it was never published; it reports whether a published version
	// remains. NotFound "catalog.draft_not_found" when there is no draft.
	DiscardDraft(ctx context.Context, id string) (published bool, err error)
	// PopularPage is the search of no words: the published services that
	// pass q's filters, the most popular (popularity plus views) first,
	// q's page of them (the lexicon counts them).
	PopularPage(ctx context.Context, q Query) ([]Summary, error)
	// Popular returns the most viewed published services of a region
	// ("" for any), with the category when set.
	Popular(ctx context.Context, region, category string, limit int) ([]Summary, error)
	// CountView adds a view to a published service.
	CountView(ctx context.Context, id string) error
	// Generation changes whenever a service is published or the synonyms
	// change; Vocabulary returns what the lexicon keeps of every published
	// service (ServiceTerms), in any order.
	Generation(ctx context.Context) (int64, error)
	BumpGeneration(ctx context.Context) error
	Vocabulary(ctx context.Context) ([]ServiceTerms, error)
	AppendAudit(ctx context.Context, e *audit.Event) error
}
