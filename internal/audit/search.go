package audit

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
)

// Page sizes of a search and of the citizen's list.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Filter is an administrator's search of the log. Empty fields match
// everything; the results are newest first.
type Filter struct {
	ActorID          string
	SubjectAccountID string
	// Action matches one action exactly ("staff.citizen_viewed"); an
	// Action ending in "." or "*" matches every action under that prefix
	// ("staff." or "staff.*").
	Action   string
	CenterID string
	// From and To bound the time, From included, To excluded.
	From, To time.Time
	// Cursor continues a search from the Next of its previous page.
	Cursor Cursor
	// Limit is the page size: 0 means DefaultPageSize, at most MaxPageSize.
	Limit int
}

// Query is a Filter checked and made plain for the store.
type Query struct {
	ActorID, SubjectAccountID, CenterID string
	Action                              string // exact; empty when none
	ActionPrefix                        string // "staff."; empty when none
	From, To                            time.Time
	// Accessors keeps the records whose actor is staff or a site: those
	// who saw or received a citizen's data.
	Accessors bool
	// BeforeID continues keyset paging: only records with a smaller ID
	// (0: from the newest).
	BeforeID int64
	// Limit is the page size; the store fetches one more to know whether
	// there is a next page.
	Limit int
}

// maxFilterText bounds each text of a filter.
const maxFilterText = 200

// Check checks a filter: each field's problem under its name ("action",
// "to", "limit"…) as one Invalid error.
func (f Filter) Check() (Query, error) {
	var fs problem.Fields
	q := Query{ActorID: strings.TrimSpace(f.ActorID), SubjectAccountID: strings.TrimSpace(f.SubjectAccountID),
		CenterID: strings.TrimSpace(f.CenterID), From: f.From, To: f.To, BeforeID: int64(f.Cursor), Limit: f.Limit}
	for _, x := range []struct{ name, v string }{{"actor_id", q.ActorID}, {"subject_account_id", q.SubjectAccountID}, {"center_id", q.CenterID}} {
		if len(x.v) > maxFilterText {
			fs.Add(x.name, problem.M("audit.filter.too_long", "Max", maxFilterText))
		}
	}
	action := strings.TrimSpace(f.Action)
	base, prefix := action, false
	if b, ok := strings.CutSuffix(base, "*"); ok {
		base, prefix = b, true
	}
	if b, ok := strings.CutSuffix(base, "."); ok {
		base, prefix = b, true
	}
	switch {
	case action == "":
	case !validAction(base):
		fs.Add("action", problem.M("audit.filter.action"))
	case prefix:
		q.ActionPrefix = base + "."
	default:
		q.Action = base
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		fs.Add("to", problem.M("audit.filter.range"))
	}
	switch {
	case f.Limit == 0:
		q.Limit = DefaultPageSize
	case f.Limit < 0 || f.Limit > MaxPageSize:
		fs.Add("limit", problem.M("audit.filter.limit", "Max", MaxPageSize))
	}
	if f.Cursor < 0 {
		fs.Add("cursor", problem.M("audit.cursor.invalid"))
	}
	if err := fs.Err(); err != nil {
		return Query{}, err
	}
	return q, nil
}

// validAction: an action is dot-separated words of lower-case letters,
// digits and underscores ("staff.citizen_viewed"), at most 100 bytes.
func validAction(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, w := range strings.Split(s, ".") {
		if w == "" {
			return false
		}
		for _, c := range w {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				return false
			}
		}
	}
	return true
}

// Cursor continues keyset paging, newest first: the ID of the last record
// shown. Its text form is the decimal ID; 0 is the first page.
type Cursor int64

// ParseCursor reads a cursor from its text form; the empty text is the
// first page. A malformed cursor is an Invalid error on "cursor".
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != s {
		return 0, problem.InvalidField("cursor", problem.M("audit.cursor.invalid"))
	}
	return Cursor(n), nil
}

// String is the cursor's text form; the first page's is empty.
func (c Cursor) String() string {
	if c <= 0 {
		return ""
	}
	return strconv.FormatInt(int64(c), 10)
}

// Page is one page of records, newest first.
type Page struct {
	Events []Event
	// Next continues with the older records; 0 when there are none.
	Next Cursor
}

// Finder runs a checked query: at most q.Limit+1 records, newest (highest
// ID) first.
type Finder interface {
	FindAudit(ctx context.Context, q Query) ([]Event, error)
}

// Search is the administrators' search of the log.
type Search struct{ Store Finder }

// Find returns one page of the records that match the filter. A bad filter
// is an Invalid error with a message on each wrong field.
func (s Search) Find(ctx context.Context, f Filter) (Page, error) {
	q, err := f.Check()
	if err != nil {
		return Page{}, err
	}
	return page(ctx, s.Store, q)
}

func page(ctx context.Context, st Finder, q Query) (Page, error) {
	list, err := st.FindAudit(ctx, q)
	if err != nil {
		return Page{}, err
	}
	var p Page
	if len(list) > q.Limit {
		list = list[:q.Limit]
		p.Next = Cursor(list[len(list)-1].ID)
	}
	p.Events = list
	return p, nil
}
