// Package centers owns the directory of service centers where a citizen
// confirms their identity in person, registers, recovers access or gets an
// electronic signature: MFC offices and branches, Rostelecom and Russian
// Post offices, local administrations and library help desks. A Center has
// a region (internal/places' code), a locality, an address, coordinates,
// a phone, structured opening hours (Hours, with breaks, read from a
// compact text form by ParseHours) and the services it offers.
//
// Normalize checks a center field by field (a problem.Message on each);
// Search finds centers by locality name typing-tolerantly — case, ё/е, a
// prefix, one typo (Damerau-Levenshtein distance 1) in a name of five
// letters or more — with filters by service and region, ranked exact,
// prefix, typo. The Directory saves (Save) and imports (Import, CSV or
// JSON, all or nothing) centers for staff, each change with its audit
// record in the same transaction.
//
// centers imports places, audit and problem; it knows nothing of HTTP or
// SQL.
package centers

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kabinet/kabinet/internal/problem"
)

// Type is the kind of a center.
type Type string

const (
	MFC            Type = "mfc"
	MFCBranch      Type = "mfc_branch"
	Rostelecom     Type = "rostelecom"
	Post           Type = "post"
	Administration Type = "administration"
	Library        Type = "library"
)

// Types lists the types in the order forms offer them.
var Types = []Type{MFC, MFCBranch, Rostelecom, Post, Administration, Library}

// Service is what a citizen can do at a center.
type Service string

const (
	IdentityConfirmation Service = "identity_confirmation"
	Registration         Service = "registration"
	AccessRecovery       Service = "access_recovery"
	SignatureIssuance    Service = "signature_issuance"
)

// Services lists the services in order; a service's bit in a Set is its
// index.
var Services = []Service{IdentityConfirmation, Registration, AccessRecovery, SignatureIssuance}

// Set is a set of services as bits (Services' order), as stored.
type Set uint32

// Bit returns the service's bit; 0 for an unknown service.
func (s Service) Bit() Set {
	i := slices.Index(Services, s)
	if i < 0 {
		return 0
	}
	return 1 << i
}

// Known reports whether s is one of Services.
func (s Service) Known() bool { return s.Bit() != 0 }

// Known reports whether t is one of Types.
func (t Type) Known() bool { return slices.Contains(Types, t) }

// SetOf returns the set of services.
func SetOf(ss []Service) Set {
	var out Set
	for _, s := range ss {
		out |= s.Bit()
	}
	return out
}

// List returns the services of the set in Services' order.
func (s Set) List() []Service {
	var out []Service
	for i, sv := range Services {
		if s&(1<<i) != 0 {
			out = append(out, sv)
		}
	}
	return out
}

// Center is one service center.
type Center struct {
	ID       string // a slug: "kaluga-mfc" for demo ones, generated for new
	Name     string
	Type     Type
	Region   string // the 2-digit subject code (internal/places)
	Locality string // as written: "Калуга", "с. Хвастовичи" is "Хвастовичи"
	Address  string // the street address within the locality
	// Lat and Lon are the point on the map; HasCoords is false when none is
	// known (a village not in the reference data).
	Lat, Lon  float64
	HasCoords bool
	Phone     string
	Hours     Hours
	Services  []Service // in Services' order
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// The fields' names, as in the API and the import columns.
const (
	FieldID       = "id"
	FieldName     = "name"
	FieldType     = "type"
	FieldRegion   = "region"
	FieldLocality = "locality"
	FieldAddress  = "address"
	FieldLat      = "lat"
	FieldLon      = "lon"
	FieldPhone    = "phone"
	FieldHours    = "hours"
	FieldServices = "services"
	FieldActive   = "active"
)

// Fields lists the fields in the order of the import's columns.
var Fields = []string{FieldID, FieldName, FieldType, FieldRegion, FieldLocality, FieldAddress, FieldLat, FieldLon, FieldPhone, FieldHours, FieldServices, FieldActive}

// Input is a center as typed or imported: text, named as in the API.
// Lat and Lon are both empty (no point) or both given; Services is a list
// separated by commas, spaces or ";".
type Input struct {
	ID       string
	Name     string
	Type     string
	Region   string
	Locality string
	Address  string
	Lat, Lon string
	Phone    string
	Hours    string
	Services string
	Active   string // "", "true"/"false", "1"/"0", "да"/"нет": "" is active
}

// Regions is the reference data a center's region and locality come from
// (a *places.Directory).
type Regions interface {
	HasRegion(code string) bool
}

var (
	idPattern    = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)
	phonePattern = regexp.MustCompile(`^\+?[0-9 ()\-]{5,30}$`)
)

// Length limits of the text fields, in characters.
const (
	maxName     = 200
	maxLocality = 100
	maxAddress  = 300
)

// Normalize checks a center as typed and returns it in canonical form
// (trimmed, spaces collapsed, services in order), or a problem.Invalid with
// a message on each field that breaks its rule. An empty ID is allowed
// (the service generates one for a new center).
func Normalize(in Input, regions Regions) (Center, error) {
	var f problem.Fields
	c := Center{
		ID:       strings.TrimSpace(in.ID),
		Name:     clean(in.Name),
		Type:     Type(strings.TrimSpace(strings.ToLower(in.Type))),
		Region:   strings.TrimSpace(in.Region),
		Locality: clean(in.Locality),
		Address:  clean(in.Address),
		Phone:    clean(in.Phone),
		Active:   true,
	}
	if c.ID != "" && !idPattern.MatchString(c.ID) {
		f.Add(FieldID, problem.M("center.id_format"))
	}
	f.Add(FieldName, text(c.Name, maxName))
	switch {
	case c.Type == "":
		f.Add(FieldType, problem.M("center.type_required"))
	case !c.Type.Known():
		f.Add(FieldType, problem.M("center.type_unknown"))
	}
	switch {
	case c.Region == "":
		f.Add(FieldRegion, problem.M("center.region_required"))
	case regions == nil || !regions.HasRegion(c.Region):
		f.Add(FieldRegion, problem.M("center.region_unknown"))
	}
	f.Add(FieldLocality, text(c.Locality, maxLocality))
	if c.Locality != "" && Fold(c.Locality) == "" {
		f.Add(FieldLocality, problem.M("center.locality_letters"))
	}
	f.Add(FieldAddress, text(c.Address, maxAddress))
	lat, lon := strings.TrimSpace(in.Lat), strings.TrimSpace(in.Lon)
	switch {
	case lat == "" && lon == "":
	case lat == "":
		f.Add(FieldLat, problem.M("center.coords_pair"))
	case lon == "":
		f.Add(FieldLon, problem.M("center.coords_pair"))
	default:
		var ok1, ok2 bool
		c.Lat, ok1 = coordinate(lat, 41, 82) // Russia lies between these
		c.Lon, ok2 = coordinate(lon, -180, 180)
		if !ok1 {
			f.Add(FieldLat, problem.M("center.lat_range"))
		}
		if !ok2 {
			f.Add(FieldLon, problem.M("center.lon_range"))
		}
		c.HasCoords = ok1 && ok2
	}
	if c.Phone != "" && !phonePattern.MatchString(c.Phone) {
		f.Add(FieldPhone, problem.M("center.phone_format"))
	}
	var err error
	if c.Hours, err = ParseHours(in.Hours); err != nil {
		f.Add(FieldHours, err)
	}
	c.Services, err = parseServices(in.Services)
	f.Add(FieldServices, err)
	switch strings.ToLower(strings.TrimSpace(in.Active)) {
	case "", "true", "1", "да", "yes":
	case "false", "0", "нет", "no":
		c.Active = false
	default:
		f.Add(FieldActive, problem.M("center.active_format"))
	}
	if err := f.Err(); err != nil {
		return Center{}, err
	}
	return c, nil
}

// Text is a center back as Input, the form filled in.
func (c Center) Text() Input {
	in := Input{ID: c.ID, Name: c.Name, Type: string(c.Type), Region: c.Region, Locality: c.Locality, Address: c.Address,
		Phone: c.Phone, Hours: c.Hours.String(), Active: "true"}
	if c.HasCoords {
		in.Lat, in.Lon = strconv.FormatFloat(c.Lat, 'f', -1, 64), strconv.FormatFloat(c.Lon, 'f', -1, 64)
	}
	var ss []string
	for _, s := range c.Services {
		ss = append(ss, string(s))
	}
	in.Services = strings.Join(ss, ",")
	if !c.Active {
		in.Active = "false"
	}
	return in
}

func parseServices(s string) ([]Service, error) {
	var set Set
	for w := range strings.FieldsFuncSeq(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }) {
		sv := Service(w)
		if !sv.Known() {
			return nil, problem.M("center.service_unknown", "Service", w)
		}
		set |= sv.Bit()
	}
	if set == 0 {
		return nil, problem.M("center.services_required")
	}
	return set.List(), nil
}

func text(s string, max int) error {
	switch {
	case s == "":
		return problem.M("center.required")
	case len([]rune(s)) > max:
		return problem.M("center.too_long", "Max", max)
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
