// Package gazetteer keeps what administrators add to the reference data of
// regions and localities (issue 14 §1): the subjects of the federation the
// data does not have yet, under the codes an administrator decides, and
// localities — villages above all, typed one by one or imported by the
// thousand. The reference data itself (internal/places) is embedded and
// read-only; the additions live in the store and join it in every node's
// places.Directory (Load, Fresh), so the region chooser, the address forms
// and the center finder all see them.
//
// gazetteer imports audit, places and problem.
package gazetteer

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
)

// Store is what the gazetteer needs from storage. Calls made with the
// context Transact passes commit together.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	// PlacesGeneration is a number that changes with every change of the
	// additions (BumpPlacesGeneration), on any node.
	PlacesGeneration(ctx context.Context) (int64, error)
	BumpPlacesGeneration(ctx context.Context) error
	// AddedRegions and AddedLocalities return every addition; localities
	// carry their ID.
	AddedRegions(ctx context.Context) ([]places.Region, error)
	AddedLocalities(ctx context.Context) ([]places.Locality, error)
	// SaveRegion inserts the region or replaces the one with its code.
	SaveRegion(ctx context.Context, r places.Region, at time.Time, by string) error
	// AddedLocality returns the added locality with the ID, and
	// LocalityByKey the one of a region with the key (Key).
	AddedLocality(ctx context.Context, id string) (l places.Locality, found bool, err error)
	LocalityByKey(ctx context.Context, region, key string) (l places.Locality, found bool, err error)
	// SaveLocality inserts the locality or replaces the one with its ID;
	// key is Key(l), unique within its region.
	SaveLocality(ctx context.Context, l places.Locality, key string, at time.Time, by string) error
	// RemoveLocality deletes an added locality; found is false when there
	// is none with the ID.
	RemoveLocality(ctx context.Context, id string) (l places.Locality, found bool, err error)
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Deps are the gazetteer's collaborators.
type Deps struct {
	Store     Store
	Directory *places.Directory
	Now       func() time.Time
	// NewID makes a new locality's ID (nil: "l-" and 16 random letters
	// and digits).
	NewID func() string
	// Every is how often Fresh asks the store whether another node
	// changed the additions (0: 5 seconds).
	Every time.Duration
}

// Gazetteer keeps the additions and the directory in step with them.
type Gazetteer struct {
	d Deps

	mu      sync.Mutex // one load at a time
	gen     atomic.Int64
	checked atomic.Int64 // when Fresh last asked, in Unix nanoseconds
}

// New returns the gazetteer; Load brings the directory up to date.
func New(d Deps) *Gazetteer {
	if d.NewID == nil {
		d.NewID = randomID
	}
	if d.Every <= 0 {
		d.Every = 5 * time.Second
	}
	return &Gazetteer{d: d}
}

func randomID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "l-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// Load reads the additions and extends the directory with them.
func (g *Gazetteer) Load(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	gen, err := g.d.Store.PlacesGeneration(ctx)
	if err != nil {
		return err
	}
	regions, err := g.d.Store.AddedRegions(ctx)
	if err != nil {
		return err
	}
	localities, err := g.d.Store.AddedLocalities(ctx)
	if err != nil {
		return err
	}
	if err := g.d.Directory.Extend(regions, localities); err != nil {
		return err
	}
	g.gen.Store(gen)
	g.checked.Store(g.d.Now().UnixNano())
	return nil
}

// Fresh reloads the additions when another node changed them; it asks the
// store at most once every Deps.Every, so a page may call it on every
// request. The directory is left as it was when the store cannot answer.
func (g *Gazetteer) Fresh(ctx context.Context) error {
	now := g.d.Now().UnixNano()
	last := g.checked.Load()
	if now-last < int64(g.d.Every) || !g.checked.CompareAndSwap(last, now) {
		return nil
	}
	gen, err := g.d.Store.PlacesGeneration(ctx)
	if err != nil || gen == g.gen.Load() {
		return err
	}
	return g.Load(ctx)
}

// Field names of the forms and the import's columns.
const (
	FieldCode         = "code"
	FieldName         = "name"
	FieldType         = "type"
	FieldNameWithType = "name_with_type"
	FieldISO          = "iso"
	FieldTimezone     = "timezone"

	FieldRegion     = "region"
	FieldArea       = "area"
	FieldPostcode   = "postcode"
	FieldLat        = "lat"
	FieldLon        = "lon"
	FieldPopulation = "population"
)

// RegionTypes are the kinds of federal subject, as the reference data
// abbreviates them.
var RegionTypes = []string{"Респ", "край", "обл", "г", "Аобл", "АО"}

// RegionInput is a region as typed in the form.
type RegionInput struct {
	Code, Name, Type, NameWithType, ISO, Timezone string
}

// Text is a region back as the form's input.
func RegionText(r places.Region) RegionInput {
	return RegionInput{Code: r.Code, Name: r.Name, Type: r.Type, NameWithType: r.NameWithType, ISO: r.ISO, Timezone: r.Timezone}
}

// Limits of the text fields, in characters.
const (
	maxName = 100
	maxType = 12
)

// NormalizeRegion checks a region as typed and returns it cleaned, or a
// problem.Invalid with a message on each field that breaks its rule. The
// name with its type, when not given, puts the type before the name for a
// city and a republic, after it otherwise («Респ Крым», «Калужская обл»).
func NormalizeRegion(in RegionInput) (places.Region, error) {
	var f problem.Fields
	r := places.Region{Code: strings.TrimSpace(in.Code), Name: clean(in.Name), Type: clean(in.Type),
		NameWithType: clean(in.NameWithType), ISO: strings.ToUpper(strings.TrimSpace(in.ISO)), Timezone: strings.ToUpper(strings.TrimSpace(in.Timezone))}
	if len(r.Code) != 2 || strings.Trim(r.Code, "0123456789") != "" || r.Code == "00" {
		f.Add(FieldCode, problem.M("gazetteer.code_format"))
	}
	f.Add(FieldName, name(r.Name, maxName))
	switch {
	case r.Type == "":
		f.Add(FieldType, problem.M("gazetteer.region_type_required"))
	case !slices.Contains(RegionTypes, r.Type):
		f.Add(FieldType, problem.M("gazetteer.region_type_unknown", "Types", strings.Join(RegionTypes, ", ")))
	}
	if r.NameWithType != "" {
		f.Add(FieldNameWithType, name(r.NameWithType, 2*maxName))
	} else if r.Type == "г" || r.Type == "Респ" {
		r.NameWithType = r.Type + " " + r.Name
	} else {
		r.NameWithType = r.Name + " " + r.Type
	}
	if r.ISO != "" && !isISO(r.ISO) {
		f.Add(FieldISO, problem.M("gazetteer.iso_format"))
	}
	if r.Timezone != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(r.Timezone, "UTC+"))
		if !strings.HasPrefix(r.Timezone, "UTC+") || err != nil || n < 2 || n > 12 {
			f.Add(FieldTimezone, problem.M("gazetteer.timezone_format"))
		}
	}
	if err := f.Err(); err != nil {
		return places.Region{}, err
	}
	return r, nil
}

// isISO reports whether s is a subdivision code of Russia in ISO 3166-2:
// RU- and two or three Latin capitals.
func isISO(s string) bool {
	rest, ok := strings.CutPrefix(s, "RU-")
	if !ok || len(rest) < 2 || len(rest) > 3 {
		return false
	}
	return strings.Trim(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == ""
}

// LocalityInput is a locality as typed in the form or read from a row of
// an import.
type LocalityInput struct {
	Region, Type, Name, Area, Postcode, Lat, Lon, Population, FIAS string
}

// LocalityText is a locality back as the form's input.
func LocalityText(l places.Locality) LocalityInput {
	in := LocalityInput{Region: l.Region, Type: l.Type, Name: l.Name, Area: l.Area, Postcode: l.Postcode, FIAS: l.FIAS}
	if l.Lat != 0 || l.Lon != 0 {
		in.Lat, in.Lon = strconv.FormatFloat(l.Lat, 'f', -1, 64), strconv.FormatFloat(l.Lon, 'f', -1, 64)
	}
	if l.Population > 0 {
		in.Population = strconv.Itoa(l.Population)
	}
	return in
}

// maxPopulation is above Moscow's.
const maxPopulation = 30_000_000

// Regions tells the regions a locality may be in (places.Directory).
type Regions interface {
	HasRegion(code string) bool
}

// NormalizeLocality checks a locality as typed and returns it cleaned, or
// a problem.Invalid with a message on each field that breaks its rule.
func NormalizeLocality(in LocalityInput, regions Regions) (places.Locality, error) {
	var f problem.Fields
	l := places.Locality{Region: strings.TrimSpace(in.Region), Type: clean(in.Type), Name: clean(in.Name), Area: clean(in.Area),
		Postcode: strings.TrimSpace(in.Postcode), FIAS: strings.ToLower(strings.TrimSpace(in.FIAS))}
	switch {
	case l.Region == "":
		f.Add(FieldRegion, problem.M("gazetteer.region_required"))
	case !regions.HasRegion(l.Region):
		f.Add(FieldRegion, problem.M("gazetteer.region_unknown"))
	}
	switch {
	case l.Type == "":
		f.Add(FieldType, problem.M("gazetteer.locality_type_required"))
	case utf8.RuneCountInString(l.Type) > maxType || strings.ContainsFunc(l.Type, func(r rune) bool {
		return !unicode.IsLetter(r) && !strings.ContainsRune(" .-/", r)
	}):
		f.Add(FieldType, problem.M("gazetteer.locality_type_format", "Max", maxType))
	}
	f.Add(FieldName, name(l.Name, maxName))
	if l.Area != "" {
		f.Add(FieldArea, name(l.Area, maxName))
	}
	if l.Postcode != "" && (len(l.Postcode) != 6 || strings.Trim(l.Postcode, "0123456789") != "") {
		f.Add(FieldPostcode, problem.M("gazetteer.postcode_format"))
	}
	lat, lon := strings.TrimSpace(in.Lat), strings.TrimSpace(in.Lon)
	switch {
	case lat == "" && lon == "":
	case lat == "":
		f.Add(FieldLat, problem.M("gazetteer.coords_pair"))
	case lon == "":
		f.Add(FieldLon, problem.M("gazetteer.coords_pair"))
	default:
		var ok bool
		if l.Lat, ok = coordinate(lat, 41, 82); !ok { // Russia lies between these
			f.Add(FieldLat, problem.M("gazetteer.lat_range"))
		}
		// From Kaliningrad's 19.6° east to Chukotka's 169° west.
		if l.Lon, ok = coordinate(lon, -180, 180); !ok || (l.Lon < 19 && l.Lon > -169) {
			f.Add(FieldLon, problem.M("gazetteer.lon_range"))
		}
	}
	if p := strings.ReplaceAll(strings.TrimSpace(in.Population), " ", ""); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n > maxPopulation {
			f.Add(FieldPopulation, problem.M("gazetteer.population_format"))
		}
		l.Population = n
	}
	if l.FIAS != "" && !isUUID(l.FIAS) {
		f.Add("fias_id", problem.M("gazetteer.fias_format"))
	}
	if err := f.Err(); err != nil {
		return places.Locality{}, err
	}
	return l, nil
}

// Key is what tells localities of a region apart: the kind, the name and
// the district, folded (case, ё/е, spacing). Two with the same key are one
// locality typed twice.
func Key(l places.Locality) string {
	return fold(l.Type) + "|" + fold(l.Name) + "|" + fold(l.Area)
}

// sameAsReference reports whether the reference data has the locality: a
// town of the region with its name, in its district when one is given.
func sameAsReference(ref []places.Locality, l places.Locality) bool {
	for _, r := range ref {
		if r.Added() || fold(r.Name) != fold(l.Name) {
			continue
		}
		if l.Area == "" || r.Area == "" || fold(r.Area) == fold(l.Area) {
			return true
		}
	}
	return false
}

func fold(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.ToLower(s), "ё", "е")), " ")
}

// name checks a name: given, not too long, with a letter, and of the
// characters names are written with.
func name(s string, max int) error {
	switch {
	case s == "":
		return problem.M("gazetteer.required")
	case utf8.RuneCountInString(s) > max:
		return problem.M("gazetteer.too_long", "Max", max)
	case !strings.ContainsFunc(s, unicode.IsLetter):
		return problem.M("gazetteer.name_letters")
	case strings.ContainsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && !strings.ContainsRune(" -–—.,()«»\"'’№/", r)
	}):
		return problem.M("gazetteer.name_characters")
	}
	return nil
}

// clean trims s and collapses its runs of white space into one space;
// control characters are dropped.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func coordinate(s string, lo, hi float64) (float64, bool) {
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || math.IsNaN(v) || v < lo || v > hi {
		return 0, false
	}
	return math.Round(v*1e6) / 1e6, true
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdef", r) {
				return false
			}
		}
	}
	return true
}
