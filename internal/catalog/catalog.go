// Package catalog is the portal's service catalog (issue 14 §2, SPEC.md
// §7): categories, agencies (federal, regional, municipal) and services —
// who may apply, the account level they need, documents, cost, term,
// result, channels, legal basis — each tied to the regions where it exists
// and on what terms («все услуги соотнесены с конкретным регионом»).
//
// A federal service exists in every region; a variant may change, for a
// region, its agency, cost and term, add documents, or withdraw it there.
// A regional or municipal service exists only in the regions its variants
// make it available in. In resolves a service for a region.
//
// Every text is in Russian and English (Text). The catalog is read from
// and written to one JSON document (Parse, Marshal), the format of the
// demo's catalog and of the editors' import and export.
//
// catalog imports account, problem and textsearch.
package catalog

import (
	"slices"
	"time"

	"github.com/kabinet/kabinet/internal/account"
)

// Text is a text in both languages.
type Text struct {
	RU string `json:"ru"`
	EN string `json:"en"`
}

// In returns the text in lang ("en"; anything else is Russian), the
// Russian one when the English is missing.
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.RU
}

// Applicant is who may apply for a service.
type Applicant string

const (
	Citizen      Applicant = "citizen"
	Entrepreneur Applicant = "entrepreneur"
	Organization Applicant = "organization"
)

// Applicants are the applicants in the order pages list them.
var Applicants = []Applicant{Citizen, Entrepreneur, Organization}

// Channel is where a service is received.
type Channel string

const (
	Online   Channel = "online" // on the portal
	MFC      Channel = "mfc"    // in person at an MFC
	AtAgency Channel = "agency" // at the agency itself
)

// Channels are the channels in the order pages list them.
var Channels = []Channel{Online, MFC, AtAgency}

// AgencyLevel is a government's tier.
type AgencyLevel string

const (
	Federal   AgencyLevel = "federal"
	Regional  AgencyLevel = "regional"
	Municipal AgencyLevel = "municipal"
)

// Category groups services on the catalog's first page.
type Category struct {
	ID    string `json:"id"`
	Icon  string `json:"icon"` // the name of its icon (static/icons/catalog/<icon>.svg)
	Order int    `json:"order"`
	Title Text   `json:"title"`
}

// Agency provides services: a federal body, or a region's or a town's.
type Agency struct {
	ID     string      `json:"id"`
	Level  AgencyLevel `json:"level"`
	Region string      `json:"region"` // "" for a federal agency
	Name   Text        `json:"name"`
}

// Cost is what a service costs: the state duty in whole rubles (0: free)
// and how to say it.
type Cost struct {
	Rub  int  `json:"rub"`
	Text Text `json:"text"`
}

// Variant is a service's terms in one region.
type Variant struct {
	Region    string `json:"region"`
	Available bool   `json:"available"`
	// Agency, Cost and Term replace the service's when set.
	Agency         string `json:"agency"`
	Cost           *Cost  `json:"cost"`
	Term           *Text  `json:"term"`
	ExtraDocuments []Text `json:"extra_documents"`
}

// Keywords are words people type that the title lacks.
type Keywords struct {
	RU []string `json:"ru"`
	EN []string `json:"en"`
}

// Service is one service of the catalog.
type Service struct {
	ID          string        `json:"id"`
	Category    string        `json:"category"`
	Agency      string        `json:"agency"`
	Title       Text          `json:"title"`
	Short       Text          `json:"short"`
	Description Text          `json:"description"`
	Applicants  []Applicant   `json:"applicants"`
	Level       account.Level `json:"level"` // the account level the service needs online
	Documents   []Text        `json:"documents"`
	Cost        Cost          `json:"cost"`
	Payment     Text          `json:"payment"`
	Term        Text          `json:"term"`
	Result      Text          `json:"result"`
	Channels    []Channel     `json:"channels"`
	LegalBasis  []Text        `json:"legal_basis"`
	Federal     bool          `json:"federal"`
	Keywords    Keywords      `json:"keywords"`
	Variants    []Variant     `json:"variants"`
	// Popularity is the editors' estimate of how much people use the
	// service, 0–100: the search ranks a more popular one of equally
	// good matches first, and the popular list counts it before views.
	Popularity int `json:"popularity,omitempty"`
	// Status is the editors' state; only published services are public.
	Status    Status    `json:"status,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Status is where a service is in the editors' work.
type Status string

const (
	Draft     Status = "draft"
	Published Status = "published"
)

// Synonym is an editor's expansion of a word people type into the words
// of the titles: «загран» → «заграничный паспорт».
type Synonym struct {
	Term    string `json:"term"`
	Expands string `json:"expands"`
}

// Document is the whole catalog, as imported and exported.
type Document struct {
	Categories []Category `json:"categories"`
	Agencies   []Agency   `json:"agencies"`
	Services   []Service  `json:"services"`
	Synonyms   []Synonym  `json:"synonyms"`
}

// variant returns the service's variant for region, if any.
func (s *Service) variant(region string) (Variant, bool) {
	i := slices.IndexFunc(s.Variants, func(v Variant) bool { return v.Region == region })
	if i < 0 {
		return Variant{}, false
	}
	return s.Variants[i], true
}

// Exists reports whether the service exists in region.
func (s *Service) Exists(region string) bool {
	v, ok := s.variant(region)
	if s.Federal {
		return !ok || v.Available
	}
	return ok && v.Available
}

// Offer is a service as it is in one region.
type Offer struct {
	Service   *Service
	Region    string
	Agency    string // the agency's ID there
	Cost      Cost
	Term      Text
	Documents []Text // the service's documents, then the region's extra ones
}

// In returns the service as it is in region; false when it does not exist
// there.
func (s *Service) In(region string) (Offer, bool) {
	if !s.Exists(region) {
		return Offer{}, false
	}
	o := Offer{Service: s, Region: region, Agency: s.Agency, Cost: s.Cost, Term: s.Term, Documents: s.Documents}
	if v, ok := s.variant(region); ok {
		if v.Agency != "" {
			o.Agency = v.Agency
		}
		if v.Cost != nil {
			o.Cost = *v.Cost
		}
		if v.Term != nil {
			o.Term = *v.Term
		}
		if len(v.ExtraDocuments) > 0 {
			o.Documents = append(slices.Clone(s.Documents), v.ExtraDocuments...)
		}
	}
	return o, true
}

// Regions returns the regions of all where the service exists, in all's
// order: what a page lists when the service is not in the reader's region.
func (s *Service) Regions(all []string) []string {
	var out []string
	for _, r := range all {
		if s.Exists(r) {
			out = append(out, r)
		}
	}
	return out
}

// Opens reports whether an account of level may use the service online.
func (s *Service) Opens(level account.Level) bool { return level.Meets(s.Level) }
