// Package export owns "download my data": the Part interface through which
// each feature contributes what it holds about an account, the Exporter that
// collects every registered part in order, and the Service that runs one
// export for the signed-in citizen (rate-limited per account and audited as
// account.exported).
//
// A part returns typed values (text, a moment, a word from a closed
// vocabulary), never formatted strings: the JSON API writes them as codes
// and RFC 3339 times, the printable page in the reader's language. A part
// must return only its account's rows and never a secret (a password hash,
// a code, a link token, a notification's text).
//
// export imports audit, throttle and problem.
package export

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/throttle"
)

// Kind is what a Value holds.
type Kind uint8

const (
	KindText Kind = iota // text as stored: a name, an address, a device
	KindTime             // a moment; zero when it has not happened
	KindTerm             // a word from a closed vocabulary
)

// Value is one typed value of a record.
type Value struct {
	Kind Kind
	Text string    // KindText; KindTerm: the word's code ("password_change")
	Time time.Time // KindTime
	// Vocab is a KindTerm's message ID prefix: the word's wording is the
	// message Vocab+"."+Text, or the code itself when there is none (a
	// vocabulary a later feature extends).
	Vocab string
}

// Text returns a text value.
func Text(s string) Value { return Value{Kind: KindText, Text: s} }

// Time returns a moment.
func Time(t time.Time) Value { return Value{Kind: KindTime, Time: t} }

// Term returns a word of a vocabulary.
func Term(vocab, code string) Value { return Value{Kind: KindTerm, Text: code, Vocab: vocab} }

// Record is one row of a part: its values in the order of the part's
// Columns.
type Record []Value

// Part is what one feature holds about an account.
type Part struct {
	// Name is the part's stable machine name, unique in an export
	// ("account", "sessions").
	Name string
	// Title is the message ID of its heading.
	Title string
	// Columns are the keys of its records' values: the JSON object keys,
	// and (as "export.<Name>.<key>") the message IDs of the headings.
	Columns []string
	// One says the part is a single record (the account), shown as a
	// list of fields rather than a table.
	One bool
	// Empty is the message ID said when the part has no records.
	Empty string
	// Collect returns the account's records, newest first where order
	// matters. It must return only this account's data.
	Collect func(ctx context.Context, accountID string) ([]Record, error)
}

// Heading returns the message ID of a column's heading.
func (p *Part) Heading(column string) string { return "export." + p.Name + "." + column }

// Section is one part's records in an export.
type Section struct {
	Part    Part
	Records []Record
}

// Export is everything kabinet holds about one account.
type Export struct {
	AccountID   string
	GeneratedAt time.Time
	Sections    []Section
}

// Exporter collects the registered parts in the order they were added.
type Exporter struct {
	parts []Part
	names map[string]bool
}

// NewExporter returns an exporter of the given parts. It panics on a part
// without a name, a title or a Collect function, and on two parts of one
// name: a wiring mistake that must not start.
func NewExporter(parts ...Part) *Exporter {
	e := &Exporter{names: map[string]bool{}}
	e.Add(parts...)
	return e
}

// Add registers more parts, after those already added (see NewExporter).
func (e *Exporter) Add(parts ...Part) {
	for _, p := range parts {
		if p.Name == "" || p.Title == "" || p.Collect == nil || len(p.Columns) == 0 {
			panic(fmt.Sprintf("export: part %q lacks a name, title, columns or Collect", p.Name))
		}
		if e.names[p.Name] {
			panic("export: two parts named " + p.Name)
		}
		e.names[p.Name] = true
		e.parts = append(e.parts, p)
	}
}

// Parts returns the registered parts in order.
func (e *Exporter) Parts() []Part { return append([]Part(nil), e.parts...) }

// Collect asks every part for the account's records. A part's error, or a
// record whose length is not its part's number of columns, fails the
// whole export: a partial export would look complete.
func (e *Exporter) Collect(ctx context.Context, accountID string) ([]Section, error) {
	out := make([]Section, 0, len(e.parts))
	for _, p := range e.parts {
		recs, err := p.Collect(ctx, accountID)
		if err != nil {
			return nil, fmt.Errorf("export: part %s: %w", p.Name, err)
		}
		for _, r := range recs {
			if len(r) != len(p.Columns) {
				return nil, fmt.Errorf("export: part %s: a record of %d values for %d columns", p.Name, len(r), len(p.Columns))
			}
		}
		out = append(out, Section{Part: p, Records: recs})
	}
	return out, nil
}

// Limit is how many exports an account may make: the whole history is
// read each time, so a script cannot make the database read it in a loop.
var Limit = throttle.Rule{Name: "export", Max: 10, Window: time.Hour, Message: "export.rate_limited"}

// Limiter counts exports (throttle.Limiter).
type Limiter interface {
	Take(ctx context.Context, r throttle.Rule, subject string) error
}

// Client is who asked for an export, for the audit log.
type Client struct {
	IP        string
	RequestID string
	// Format is how the export is given: "json", "download" (a JSON
	// file) or "page".
	Format string
}

// Service runs exports.
type Service struct {
	parts *Exporter
	limit Limiter
	audit audit.Store
	now   func() time.Time
}

// NewService returns the export service.
func NewService(parts *Exporter, limit Limiter, log audit.Store, now func() time.Time) *Service {
	return &Service{parts: parts, limit: limit, audit: log, now: now}
}

// Export collects everything kabinet holds about the account and records
// that it was exported (account.exported). Past Limit it returns a TooMany
// problem (export.rate_limited, with the time a new export is allowed) and
// reads nothing.
func (s *Service) Export(ctx context.Context, accountID string, c Client) (*Export, error) {
	if err := s.limit.Take(ctx, Limit, accountID); err != nil {
		return nil, err
	}
	now := s.now()
	secs, err := s.parts.Collect(ctx, accountID)
	if err != nil {
		return nil, err
	}
	// Audited before anything is handed out: an export that cannot be
	// recorded is not given.
	err = s.audit.AppendAudit(ctx, &audit.Event{At: now, Action: "account.exported", ActorKind: audit.ActorCitizen, ActorID: accountID,
		SubjectAccountID: accountID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"format": c.Format}})
	if err != nil {
		return nil, err
	}
	return &Export{AccountID: accountID, GeneratedAt: now, Sections: secs}, nil
}
