package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/gazetteer"
	"github.com/kabinet/kabinet/internal/places"
)

// Places is the storage of what administrators add to the reference
// regions and localities (internal/gazetteer), with the audit log.
type Places struct {
	transactions
	*AuditLog
}

// Places returns the additions' repository.
func (s *Store) Places() *Places {
	return &Places{transactions: transactions{st: s}, AuditLog: s.AuditLog()}
}

var _ gazetteer.Store = (*Places)(nil)

// PlacesGeneration returns the additions' generation.
func (x *Places) PlacesGeneration(ctx context.Context) (int64, error) {
	var g int64
	if err := x.transactions.st.queryRow(ctx, `SELECT generation FROM places_generation WHERE id = 1`).Scan(&g); err != nil {
		return 0, fmt.Errorf("store: places generation: %w", err)
	}
	return g, nil
}

// BumpPlacesGeneration moves the generation on.
func (x *Places) BumpPlacesGeneration(ctx context.Context) error {
	if _, err := x.transactions.st.exec(ctx, `UPDATE places_generation SET generation = generation + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("store: places generation: %w", err)
	}
	return nil
}

// AddedRegions returns the added regions in code order.
func (x *Places) AddedRegions(ctx context.Context) ([]places.Region, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT code, name, type, name_with_type, iso, timezone FROM place_regions ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("store: added regions: %w", err)
	}
	defer rows.Close()
	var out []places.Region
	for rows.Next() {
		var r places.Region
		if err := rows.Scan(&r.Code, &r.Name, &r.Type, &r.NameWithType, &r.ISO, &r.Timezone); err != nil {
			return nil, fmt.Errorf("store: added regions: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveRegion inserts the region or replaces the one with its code.
func (x *Places) SaveRegion(ctx context.Context, r places.Region, at time.Time, by string) error {
	if _, err := x.transactions.st.exec(ctx, `INSERT INTO place_regions (code, name, type, name_with_type, iso, timezone, updated_at, updated_by)
		VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, type = excluded.type,
		name_with_type = excluded.name_with_type, iso = excluded.iso, timezone = excluded.timezone,
		updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		r.Code, r.Name, r.Type, r.NameWithType, r.ISO, r.Timezone, ms(at), by); err != nil {
		return fmt.Errorf("store: save region: %w", err)
	}
	return nil
}

const localityColumns = `id, region, type, name, area, postcode, lat, lon, population, fias_id`

func scanLocality(sc interface{ Scan(...any) error }) (places.Locality, error) {
	var l places.Locality
	var lat, lon sql.NullFloat64
	if err := sc.Scan(&l.ID, &l.Region, &l.Type, &l.Name, &l.Area, &l.Postcode, &lat, &lon, &l.Population, &l.FIAS); err != nil {
		return places.Locality{}, err
	}
	l.Lat, l.Lon = lat.Float64, lon.Float64
	return l, nil
}

// AddedLocalities returns every added locality.
func (x *Places) AddedLocalities(ctx context.Context) ([]places.Locality, error) {
	rows, err := x.transactions.st.query(ctx, `SELECT `+localityColumns+` FROM place_localities`)
	if err != nil {
		return nil, fmt.Errorf("store: added localities: %w", err)
	}
	defer rows.Close()
	var out []places.Locality
	for rows.Next() {
		l, err := scanLocality(rows)
		if err != nil {
			return nil, fmt.Errorf("store: added localities: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// AddedLocality returns the added locality with the ID.
func (x *Places) AddedLocality(ctx context.Context, id string) (places.Locality, bool, error) {
	return x.locality(ctx, `SELECT `+localityColumns+` FROM place_localities WHERE id = ?`, id)
}

// LocalityByKey returns the added locality of a region with the key.
func (x *Places) LocalityByKey(ctx context.Context, region, key string) (places.Locality, bool, error) {
	return x.locality(ctx, `SELECT `+localityColumns+` FROM place_localities WHERE region = ? AND key = ?`, region, key)
}

func (x *Places) locality(ctx context.Context, q string, args ...any) (places.Locality, bool, error) {
	l, err := scanLocality(x.transactions.st.queryRow(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return places.Locality{}, false, nil
	}
	if err != nil {
		return places.Locality{}, false, fmt.Errorf("store: locality: %w", err)
	}
	return l, true, nil
}

// SaveLocality inserts the locality or replaces the one with its ID.
func (x *Places) SaveLocality(ctx context.Context, l places.Locality, key string, at time.Time, by string) error {
	var lat, lon any
	if l.Lat != 0 || l.Lon != 0 {
		lat, lon = l.Lat, l.Lon
	}
	if _, err := x.transactions.st.exec(ctx, `INSERT INTO place_localities (`+localityColumns+`, key, updated_at, updated_by)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET region = excluded.region, type = excluded.type,
		name = excluded.name, area = excluded.area, postcode = excluded.postcode, lat = excluded.lat, lon = excluded.lon,
		population = excluded.population, fias_id = excluded.fias_id, key = excluded.key,
		updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		l.ID, l.Region, l.Type, l.Name, l.Area, l.Postcode, lat, lon, l.Population, l.FIAS, key, ms(at), by); err != nil {
		return fmt.Errorf("store: save locality: %w", err)
	}
	return nil
}

// RemoveLocality deletes an added locality and returns it.
func (x *Places) RemoveLocality(ctx context.Context, id string) (places.Locality, bool, error) {
	l, found, err := x.AddedLocality(ctx, id)
	if err != nil || !found {
		return l, found, err
	}
	if _, err := x.transactions.st.exec(ctx, `DELETE FROM place_localities WHERE id = ?`, id); err != nil {
		return places.Locality{}, false, fmt.Errorf("store: remove locality: %w", err)
	}
	return l, true, nil
}
