package places

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

//go:embed data/region.csv data/city.csv
var data embed.FS

// Region is a federal subject of Russia.
type Region struct {
	Code         string // the 2-digit subject code: "77"
	Name         string // "Москва", "Тамбовская"
	Type         string // "г", "обл", "Респ", …, as in the source
	NameWithType string // "г Москва", "Тамбовская обл"
	ISO          string // ISO 3166-2: "RU-MOW"; empty when unknown
	OKATO, OKTMO string
	FIAS         string // the FIAS/GAR GUID
	Postcode     string // the capital's postcode
	Timezone     string // "UTC+3"
}

// Locality is a town of a region, or a village an administrator added.
type Locality struct {
	Region     string // the region's code
	Type       string // "г"
	Name       string // "Тамбов"
	Area       string // the district, when the town is in one
	Postcode   string
	FIAS       string
	Lat, Lon   float64
	Population int
	// ID is an added locality's ID in the store; "" for the reference
	// data's.
	ID string
}

// Added reports whether an administrator added the locality.
func (l Locality) Added() bool { return l.ID != "" }

// Directory is the reference data — regions in code order, towns per
// region in name order — with what administrators added to it (Extend).
// Its methods are safe for concurrent use; an Extend is seen at once by
// every holder of the directory.
type Directory struct {
	base *snapshot // the embedded data alone
	cur  atomic.Pointer[snapshot]
}

// snapshot is the directory at one moment: never changed once built.
type snapshot struct {
	regions    []Region
	byCode     map[string]int
	added      map[string]bool // the codes of the regions an administrator added
	localities map[string][]Locality
	// byRank is every locality, larger first and then by name, with its
	// folded name; byKey their positions in byRank in the order of the
	// folded names, for Find's prefix ranges; byLat those with a point in
	// the order of latitude, for Nearest; alphabet every rune of the
	// folded names, for the typos Find tries.
	byRank   []ranked
	byKey    []int32
	byLat    []*Locality
	alphabet []rune
}

type ranked struct {
	l   *Locality
	key string
}

// Load parses the embedded data.
func Load() (*Directory, error) {
	base := &snapshot{byCode: map[string]int{}, localities: map[string][]Locality{}}
	if err := readCSV("data/region.csv", func(r record) error {
		kladr := r.get("kladr_id")
		if len(kladr) < 2 {
			return fmt.Errorf("kladr_id %q", kladr)
		}
		return base.add(Region{Code: kladr[:2], Name: r.get("name"), Type: r.get("type"), NameWithType: r.get("name_with_type"),
			ISO: r.get("iso_code"), OKATO: r.get("okato"), OKTMO: r.get("oktmo"), FIAS: r.get("fias_id"),
			Postcode: r.get("postal_code"), Timezone: r.get("timezone")})
	}); err != nil {
		return nil, err
	}
	if err := readCSV("data/city.csv", func(r record) error {
		kladr := r.get("kladr_id")
		if len(kladr) < 2 {
			return fmt.Errorf("kladr_id %q", kladr)
		}
		l := Locality{Region: kladr[:2], Type: r.get("city_type"), Name: r.get("city"), Area: r.get("area"),
			Postcode: r.get("postal_code"), FIAS: r.get("fias_id")}
		if l.Name == "" { // a city of federal significance is its region
			l.Type, l.Name = r.get("region_type"), r.get("region")
		}
		var err error
		if l.Lat, err = strconv.ParseFloat(r.get("geo_lat"), 64); err != nil {
			return err
		}
		if l.Lon, err = strconv.ParseFloat(r.get("geo_lon"), 64); err != nil {
			return err
		}
		l.Population, _ = strconv.Atoi(r.get("population")) // unknown for a few towns
		if _, ok := base.byCode[l.Region]; !ok {
			return fmt.Errorf("%s: no region %s", l.Name, l.Region)
		}
		base.localities[l.Region] = append(base.localities[l.Region], l)
		return nil
	}); err != nil {
		return nil, err
	}
	base.index()
	d := &Directory{base: base}
	d.cur.Store(base)
	return d, nil
}

func (s *snapshot) add(r Region) error {
	if len(r.Code) != 2 || strings.Trim(r.Code, "0123456789") != "" || r.Name == "" {
		return fmt.Errorf("places: region %q %q: the code must be 2 digits and the name given", r.Code, r.Name)
	}
	if _, dup := s.byCode[r.Code]; dup {
		return fmt.Errorf("places: two regions with code %s", r.Code)
	}
	i, _ := slices.BinarySearchFunc(s.regions, r.Code, func(a Region, code string) int { return strings.Compare(a.Code, code) })
	s.regions = slices.Insert(s.regions, i, r)
	for j := range s.regions {
		s.byCode[s.regions[j].Code] = j
	}
	return nil
}

// index sorts each region's localities by name and builds byRank.
func (s *snapshot) index() {
	s.byRank = s.byRank[:0]
	for _, ls := range s.localities {
		slices.SortStableFunc(ls, func(a, b Locality) int {
			if c := strings.Compare(a.Name, b.Name); c != 0 {
				return c
			}
			return strings.Compare(a.Area, b.Area)
		})
		for i := range ls {
			s.byRank = append(s.byRank, ranked{l: &ls[i], key: fold(ls[i].Name)})
		}
	}
	slices.SortFunc(s.byRank, func(a, b ranked) int {
		if a.l.Population != b.l.Population {
			return b.l.Population - a.l.Population
		}
		if c := strings.Compare(a.l.Name, b.l.Name); c != 0 {
			return c
		}
		return strings.Compare(a.l.Region, b.l.Region)
	})
	s.byKey, s.byLat = make([]int32, len(s.byRank)), s.byLat[:0]
	runes := map[rune]bool{}
	for i, x := range s.byRank {
		s.byKey[i] = int32(i)
		for _, r := range x.key {
			runes[r] = true
		}
		if x.l.Lat != 0 || x.l.Lon != 0 {
			s.byLat = append(s.byLat, x.l)
		}
	}
	slices.SortStableFunc(s.byKey, func(a, b int32) int { return strings.Compare(s.byRank[a].key, s.byRank[b].key) })
	slices.SortStableFunc(s.byLat, func(a, b *Locality) int { return cmp.Compare(a.Lat, b.Lat) })
	s.alphabet = slices.Sorted(maps.Keys(runes))
}

// Extend replaces what administrators added to the reference data:
// regions (the subjects formed after the data was published, under codes
// an administrator decides) and localities (villages, imported or typed),
// each in a region of the reference data or of extra. A region code
// already in the reference data, one not of 2 digits, or a locality of an
// unknown region is an error, and the directory is left as it was.
func (d *Directory) Extend(extra []Region, localities []Locality) error {
	s := &snapshot{regions: slices.Clone(d.base.regions), byCode: map[string]int{}, added: map[string]bool{},
		localities: make(map[string][]Locality, len(d.base.localities))}
	for i, r := range s.regions {
		s.byCode[r.Code] = i
	}
	for _, r := range extra {
		if err := s.add(r); err != nil {
			return err
		}
		s.added[r.Code] = true
	}
	for code, ls := range d.base.localities {
		s.localities[code] = slices.Clone(ls)
	}
	for _, l := range localities {
		if _, ok := s.byCode[l.Region]; !ok {
			return fmt.Errorf("places: %s: no region %s", l.Name, l.Region)
		}
		s.localities[l.Region] = append(s.localities[l.Region], l)
	}
	s.index()
	d.cur.Store(s)
	return nil
}

// Regions returns every region in code order.
func (d *Directory) Regions() []Region { return slices.Clone(d.cur.Load().regions) }

// Codes returns every region's code, in code order.
func (d *Directory) Codes() []string {
	s := d.cur.Load()
	out := make([]string, len(s.regions))
	for i, r := range s.regions {
		out[i] = r.Code
	}
	return out
}

// Region returns the region with a 2-digit code.
func (d *Directory) Region(code string) (Region, bool) {
	s := d.cur.Load()
	i, ok := s.byCode[code]
	if !ok {
		return Region{}, false
	}
	return s.regions[i], true
}

// HasRegion reports whether a region has the code (address.Regions).
func (d *Directory) HasRegion(code string) bool { _, ok := d.cur.Load().byCode[code]; return ok }

// RegionAdded reports whether an administrator added the region (it is
// not in the reference data).
func (d *Directory) RegionAdded(code string) bool { return d.cur.Load().added[code] }

// Reference reports whether the embedded reference data has a region
// with the code.
func (d *Directory) Reference(code string) bool { _, ok := d.base.byCode[code]; return ok }

// Localities returns the localities of a region in name order; none for
// an unknown code. The data has towns and whatever villages
// administrators added, so a form offers these as suggestions and accepts
// any locality typed.
func (d *Directory) Localities(region string) []Locality {
	return slices.Clone(d.cur.Load().localities[region])
}

// record is one CSV row read by column name.
type record struct {
	cols map[string]int
	row  []string
}

func (r record) get(name string) string {
	if i, ok := r.cols[name]; ok && i < len(r.row) {
		return r.row[i]
	}
	return ""
}

func readCSV(name string, each func(record) error) error {
	b, err := data.ReadFile(name)
	if err != nil {
		return fmt.Errorf("places: %w", err)
	}
	cr := csv.NewReader(bytes.NewReader(b))
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("places: %s: %w", name, err)
	}
	cols := map[string]int{}
	for i, h := range head {
		cols[h] = i
	}
	for line := 2; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("places: %s: %w", name, err)
		}
		if err := each(record{cols, row}); err != nil {
			return fmt.Errorf("places: %s line %d: %w", name, line, err)
		}
	}
}
