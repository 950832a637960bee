package gazetteer

import (
	"context"
	"strings"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
)

// SaveRegion adds a region the reference data does not have, or changes
// one an administrator added, for a member of staff: actor is the audit
// event of the request, copied into the record places.region_added or
// places.region_changed (details: code, and the changed fields). Saving a
// region unchanged records nothing. Errors: NormalizeRegion's
// problem.Invalid, and one on "code" when the reference data has the code.
func (g *Gazetteer) SaveRegion(ctx context.Context, in RegionInput, actor audit.Event) (places.Region, error) {
	r, err := NormalizeRegion(in)
	if err != nil {
		return places.Region{}, err
	}
	if g.d.Directory.Reference(r.Code) {
		ref, _ := g.d.Directory.Region(r.Code)
		return places.Region{}, problem.InvalidField(FieldCode, problem.M("gazetteer.code_reference", "Region", ref.NameWithType))
	}
	changed := false
	err = g.d.Store.Transact(ctx, func(ctx context.Context) error {
		olds, err := g.d.Store.AddedRegions(ctx)
		if err != nil {
			return err
		}
		action, details := "places.region_added", map[string]string{"code": r.Code}
		for _, old := range olds {
			if old.Code != r.Code {
				continue
			}
			fields := regionChanges(old, r)
			if len(fields) == 0 {
				return nil
			}
			action, details["fields"] = "places.region_changed", strings.Join(fields, ",")
		}
		changed = true
		return g.record(ctx, actor, action, details, func(at audit.Event) error {
			return g.d.Store.SaveRegion(ctx, r, at.At, at.ActorID)
		})
	})
	if err != nil {
		return places.Region{}, err
	}
	if changed {
		return r, g.Load(ctx)
	}
	return r, nil
}

func regionChanges(a, b places.Region) []string {
	var out []string
	for _, f := range []struct {
		name   string
		differ bool
	}{
		{FieldName, a.Name != b.Name}, {FieldType, a.Type != b.Type}, {FieldNameWithType, a.NameWithType != b.NameWithType},
		{FieldISO, a.ISO != b.ISO}, {FieldTimezone, a.Timezone != b.Timezone},
	} {
		if f.differ {
			out = append(out, f.name)
		}
	}
	return out
}

// SaveLocality adds a locality (id "") or changes an added one, for a
// member of staff, with its audit record places.locality_added or
// places.locality_changed (details: locality_id, region, and the changed
// fields). Errors: NormalizeLocality's problem.Invalid; one on "name" when
// the reference data has the town or another added locality has the same
// kind, name and district (Key); problem.NotFound
// "gazetteer.locality_not_found" for an unknown id.
func (g *Gazetteer) SaveLocality(ctx context.Context, id string, in LocalityInput, actor audit.Event) (places.Locality, error) {
	l, err := NormalizeLocality(in, g.d.Directory)
	if err != nil {
		return places.Locality{}, err
	}
	if sameAsReference(g.d.Directory.Localities(l.Region), l) {
		return places.Locality{}, problem.InvalidField(FieldName, problem.M("gazetteer.in_reference"))
	}
	key, changed := Key(l), false
	err = g.d.Store.Transact(ctx, func(ctx context.Context) error {
		action, details := "places.locality_added", map[string]string{"region": l.Region}
		if id != "" {
			old, found, err := g.d.Store.AddedLocality(ctx, id)
			if err != nil {
				return err
			}
			if !found {
				return problem.New(problem.NotFound, "gazetteer.locality_not_found")
			}
			l.ID = id
			fields := localityChanges(old, l)
			if len(fields) == 0 {
				return nil
			}
			action, details["fields"] = "places.locality_changed", strings.Join(fields, ",")
		}
		if same, found, err := g.d.Store.LocalityByKey(ctx, l.Region, key); err != nil {
			return err
		} else if found && same.ID != id {
			return problem.InvalidField(FieldName, problem.M("gazetteer.duplicate"))
		}
		if l.ID == "" {
			l.ID = g.d.NewID()
		}
		details["locality_id"] = l.ID
		changed = true
		return g.record(ctx, actor, action, details, func(at audit.Event) error {
			return g.d.Store.SaveLocality(ctx, l, key, at.At, at.ActorID)
		})
	})
	if err != nil {
		return places.Locality{}, err
	}
	if changed {
		return l, g.Load(ctx)
	}
	return l, nil
}

func localityChanges(a, b places.Locality) []string {
	var out []string
	for _, f := range []struct {
		name   string
		differ bool
	}{
		{FieldRegion, a.Region != b.Region}, {FieldType, a.Type != b.Type}, {FieldName, a.Name != b.Name},
		{FieldArea, a.Area != b.Area}, {FieldPostcode, a.Postcode != b.Postcode},
		{FieldLat, a.Lat != b.Lat}, {FieldLon, a.Lon != b.Lon}, {FieldPopulation, a.Population != b.Population},
		{"fias_id", a.FIAS != b.FIAS},
	} {
		if f.differ {
			out = append(out, f.name)
		}
	}
	return out
}

// RemoveLocality removes an added locality and returns it, with its audit
// record places.locality_removed (details: locality_id, region, name).
// Addresses and choices already made with it keep its name: a locality is
// text in them. Errors: problem.NotFound "gazetteer.locality_not_found".
func (g *Gazetteer) RemoveLocality(ctx context.Context, id string, actor audit.Event) (places.Locality, error) {
	var removed places.Locality
	err := g.d.Store.Transact(ctx, func(ctx context.Context) error {
		l, found, err := g.d.Store.RemoveLocality(ctx, id)
		if err != nil {
			return err
		}
		if !found {
			return problem.New(problem.NotFound, "gazetteer.locality_not_found")
		}
		removed = l
		return g.record(ctx, actor, "places.locality_removed",
			map[string]string{"locality_id": id, "region": l.Region, "name": l.Name}, func(audit.Event) error { return nil })
	})
	if err != nil {
		return places.Locality{}, err
	}
	return removed, g.Load(ctx)
}

// record runs save and appends the audit record of the change, and moves
// the generation so every node reloads: inside the caller's transaction.
func (g *Gazetteer) record(ctx context.Context, actor audit.Event, action string, details map[string]string, save func(audit.Event) error) error {
	e := actor
	e.ID, e.At, e.Action, e.SubjectAccountID, e.Details = 0, g.d.Now(), action, "", details
	if err := save(e); err != nil {
		return err
	}
	if err := g.d.Store.BumpPlacesGeneration(ctx); err != nil {
		return err
	}
	return g.d.Store.AppendAudit(ctx, &e)
}

// Locality returns an added locality by ID, for its form. Errors:
// problem.NotFound "gazetteer.locality_not_found".
func (g *Gazetteer) Locality(ctx context.Context, id string) (places.Locality, error) {
	l, found, err := g.d.Store.AddedLocality(ctx, id)
	if err != nil {
		return places.Locality{}, err
	}
	if !found {
		return places.Locality{}, problem.New(problem.NotFound, "gazetteer.locality_not_found")
	}
	return l, nil
}
