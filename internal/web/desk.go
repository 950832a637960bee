package web

import (
	"net/http"

	"github.com/kabinet/kabinet/internal/desk"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// StaffCitizensPage is the operator's desk: the search form, and after a
// search the citizen's card with the confirmation form.
type StaffCitizensPage struct {
	StaffBase
	Bys     []string
	Reasons []string
	// Card is the citizen found (nil before a search); CanConfirm when
	// the operator may confirm this card's identity now.
	Card       *desk.Card
	CardID     string // the account a failed confirmation was about, when its card could not be read
	CanConfirm bool
	Confirmed  bool // the identity was confirmed just now
	// Mode is the form shown without a card: "" the search, "register"
	// a new citizen, "restore" access for the card's citizen (CardID).
	Mode string
	// CanRegister, CanRestore: the sections the operator's roles open.
	CanRegister, CanRestore bool
	Registered, Restored    bool // done just now (the card shows the outcome)
}

func (s *Server) citizensPage(r *http.Request, a staff.Actor, g staff.Grants, values map[string]string) *StaffCitizensPage {
	p := &StaffCitizensPage{StaffBase: s.staffBase(r, a, g, "console.citizens.title", values),
		Bys: []string{string(desk.BySNILS), string(desk.ByPhone), string(desk.ByPassport)}}
	for _, x := range desk.Reasons {
		p.Reasons = append(p.Reasons, string(x))
	}
	if p.Form.Values["by"] == "" {
		p.Form.Values["by"] = string(desk.BySNILS)
	}
	p.CanRegister = g.Permits(a, staff.PermCitizensRegister)
	p.CanRestore = g.Permits(a, staff.PermAccessRestore)
	return p
}

func (p *StaffCitizensPage) setCard(c *desk.Card, g staff.Grants, a staff.Actor) {
	p.Card = c
	p.CanConfirm = c != nil && c.Level == "standard" && c.Verified != nil && g.Permits(a, staff.PermIdentityConfirm)
	p.CanRestore = c != nil && c.Verified != nil && g.Permits(a, staff.PermAccessRestore)
}

func (s *Server) staffCitizens(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	s.render(w, r, http.StatusOK, "staff_citizens", s.citizensPage(r, a, g, nil))
}

func (s *Server) staffCitizenSearch(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "by", "value", "reason")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	p := s.citizensPage(r, a, g, v)
	q, err := desk.ParseQuery(v["by"], v["value"], v["reason"])
	if err == nil {
		var card *desk.Card
		if card, err = s.d.Desk.Find(r.Context(), a, q); err == nil {
			p.setCard(card, g, a)
			s.render(w, r, http.StatusOK, "staff_citizens", p)
			return
		}
	}
	if problem.KindOf(err) == problem.Internal || problem.KindOf(err) == problem.Forbidden {
		s.staffError(w, r, a, g, err)
		return
	}
	p.Form.fail(s.t(r), err, "by", "value", "reason")
	s.render(w, r, statusOf(problem.KindOf(err)), "staff_citizens", p)
}

func (s *Server) staffCitizenConfirm(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "series", "number", "code")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	id := r.PathValue("id")
	p := s.citizensPage(r, a, g, map[string]string{"series": v["series"], "number": v["number"]})
	p.CardID = id
	if err := s.freshen(r.Context(), a, v["code"]); err != nil {
		p.Reauth = true
		p.Form.fail(s.t(r), err, "series", "number", "code")
		s.render(w, r, statusOf(problem.KindOf(err)), "staff_citizens", p)
		return
	}
	p.Reauth = false
	card, err := s.d.Desk.Confirm(r.Context(), a, desk.ConfirmInput{AccountID: id, Series: v["series"], Number: v["number"]})
	p.setCard(card, g, a)
	if err == nil {
		p.Confirmed = true
		p.Form = newForm(nil)
		p.Form.Values["by"] = string(desk.BySNILS)
		s.render(w, r, http.StatusOK, "staff_citizens", p)
		return
	}
	if problem.KindOf(err) == problem.Internal || problem.KindOf(err) == problem.Forbidden {
		s.staffError(w, r, a, g, err)
		return
	}
	if card == nil && problem.KindOf(err) == problem.Invalid {
		p.CanConfirm = g.Permits(a, staff.PermIdentityConfirm) // the form again, without the card it could not read
	}
	p.Form.fail(s.t(r), err, "series", "number", "code")
	s.render(w, r, statusOf(problem.KindOf(err)), "staff_citizens", p)
}

func (s *Server) staffCitizenNew(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	p := s.citizensPage(r, a, g, nil)
	p.Mode = "register"
	s.render(w, r, http.StatusOK, "staff_citizens", p)
}

func (s *Server) staffCitizenRegister(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "surname", "name", "phone")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	p := s.citizensPage(r, a, g, v)
	p.Mode = "register"
	card, err := s.d.Desk.Register(r.Context(), a, desk.RegisterInput{Surname: v["surname"], Name: v["name"], Phone: v["phone"], Lang: string(s.t(r).Lang)})
	if err == nil {
		p.Mode, p.Registered, p.Form = "", true, newForm(map[string]string{"by": string(desk.BySNILS)})
		p.setCard(card, g, a)
		s.render(w, r, http.StatusCreated, "staff_citizens", p)
		return
	}
	if problem.KindOf(err) == problem.Internal || problem.KindOf(err) == problem.Forbidden {
		s.staffError(w, r, a, g, err)
		return
	}
	p.Form.fail(s.t(r), err, "surname", "name", "phone")
	s.render(w, r, statusOf(problem.KindOf(err)), "staff_citizens", p)
}

func (s *Server) staffCitizenAccess(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	p := s.citizensPage(r, a, g, nil)
	p.Mode, p.CardID = "restore", r.PathValue("id")
	s.render(w, r, http.StatusOK, "staff_citizens", p)
}

func (s *Server) staffCitizenRestore(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "series", "number", "phone", "email", "code")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	id := r.PathValue("id")
	p := s.citizensPage(r, a, g, map[string]string{"series": v["series"], "number": v["number"], "phone": v["phone"], "email": v["email"]})
	p.Mode, p.CardID = "restore", id
	fields := []string{"series", "number", "phone", "email", "code"}
	if err := s.freshen(r.Context(), a, v["code"]); err != nil {
		p.Reauth = true
		p.Form.fail(s.t(r), err, fields...)
		s.render(w, r, statusOf(problem.KindOf(err)), "staff_citizens", p)
		return
	}
	p.Reauth = false
	card, err := s.d.Desk.Restore(r.Context(), a, desk.RestoreInput{AccountID: id, Series: v["series"], Number: v["number"], Phone: v["phone"], Email: v["email"]})
	if err == nil {
		p.Mode, p.Restored, p.Form = "", true, newForm(map[string]string{"by": string(desk.BySNILS)})
		p.setCard(card, g, a)
		p.CanConfirm = false
		s.render(w, r, http.StatusOK, "staff_citizens", p)
		return
	}
	if problem.KindOf(err) == problem.Internal || problem.KindOf(err) == problem.Forbidden {
		s.staffError(w, r, a, g, err)
		return
	}
	p.Form.fail(s.t(r), err, fields...)
	s.render(w, r, statusOf(problem.KindOf(err)), "staff_citizens", p)
}
