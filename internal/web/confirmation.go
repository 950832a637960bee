package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/desk"
	"github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
)

// «Подтверждение личности» (issue 13): the page /account/confirmation with
// the ways to reach the confirmed level — in person (the center finder), by
// a registered letter with a code (internal/letter) — the QR code's link
// /account/confirmation/code, and the API under /api/v1/me/confirmation.

// letterPrefix names the order form's address fields ("address.house"), as
// letter.Order names its errors.
const letterPrefix = "address"

// letterFields are the order form's fields, in the page's order.
var letterFields = func() []string {
	out := make([]string, len(addressParts))
	for i, p := range addressParts {
		out[i] = letterPrefix + "." + p
	}
	return out
}()

// ConfirmationPage is «Подтверждение личности».
type ConfirmationPage struct {
	BasePage
	Level account.Level
	// Confirmation is how the account was confirmed (nil until it is),
	// Center its center's name when in person.
	Confirmation *desk.Confirmation
	Center       string
	CentersURL   string
	// Letter is the letter in play or its last state (nil: none);
	// NextOrder when another may be ordered (zero: now).
	Letter    *letter.Letter
	Expired   bool // the letter's code no longer works
	NextOrder time.Time
	// Ordering shows the order form open (no letter in play, or the
	// citizen asked to order again, or the order failed).
	Ordering bool
	Regions  []places.Region
	Address  AddressBlock
	CodeLen  int
	Focus    string // "code" when the QR link filled the code in
}

// WaitingOrder reports whether an order would be refused until NextOrder.
func (p *ConfirmationPage) WaitingOrder() bool { return p.NextOrder.After(p.Now) }

// CodeOpen reports whether the letter's code may be typed now.
func (p *ConfirmationPage) CodeOpen() bool {
	return p.Letter != nil && (p.Letter.Status == letter.Printed || p.Letter.Status == letter.Sent || p.Letter.Status == letter.Returned) && !p.Expired
}

// confirmationPage builds the page; values are the forms' (nil: the order
// form prefilled from the registration address).
func (s *Server) confirmationPage(w http.ResponseWriter, r *http.Request, f *FormView) (*ConfirmationPage, bool) {
	a := accountOf(r)
	ctx := r.Context()
	p := &ConfirmationPage{BasePage: BasePage{Title: "confirm.title", Form: f}, Level: a.Level,
		CentersURL: s.confirmCentersURL(ctx, a.ID), CodeLen: letter.CodeLen, Regions: s.d.Places.Regions()}
	if a.Level == account.Confirmed {
		c, err := s.d.Desk.ConfirmationOf(ctx, a.ID)
		if err != nil && problem.KindOf(err) != problem.NotFound {
			s.errorPage(w, r, err, "/account")
			return nil, false
		}
		if c != nil {
			p.Confirmation, p.Center = c, s.centerName(r, c.CenterID)
		}
		return p, true
	}
	if a.Level != account.Standard {
		return p, true
	}
	v, err := s.d.Letters.Current(ctx, a.ID)
	if err != nil {
		s.errorPage(w, r, err, "/account")
		return nil, false
	}
	p.Letter, p.NextOrder = v.Letter, v.NextOrder
	p.Expired = p.Letter != nil && p.Letter.Expired(s.d.Now())
	p.Ordering = p.Letter == nil || !p.Letter.Status.InPlay() || p.Expired
	if f == nil {
		p.Form = newForm(nil)
	}
	if !p.Form.HasErrors() && p.Form.Value(letterPrefix+".region") == "" {
		// The registration address is where most people get their post.
		d, err := s.d.Extras.Get(ctx, a.ID)
		if err != nil {
			s.errorPage(w, r, err, "/account")
			return nil, false
		}
		if reg := d.Registration; reg != nil {
			for i, x := range []string{reg.Region, reg.Locality, reg.Street, reg.House, reg.Building, reg.Flat, reg.Postcode} {
				p.Form.Values[letterFields[i]] = x
			}
		}
	}
	p.Address = AddressBlock{Prefix: letterPrefix, Legend: "confirm.letter.address"}
	for _, l := range s.d.Places.Localities(strings.TrimSpace(p.Form.Value(letterPrefix + ".region"))) {
		p.Address.Localities = append(p.Address.Localities, l.Name)
	}
	return p, true
}

func (s *Server) confirmationGet(w http.ResponseWriter, r *http.Request) {
	if s.returnIfReady(w, r) {
		return
	}
	p, ok := s.confirmationPage(w, r, nil)
	if !ok {
		return
	}
	q := r.URL.Query()
	switch {
	case q.Get("ordered") != "":
		p.Flash = s.t(r).T("confirm.letter.ordered")
	case q.Get("cancelled") != "":
		p.Flash = s.t(r).T("confirm.letter.cancelled")
	}
	if q.Get("reorder") != "" {
		p.Ordering = true
	}
	s.render(w, r, http.StatusOK, "confirmation", p)
}

// confirmationCodeLink is the QR code's link: the page with the code
// filled in, for the citizen to press «Подтвердить» once signed in. A GET
// never confirms: a link followed by a scanner or a preview must not.
func (s *Server) confirmationCodeLink(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("code")
	if len(code) > 64 {
		code = ""
	}
	p, ok := s.confirmationPage(w, r, newForm(map[string]string{"code": code}))
	if !ok {
		return
	}
	p.Focus = "code"
	s.render(w, r, http.StatusOK, "confirmation", p)
}

func (s *Server) letterOrderSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, letterFields...)
	if err != nil {
		s.errorPage(w, r, err, "/account/confirmation")
		return
	}
	if s.switchedLang(w, r) {
		if p, ok := s.confirmationPage(w, r, newForm(v)); ok {
			p.Ordering = true
			s.render(w, r, http.StatusOK, "confirmation", p)
		}
		return
	}
	_, err = s.d.Letters.Order(r.Context(), accountOf(r).ID, letterAddress(v), s.holder(r))
	if err == nil {
		seeOther(w, r, "/account/confirmation?ordered=1")
		return
	}
	s.confirmationFailed(w, r, err, newForm(v), true)
}

func (s *Server) letterCodeSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "code")
	if err != nil {
		s.errorPage(w, r, err, "/account/confirmation")
		return
	}
	err = s.d.Letters.EnterCode(r.Context(), accountOf(r).ID, v["code"], s.holder(r))
	if err == nil {
		seeOther(w, r, "/account?confirmed=letter")
		return
	}
	// A wrong code is not given back: it is retyped from the letter.
	s.confirmationFailed(w, r, err, newForm(nil), false)
}

func (s *Server) letterCancelSubmit(w http.ResponseWriter, r *http.Request) {
	if _, err := form(w, r); err != nil {
		s.errorPage(w, r, err, "/account/confirmation")
		return
	}
	err := s.d.Letters.Cancel(r.Context(), accountOf(r).ID, s.holder(r))
	if err != nil && problem.KindOf(err) != problem.NotFound { // none in play: cancelled already
		s.confirmationFailed(w, r, err, newForm(nil), false)
		return
	}
	seeOther(w, r, "/account/confirmation?cancelled=1")
}

// confirmationFailed shows the page again with the refusal next to its
// field, or above the forms; ordering keeps the order form open.
func (s *Server) confirmationFailed(w http.ResponseWriter, r *http.Request, err error, f *FormView, ordering bool) {
	if k := problem.KindOf(err); k == problem.Internal || k == problem.Forbidden || k == problem.Unauthorized {
		s.errorPage(w, r, err, "/account/confirmation")
		return
	}
	f.fail(s.t(r), err, append(letterFields, "code")...)
	p, ok := s.confirmationPage(w, r, f)
	if !ok {
		return
	}
	p.Ordering = p.Ordering || ordering
	retryAfter(w, err)
	s.render(w, r, statusOf(problem.KindOf(err)), "confirmation", p)
}

func letterAddress(v map[string]string) address.Address {
	p := make([]string, len(letterFields))
	for i, name := range letterFields {
		p[i] = v[name]
	}
	return address.Address{Region: p[0], Locality: p[1], Street: p[2], House: p[3], Building: p[4], Flat: p[5], Postcode: p[6]}
}

// The API.

// myConfirmationJSON is the account's confirmation: its level, how it
// was confirmed, and the letter.
type myConfirmationJSON struct {
	Level        string            `json:"level"`
	Confirmation *confirmationJSON `json:"confirmation"` // null until confirmed
	Letter       *letterStatusJSON `json:"letter"`       // null unless the account is standard
}

// letterStatusJSON is the citizen's letter and when another may be
// ordered.
type letterStatusJSON struct {
	Letter      *letterJSON `json:"letter"` // null when none is in play
	NextOrderAt *time.Time  `json:"next_order_at"`
}

// letterJSON is a letter as its citizen sees it: never the code.
type letterJSON struct {
	ID         string      `json:"id"`
	Status     string      `json:"status"` // ordered, printed, sent, returned, locked, used
	Address    addressJSON `json:"address"`
	OrderedAt  time.Time   `json:"ordered_at"`
	PrintedAt  *time.Time  `json:"printed_at"`
	SentAt     *time.Time  `json:"sent_at"`
	ReturnedAt *time.Time  `json:"returned_at"`
	ExpiresAt  *time.Time  `json:"expires_at"`
	Expired    bool        `json:"expired"`
	// WrongLeft is how many wrong codes the letter still takes.
	WrongLeft int `json:"wrong_left"`
}

// letterOrderRequest orders a letter to an address.
type letterOrderRequest struct {
	Address addressJSON `json:"address"`
}

type letterCodeRequest struct {
	Code string `json:"code"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func toLetterJSON(l *letter.Letter, now time.Time) *letterJSON {
	if l == nil {
		return nil
	}
	return &letterJSON{ID: l.ID, Status: string(l.Status), Address: addressJSON(l.Address), OrderedAt: l.OrderedAt.UTC(),
		PrintedAt: timePtr(l.PrintedAt), SentAt: timePtr(l.SentAt), ReturnedAt: timePtr(l.ReturnedAt), ExpiresAt: timePtr(l.ExpiresAt),
		Expired: l.Expired(now), WrongLeft: max(0, letter.MaxWrong-l.Wrong)}
}

func (s *Server) letterStatus(r *http.Request) (*letterStatusJSON, error) {
	v, err := s.d.Letters.Current(r.Context(), accountOf(r).ID)
	if err != nil {
		return nil, err
	}
	return &letterStatusJSON{Letter: toLetterJSON(v.Letter, s.d.Now()), NextOrderAt: timePtr(v.NextOrder)}, nil
}

func (s *Server) apiConfirmation(w http.ResponseWriter, r *http.Request) {
	a := accountOf(r)
	out := myConfirmationJSON{Level: string(a.Level)}
	switch a.Level {
	case account.Confirmed:
		c, err := s.d.Desk.ConfirmationOf(r.Context(), a.ID)
		if err != nil && problem.KindOf(err) != problem.NotFound {
			s.apiError(w, r, err)
			return
		}
		out.Confirmation = toConfirmationJSON(c)
	case account.Standard:
		st, err := s.letterStatus(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		out.Letter = st
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiLetter(w http.ResponseWriter, r *http.Request) {
	st, err := s.letterStatus(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiLetterOrder(w http.ResponseWriter, r *http.Request) {
	var in letterOrderRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	l, err := s.d.Letters.Order(r.Context(), accountOf(r).ID, address.Address(in.Address), s.holder(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toLetterJSON(l, s.d.Now()))
}

// apiLetterCancel answers 204 once no letter is in play, whether it
// cancelled one or there was none: the client's wish holds.
func (s *Server) apiLetterCancel(w http.ResponseWriter, r *http.Request) {
	if err := s.d.Letters.Cancel(r.Context(), accountOf(r).ID, s.holder(r)); err != nil && problem.KindOf(err) != problem.NotFound {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiLetterCode(w http.ResponseWriter, r *http.Request) {
	var in letterCodeRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	a := accountOf(r)
	if err := s.d.Letters.EnterCode(r.Context(), a.ID, in.Code, s.holder(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.d.Desk.ConfirmationOf(r.Context(), a.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, myConfirmationJSON{Level: string(account.Confirmed), Confirmation: toConfirmationJSON(c)})
}
