package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/problem"
)

// Limits of a catalog document.
const (
	MaxDocument   = 16 << 20 // bytes of one import
	MaxServices   = 50_000
	MaxTitle      = 200  // runes of a title or a name
	MaxShort      = 300  // runes of a short description
	MaxText       = 8000 // runes of any other text
	MaxListItems  = 50   // documents, legal acts, keywords of one service
	MaxSynonymLen = 100
	maxRub        = 10_000_000 // the highest cost, in rubles
)

// idPattern is an ID: lower-case Latin letters, digits and inner dashes.
var idPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// Rejection is one thing wrong in a catalog document: where (a JSON path
// such as "services[12].title.en") and what.
type Rejection struct {
	Path    string
	Message problem.Message
}

// Invalid is a document with rejections: an import is all or nothing.
type Invalid struct {
	Rejections []Rejection
}

// Unwrap gives the rejections as an Invalid problem, a field per path,
// for the API to answer with.
func (e *Invalid) Unwrap() error {
	p := &problem.Error{Kind: problem.Invalid, Message: problem.M("catalog.document_invalid", "N", len(e.Rejections))}
	for _, r := range e.Rejections {
		if _, dup := p.Field(r.Path); !dup {
			p.Fields = append(p.Fields, problem.FieldError{Field: r.Path, Message: r.Message})
		}
	}
	return p
}

func (e *Invalid) Error() string {
	if len(e.Rejections) == 0 {
		return "catalog: invalid"
	}
	return fmt.Sprintf("catalog: %d problem(s), the first at %s: %s", len(e.Rejections), e.Rejections[0].Path, e.Rejections[0].Message.ID)
}

// Parse reads a catalog document and checks it whole: every ID well-formed
// and unique, every reference resolved, every text in both languages,
// regions known, values from their vocabularies. A document that fails is
// an *Invalid listing every problem (at most 200), or a problem.Invalid
// "catalog.unreadable" when it is not JSON of this shape.
func Parse(data []byte, regions address.Regions) (*Document, error) {
	if len(data) > MaxDocument {
		return nil, problem.New(problem.TooLarge, "catalog.too_large", "MaxMB", MaxDocument>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Document
	if err := dec.Decode(&c); err != nil {
		return nil, problem.New(problem.Invalid, "catalog.unreadable", "Detail", jsonProblem(err))
	}
	if dec.More() {
		return nil, problem.New(problem.Invalid, "catalog.unreadable", "Detail", "trailing data")
	}
	v := &validator{regions: regions}
	v.catalog(&c)
	if len(v.out) > 0 {
		return nil, &Invalid{Rejections: v.out}
	}
	return &c, nil
}

// jsonProblem says where a JSON document went wrong, without echoing it.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("%s: want %s", typ.Field, typ.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "not a catalog document"
}

type validator struct {
	regions address.Regions
	out     []Rejection
}

const maxRejections = 200

func (v *validator) fail(path, id string, kv ...any) {
	if len(v.out) < maxRejections {
		v.out = append(v.out, Rejection{Path: path, Message: problem.M(id, kv...)})
	}
}

func (v *validator) id(path, id string, seen map[string]bool) {
	switch {
	case !idPattern.MatchString(id):
		v.fail(path, "catalog.id_format")
	case seen[id]:
		v.fail(path, "catalog.id_duplicate", "ID", id)
	}
	seen[id] = true
}

// text checks a text in both languages: required, at most max runes,
// printable.
func (v *validator) text(path string, t Text, max int, required bool) {
	for _, x := range []struct{ lang, s string }{{"ru", t.RU}, {"en", t.EN}} {
		p := path + "." + x.lang
		switch {
		case strings.TrimSpace(x.s) == "":
			if required {
				v.fail(p, "catalog.text_required")
			}
		case !utf8.ValidString(x.s) || strings.ContainsFunc(x.s, func(r rune) bool { return r < 0x20 && r != '\n' }):
			v.fail(p, "catalog.text_chars")
		case utf8.RuneCountInString(x.s) > max:
			v.fail(p, "catalog.text_long", "Max", max)
		}
	}
}

func (v *validator) texts(path string, ts []Text, required bool) {
	if len(ts) > MaxListItems {
		v.fail(path, "catalog.list_long", "Max", MaxListItems)
		return
	}
	for i, t := range ts {
		v.text(fmt.Sprintf("%s[%d]", path, i), t, MaxText, required)
	}
}

func (v *validator) region(path, code string) {
	if !v.regions.HasRegion(code) {
		v.fail(path, "catalog.region_unknown", "Region", code)
	}
}

// at joins a path and a member's name: "" and "title" make "title",
// "services[3]" and "title" make "services[3].title".
func at(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// refs are what a service may refer to: the categories, and the agencies
// with their regions ("" for a federal one).
type refs struct {
	categories map[string]bool
	agencies   map[string]string
}

func (v *validator) catalog(c *Document) {
	if len(c.Services) > MaxServices {
		v.fail("services", "catalog.list_long", "Max", MaxServices)
		return
	}
	r := refs{categories: map[string]bool{}, agencies: map[string]string{}}
	cats, ags, svcs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, x := range c.Categories {
		v.category(fmt.Sprintf("categories[%d]", i), x, cats)
		r.categories[x.ID] = true
	}
	for i, x := range c.Agencies {
		v.agency(fmt.Sprintf("agencies[%d]", i), x, ags)
		r.agencies[x.ID] = x.Region
	}
	for i := range c.Services {
		v.service(fmt.Sprintf("services[%d]", i), &c.Services[i], svcs, r)
	}
	for i, x := range c.Synonyms {
		v.synonym(fmt.Sprintf("synonyms[%d]", i), x)
	}
}

func (v *validator) category(p string, x Category, seen map[string]bool) {
	v.id(at(p, "id"), x.ID, seen)
	if !idPattern.MatchString(x.Icon) {
		v.fail(at(p, "icon"), "catalog.id_format")
	}
	v.text(at(p, "title"), x.Title, MaxTitle, true)
}

func (v *validator) agency(p string, x Agency, seen map[string]bool) {
	v.id(at(p, "id"), x.ID, seen)
	v.text(at(p, "name"), x.Name, MaxTitle, true)
	switch x.Level {
	case Federal:
		if x.Region != "" {
			v.fail(at(p, "region"), "catalog.agency_federal_region")
		}
	case Regional, Municipal:
		v.region(at(p, "region"), x.Region)
	default:
		v.fail(at(p, "level"), "catalog.agency_level")
	}
}

// service checks one service at path p ("" for a service on its own, as
// an editor saves it) against what it may refer to.
func (v *validator) service(p string, s *Service, seen map[string]bool, r refs) {
	v.id(at(p, "id"), s.ID, seen)
	if !r.categories[s.Category] {
		v.fail(at(p, "category"), "catalog.category_unknown", "ID", s.Category)
	}
	if _, ok := r.agencies[s.Agency]; !ok {
		v.fail(at(p, "agency"), "catalog.agency_unknown", "ID", s.Agency)
	}
	v.text(at(p, "title"), s.Title, MaxTitle, true)
	v.text(at(p, "short"), s.Short, MaxShort, true)
	v.text(at(p, "description"), s.Description, MaxText, true)
	v.text(at(p, "term"), s.Term, MaxText, true)
	v.text(at(p, "result"), s.Result, MaxText, true)
	v.text(at(p, "payment"), s.Payment, MaxText, false)
	v.text(at(p, "cost.text"), s.Cost.Text, MaxTitle, true)
	if s.Popularity < 0 || s.Popularity > 100 {
		v.fail(at(p, "popularity"), "catalog.popularity_range")
	}
	if s.Cost.Rub < 0 || s.Cost.Rub > maxRub {
		v.fail(at(p, "cost.rub"), "catalog.cost_range")
	}
	v.texts(at(p, "documents"), s.Documents, true)
	v.texts(at(p, "legal_basis"), s.LegalBasis, true)
	if len(s.Applicants) == 0 {
		v.fail(at(p, "applicants"), "catalog.applicants_required")
	}
	for j, a := range s.Applicants {
		if !slices.Contains(Applicants, a) || slices.Index(s.Applicants, a) != j {
			v.fail(at(p, fmt.Sprintf("applicants[%d]", j)), "catalog.applicant_unknown", "Value", string(a))
		}
	}
	if len(s.Channels) == 0 {
		v.fail(at(p, "channels"), "catalog.channels_required")
	}
	for j, ch := range s.Channels {
		if !slices.Contains(Channels, ch) || slices.Index(s.Channels, ch) != j {
			v.fail(at(p, fmt.Sprintf("channels[%d]", j)), "catalog.channel_unknown", "Value", string(ch))
		}
	}
	switch s.Level {
	case account.Simplified, account.Standard, account.Confirmed:
	default:
		v.fail(at(p, "level"), "catalog.level_unknown", "Value", string(s.Level))
	}
	switch s.Status {
	case "", Draft, Published:
	default:
		v.fail(at(p, "status"), "catalog.status_unknown", "Value", string(s.Status))
	}
	for _, kw := range []struct {
		lang  string
		words []string
	}{{"ru", s.Keywords.RU}, {"en", s.Keywords.EN}} {
		if len(kw.words) > MaxListItems {
			v.fail(at(p, "keywords."+kw.lang), "catalog.list_long", "Max", MaxListItems)
		}
		for j, w := range kw.words {
			if strings.TrimSpace(w) == "" || utf8.RuneCountInString(w) > MaxSynonymLen {
				v.fail(at(p, fmt.Sprintf("keywords.%s[%d]", kw.lang, j)), "catalog.keyword_format")
			}
		}
	}
	regions := map[string]bool{}
	available := false
	for j, x := range s.Variants {
		vp := at(p, fmt.Sprintf("variants[%d]", j))
		v.region(vp+".region", x.Region)
		if regions[x.Region] {
			v.fail(vp+".region", "catalog.variant_duplicate", "Region", x.Region)
		}
		regions[x.Region] = true
		available = available || x.Available
		if x.Agency != "" {
			if region, ok := r.agencies[x.Agency]; !ok {
				v.fail(vp+".agency", "catalog.agency_unknown", "ID", x.Agency)
			} else if region != "" && region != x.Region {
				v.fail(vp+".agency", "catalog.agency_other_region", "ID", x.Agency)
			}
		}
		if x.Cost != nil {
			v.text(vp+".cost.text", x.Cost.Text, MaxTitle, true)
			if x.Cost.Rub < 0 || x.Cost.Rub > maxRub {
				v.fail(vp+".cost.rub", "catalog.cost_range")
			}
		}
		if x.Term != nil {
			v.text(vp+".term", *x.Term, MaxText, true)
		}
		v.texts(vp+".extra_documents", x.ExtraDocuments, true)
	}
	if !s.Federal && !available {
		v.fail(at(p, "variants"), "catalog.nowhere")
	}
}

func (v *validator) synonym(p string, x Synonym) {
	if strings.TrimSpace(x.Term) == "" || utf8.RuneCountInString(x.Term) > MaxSynonymLen {
		v.fail(at(p, "term"), "catalog.keyword_format")
	}
	if strings.TrimSpace(x.Expands) == "" || utf8.RuneCountInString(x.Expands) > MaxSynonymLen {
		v.fail(at(p, "expands"), "catalog.keyword_format")
	}
}
