package places

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
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

// Locality is a town of a region.
type Locality struct {
	Region     string // the region's code
	Type       string // "г"
	Name       string // "Тамбов"
	Area       string // the district, when the town is in one
	Postcode   string
	FIAS       string
	Lat, Lon   float64
	Population int
}

// Directory is the reference data: regions in code order, towns per
// region in name order.
type Directory struct {
	regions    []Region
	byCode     map[string]int
	localities map[string][]Locality
}

// Load parses the embedded data.
func Load() (*Directory, error) {
	d := &Directory{byCode: map[string]int{}, localities: map[string][]Locality{}}
	if err := readCSV("data/region.csv", func(r record) error {
		kladr := r.get("kladr_id")
		if len(kladr) < 2 {
			return fmt.Errorf("kladr_id %q", kladr)
		}
		return d.add(Region{Code: kladr[:2], Name: r.get("name"), Type: r.get("type"), NameWithType: r.get("name_with_type"),
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
		if _, ok := d.byCode[l.Region]; !ok {
			return fmt.Errorf("%s: no region %s", l.Name, l.Region)
		}
		d.localities[l.Region] = append(d.localities[l.Region], l)
		return nil
	}); err != nil {
		return nil, err
	}
	for _, ls := range d.localities {
		slices.SortStableFunc(ls, func(a, b Locality) int { return strings.Compare(a.Name, b.Name) })
	}
	return d, nil
}

func (d *Directory) add(r Region) error {
	if len(r.Code) != 2 || strings.Trim(r.Code, "0123456789") != "" || r.Name == "" {
		return fmt.Errorf("places: region %q %q: the code must be 2 digits and the name given", r.Code, r.Name)
	}
	if _, dup := d.byCode[r.Code]; dup {
		return fmt.Errorf("places: two regions with code %s", r.Code)
	}
	i, _ := slices.BinarySearchFunc(d.regions, r.Code, func(a Region, code string) int { return strings.Compare(a.Code, code) })
	d.regions = slices.Insert(d.regions, i, r)
	for j := range d.regions {
		d.byCode[d.regions[j].Code] = j
	}
	return nil
}

// With returns a copy of the directory with more regions, such as the
// subjects added after the data was published, whose codes an administrator
// decides. A code already present, or not of 2 digits, is an error.
func (d *Directory) With(extra ...Region) (*Directory, error) {
	c := &Directory{regions: slices.Clone(d.regions), byCode: map[string]int{}, localities: d.localities}
	for i, r := range c.regions {
		c.byCode[r.Code] = i
	}
	for _, r := range extra {
		if err := c.add(r); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Regions returns every region in code order.
func (d *Directory) Regions() []Region { return slices.Clone(d.regions) }

// Codes returns every region's code, in code order.
func (d *Directory) Codes() []string {
	out := make([]string, len(d.regions))
	for i, r := range d.regions {
		out[i] = r.Code
	}
	return out
}

// Region returns the region with a 2-digit code.
func (d *Directory) Region(code string) (Region, bool) {
	i, ok := d.byCode[code]
	if !ok {
		return Region{}, false
	}
	return d.regions[i], true
}

// HasRegion reports whether a region has the code (address.Regions).
func (d *Directory) HasRegion(code string) bool { _, ok := d.byCode[code]; return ok }

// Localities returns the towns of a region in name order; none for an
// unknown code. Villages are not in the data, so a form offers these as
// suggestions and accepts any locality typed.
func (d *Directory) Localities(region string) []Locality { return slices.Clone(d.localities[region]) }

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
