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

func (v *validator) catalog(c *Document) {
	if len(c.Services) > MaxServices {
		v.fail("services", "catalog.list_long", "Max", MaxServices)
		return
	}
	cats, ags, svcs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	agencyRegion := map[string]string{}
	for i, x := range c.Categories {
		p := fmt.Sprintf("categories[%d]", i)
		v.id(p+".id", x.ID, cats)
		if !idPattern.MatchString(x.Icon) {
			v.fail(p+".icon", "catalog.id_format")
		}
		v.text(p+".title", x.Title, MaxTitle, true)
	}
	for i, x := range c.Agencies {
		p := fmt.Sprintf("agencies[%d]", i)
		v.id(p+".id", x.ID, ags)
		v.text(p+".name", x.Name, MaxTitle, true)
		switch x.Level {
		case Federal:
			if x.Region != "" {
				v.fail(p+".region", "catalog.agency_federal_region")
			}
		case Regional, Municipal:
			v.region(p+".region", x.Region)
		default:
			v.fail(p+".level", "catalog.agency_level")
		}
		agencyRegion[x.ID] = x.Region
	}
	for i := range c.Services {
		s := &c.Services[i]
		p := fmt.Sprintf("services[%d]", i)
		v.id(p+".id", s.ID, svcs)
		if !cats[s.Category] {
			v.fail(p+".category", "catalog.category_unknown", "ID", s.Category)
		}
		if !ags[s.Agency] {
			v.fail(p+".agency", "catalog.agency_unknown", "ID", s.Agency)
		}
		v.text(p+".title", s.Title, MaxTitle, true)
		v.text(p+".short", s.Short, MaxShort, true)
		v.text(p+".description", s.Description, MaxText, true)
		v.text(p+".term", s.Term, MaxText, true)
		v.text(p+".result", s.Result, MaxText, true)
		v.text(p+".payment", s.Payment, MaxText, false)
		v.text(p+".cost.text", s.Cost.Text, MaxTitle, true)
		if s.Popularity < 0 || s.Popularity > 100 {
			v.fail(p+".popularity", "catalog.popularity_range")
		}
		if s.Cost.Rub < 0 || s.Cost.Rub > 10_000_000 {
			v.fail(p+".cost.rub", "catalog.cost_range")
		}
		v.texts(p+".documents", s.Documents, true)
		v.texts(p+".legal_basis", s.LegalBasis, true)
		if len(s.Applicants) == 0 {
			v.fail(p+".applicants", "catalog.applicants_required")
		}
		for j, a := range s.Applicants {
			if !slices.Contains(Applicants, a) || slices.Index(s.Applicants, a) != j {
				v.fail(fmt.Sprintf("%s.applicants[%d]", p, j), "catalog.applicant_unknown", "Value", string(a))
			}
		}
		if len(s.Channels) == 0 {
			v.fail(p+".channels", "catalog.channels_required")
		}
		for j, ch := range s.Channels {
			if !slices.Contains(Channels, ch) || slices.Index(s.Channels, ch) != j {
				v.fail(fmt.Sprintf("%s.channels[%d]", p, j), "catalog.channel_unknown", "Value", string(ch))
			}
		}
		switch s.Level {
		case account.Simplified, account.Standard, account.Confirmed:
		default:
			v.fail(p+".level", "catalog.level_unknown", "Value", string(s.Level))
		}
		switch s.Status {
		case "", Draft, Published:
		default:
			v.fail(p+".status", "catalog.status_unknown", "Value", string(s.Status))
		}
		for lang, words := range map[string][]string{"ru": s.Keywords.RU, "en": s.Keywords.EN} {
			if len(words) > MaxListItems {
				v.fail(p+".keywords."+lang, "catalog.list_long", "Max", MaxListItems)
			}
			for j, w := range words {
				if strings.TrimSpace(w) == "" || utf8.RuneCountInString(w) > MaxSynonymLen {
					v.fail(fmt.Sprintf("%s.keywords.%s[%d]", p, lang, j), "catalog.keyword_format")
				}
			}
		}
		seen := map[string]bool{}
		available := false
		for j, x := range s.Variants {
			vp := fmt.Sprintf("%s.variants[%d]", p, j)
			v.region(vp+".region", x.Region)
			if seen[x.Region] {
				v.fail(vp+".region", "catalog.variant_duplicate", "Region", x.Region)
			}
			seen[x.Region] = true
			available = available || x.Available
			if x.Agency != "" {
				if !ags[x.Agency] {
					v.fail(vp+".agency", "catalog.agency_unknown", "ID", x.Agency)
				} else if r := agencyRegion[x.Agency]; r != "" && r != x.Region {
					v.fail(vp+".agency", "catalog.agency_other_region", "ID", x.Agency)
				}
			}
			if x.Cost != nil {
				v.text(vp+".cost.text", x.Cost.Text, MaxTitle, true)
			}
			if x.Term != nil {
				v.text(vp+".term", *x.Term, MaxText, true)
			}
			v.texts(vp+".extra_documents", x.ExtraDocuments, true)
		}
		if !s.Federal && !available {
			v.fail(p+".variants", "catalog.nowhere")
		}
	}
	for i, x := range c.Synonyms {
		p := fmt.Sprintf("synonyms[%d]", i)
		if strings.TrimSpace(x.Term) == "" || utf8.RuneCountInString(x.Term) > MaxSynonymLen {
			v.fail(p+".term", "catalog.keyword_format")
		}
		if strings.TrimSpace(x.Expands) == "" || utf8.RuneCountInString(x.Expands) > MaxSynonymLen {
			v.fail(p+".expands", "catalog.keyword_format")
		}
	}
}
