// Package region is the visitor's region («Выбрать регион», issue 14 §1):
// every service exists, and on what terms, in a region, so the portal asks
// for it first — by the town the visitor types, or the one nearest to
// their browser's location — and remembers it: in a cookie for a guest,
// on the account for a citizen.
//
// region imports address and problem.
package region

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/problem"
)

// Choice is a chosen region and the town it was chosen by ("" when the
// region was chosen as a whole).
type Choice struct {
	Region   string
	Locality string
}

// MaxLocality bounds a town's name.
const MaxLocality = 100

// Store records a citizen's choice (store.Accounts).
type Store interface {
	SetRegion(ctx context.Context, accountID, region, locality string, at time.Time) error
}

// Sessions makes signed-in requests see the new choice at once.
type Sessions interface {
	AccountChanged(ctx context.Context, accountID string) error
}

// Service checks and records choices.
type Service struct {
	store    Store
	sessions Sessions
	regions  address.Regions
	now      func() time.Time
}

// New returns the service.
func New(store Store, sessions Sessions, regions address.Regions, now func() time.Time) *Service {
	return &Service{store: store, sessions: sessions, regions: regions, now: now}
}

// Check returns the choice cleaned, or Invalid on "region" for a region
// the reference data does not have.
func (s *Service) Check(c Choice) (Choice, error) {
	c.Region = strings.TrimSpace(c.Region)
	c.Locality = strings.Join(strings.Fields(c.Locality), " ")
	if utf8.RuneCountInString(c.Locality) > MaxLocality || !utf8.ValidString(c.Locality) {
		c.Locality = ""
	}
	if !s.regions.HasRegion(c.Region) {
		return Choice{}, problem.InvalidField("region", problem.M("region.unknown"))
	}
	return c, nil
}

// Choose records a citizen's choice on their account.
func (s *Service) Choose(ctx context.Context, accountID string, c Choice) (Choice, error) {
	c, err := s.Check(c)
	if err != nil {
		return Choice{}, err
	}
	if err := s.store.SetRegion(ctx, accountID, c.Region, c.Locality, s.now()); err != nil {
		return Choice{}, err
	}
	return c, s.sessions.AccountChanged(ctx, accountID)
}

// Cookie writes a choice as a cookie's value: "40:Калуга", escaped.
func (c Choice) Cookie() string { return url.QueryEscape(c.Region + ":" + c.Locality) }

// FromCookie reads a cookie's value (Cookie's), checked; false when it is
// not a known region.
func (s *Service) FromCookie(v string) (Choice, bool) {
	raw, err := url.QueryUnescape(v)
	if err != nil {
		return Choice{}, false
	}
	region, locality, _ := strings.Cut(raw, ":")
	c, err := s.Check(Choice{Region: region, Locality: locality})
	return c, err == nil
}
