package centers

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/problem"
)

// Store is what centers needs from storage. Calls made with the context
// Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	// Center returns the center with the ID, active or not; found is false
	// when there is none.
	Center(ctx context.Context, id string) (c Center, found bool, err error)
	// SaveCenter inserts the center or replaces the one with its ID.
	SaveCenter(ctx context.Context, c Center) error
	// SearchCenters returns a page of the centers that match the filter
	// (active ones only unless IncludeInactive) — every center when Key is
	// empty, else those whose folded locality starts with Key or shares a
	// term with Probes (TypoTerms) — exact matches first, then prefixes, then typos, each by
	// locality, name and ID; and how many match in all.
	SearchCenters(ctx context.Context, f Filter) ([]Center, int, error)
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Deps are the service's collaborators.
type Deps struct {
	Store   Store
	Regions Regions
	Now     func() time.Time
	// NewID makes the ID of a new center (nil: "c-" and 16 random
	// letters and digits).
	NewID func() string
}

// Directory keeps the directory of centers.
type Directory struct{ d Deps }

// New returns the service.
func New(d Deps) *Directory {
	if d.NewID == nil {
		d.NewID = randomID
	}
	return &Directory{d: d}
}

func randomID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "c-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// Search finds active centers (every center with IncludeInactive) by locality (typing-tolerant: Rank), service
// and region. Errors: problem.Invalid with a message on the parameter
// (NormalizeQuery).
func (s *Directory) Search(ctx context.Context, q Query) (Result, error) {
	f, err := NormalizeQuery(q, s.d.Regions)
	if err != nil {
		return Result{}, err
	}
	if len([]rune(f.Key)) >= MinTypoLen {
		f.Probes = TypoProbes(f.Key)
	}
	cs, total, err := s.d.Store.SearchCenters(ctx, f)
	if err != nil {
		return Result{}, err
	}
	out := Result{Total: total, Limit: f.Limit, Offset: f.Offset, Centers: make([]Found, 0, len(cs))}
	for _, c := range cs {
		out.Centers = append(out.Centers, Found{Center: c, Match: Rank(f.Key, c.Locality)})
	}
	return out, nil
}

// Center returns an active center by ID. Errors: problem.NotFound
// "center.not_found".
func (s *Directory) Center(ctx context.Context, id string) (Center, error) {
	c, found, err := s.d.Store.Center(ctx, id)
	if err != nil {
		return Center{}, err
	}
	if !found || !c.Active {
		return Center{}, problem.New(problem.NotFound, "center.not_found")
	}
	return c, nil
}

// Get returns a center by ID, active or not, for staff (the form of an
// edit). Errors: problem.NotFound "center.not_found".
func (s *Directory) Get(ctx context.Context, id string) (Center, error) {
	c, found, err := s.d.Store.Center(ctx, id)
	if err != nil {
		return Center{}, err
	}
	if !found {
		return Center{}, problem.New(problem.NotFound, "center.not_found")
	}
	return c, nil
}

// Save adds a center (no ID, or an ID not yet used) or replaces the one
// with its ID, for a member of staff: actor is the audit event of the
// request (ActorKind, ActorID, IP, RequestID and whatever else the staff
// console fills in), copied into the audit record center.created or
// center.updated (details: center_id, and the changed fields of an
// update) in the same transaction. Saving a center unchanged records
// nothing. Errors: Normalize's problem.Invalid.
func (s *Directory) Save(ctx context.Context, in Input, actor audit.Event) (Center, error) {
	c, err := Normalize(in, s.d.Regions)
	if err != nil {
		return Center{}, err
	}
	if c.ID == "" {
		c.ID = s.d.NewID()
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		saved, _, err := s.save(ctx, c, actor, "")
		c = saved
		return err
	})
	if err != nil {
		return Center{}, err
	}
	return c, nil
}

// save stores c unless unchanged, with its audit record: action "" is
// center.created or center.updated as the case is. It reports whether it
// created the center.
func (s *Directory) save(ctx context.Context, c Center, actor audit.Event, action string) (Center, string, error) {
	old, found, err := s.d.Store.Center(ctx, c.ID)
	if err != nil {
		return Center{}, "", err
	}
	now := s.d.Now()
	details := map[string]string{"center_id": c.ID}
	change := "created"
	if found {
		changed := Changed(old, c)
		if len(changed) == 0 {
			return old, "", nil
		}
		change = "updated"
		details["fields"] = strings.Join(changed, ",")
		c.CreatedAt = old.CreatedAt
	} else {
		c.CreatedAt = now
	}
	c.UpdatedAt = now
	if action == "" {
		action = "center." + change
	} else {
		details["change"] = change
	}
	if err := s.d.Store.SaveCenter(ctx, c); err != nil {
		return Center{}, "", err
	}
	e := actor
	e.ID, e.At, e.Action, e.SubjectAccountID = 0, now, action, ""
	e.Details = details
	if err := s.d.Store.AppendAudit(ctx, &e); err != nil {
		return Center{}, "", err
	}
	return c, change, nil
}

// Changed names the fields in which b differs from a, in Fields' order.
func Changed(a, b Center) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add(FieldName, a.Name != b.Name)
	add(FieldType, a.Type != b.Type)
	add(FieldRegion, a.Region != b.Region)
	add(FieldLocality, a.Locality != b.Locality)
	add(FieldAddress, a.Address != b.Address)
	add(FieldLat, a.HasCoords != b.HasCoords || a.Lat != b.Lat)
	add(FieldLon, a.HasCoords != b.HasCoords || a.Lon != b.Lon)
	add(FieldPhone, a.Phone != b.Phone)
	add(FieldHours, a.Hours.String() != b.Hours.String())
	add(FieldServices, !slices.Equal(a.Services, b.Services))
	add(FieldActive, a.Active != b.Active)
	return out
}
