package web

import (
	"net/http"
	"time"

	"github.com/kabinet/kabinet/internal/desk"
	"github.com/kabinet/kabinet/internal/staff"
)

// citizenSearchRequest finds one citizen: by snils, phone or passport, the
// value as typed, and why the operator looks.
type citizenSearchRequest struct {
	By     string `json:"by"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// identityConfirmRequest is the passport in the citizen's hands.
type identityConfirmRequest struct {
	Series string `json:"series"`
	Number string `json:"number"`
}

type confirmationJSON struct {
	Method   string    `json:"method"`
	CenterID string    `json:"center_id"`
	At       time.Time `json:"at"`
}

type passportJSON struct {
	Series string `json:"series"`
	Number string `json:"number"`
}

// citizenCardJSON is what an operator sees of a citizen.
type citizenCardJSON struct {
	ID           string            `json:"id"`
	Level        string            `json:"level"`
	Surname      string            `json:"surname"`
	Name         string            `json:"name"`
	Patronymic   string            `json:"patronymic,omitempty"`
	BirthDate    string            `json:"birth_date,omitempty"`
	SNILS        string            `json:"snils,omitempty"`
	Passport     *passportJSON     `json:"passport,omitempty"`
	Phone        string            `json:"phone,omitempty"`
	Email        string            `json:"email,omitempty"`
	Confirmation *confirmationJSON `json:"confirmation,omitempty"`
}

func toConfirmationJSON(c *desk.Confirmation) *confirmationJSON {
	if c == nil {
		return nil
	}
	return &confirmationJSON{Method: c.Method, CenterID: c.CenterID, At: c.At.UTC()}
}

func toCitizenCardJSON(c *desk.Card) citizenCardJSON {
	j := citizenCardJSON{ID: c.AccountID, Level: string(c.Level), Surname: c.Surname, Name: c.Name, Phone: c.Phone, Email: c.Email,
		Confirmation: toConfirmationJSON(c.Confirmation)}
	if v := c.Verified; v != nil {
		j.Surname, j.Name, j.Patronymic = v.Identity.Surname, v.Identity.Name, v.Identity.Patronymic
		j.BirthDate = v.Identity.BirthDate.Format(time.DateOnly)
		j.SNILS = v.SNILS.String()
		j.Passport = &passportJSON{Series: v.Passport.Series, Number: v.Passport.Number}
	}
	return j
}

func (s *Server) apiCitizenSearch(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var req citizenSearchRequest
	if err := decode(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	q, err := desk.ParseQuery(req.By, req.Value, req.Reason)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	card, err := s.d.Desk.Find(r.Context(), a, q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCitizenCardJSON(card))
}

func (s *Server) apiIdentityConfirm(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var req identityConfirmRequest
	if err := decode(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if !s.apiFresh(w, r, a) {
		return
	}
	card, err := s.d.Desk.Confirm(r.Context(), a, desk.ConfirmInput{AccountID: r.PathValue("id"), Series: req.Series, Number: req.Number})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCitizenCardJSON(card))
}

// citizenRegisterRequest registers a citizen who came in person.
type citizenRegisterRequest struct {
	Surname string `json:"surname"`
	Name    string `json:"name"`
	Phone   string `json:"phone"`
}

// accessRestoreRequest is the passport in hand and the new contact (a
// mobile phone or an e-mail address).
type accessRestoreRequest struct {
	Series string `json:"series"`
	Number string `json:"number"`
	Phone  string `json:"phone"`
	Email  string `json:"email"`
}

func (s *Server) apiCitizenRegister(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var req citizenRegisterRequest
	if err := decode(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	card, err := s.d.Desk.Register(r.Context(), a, desk.RegisterInput{Surname: req.Surname, Name: req.Name, Phone: req.Phone, Lang: string(s.t(r).Lang)})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toCitizenCardJSON(card))
}

func (s *Server) apiAccessRestore(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var req accessRestoreRequest
	if err := decode(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	if !s.apiFresh(w, r, a) {
		return
	}
	card, err := s.d.Desk.Restore(r.Context(), a, desk.RestoreInput{AccountID: r.PathValue("id"), Series: req.Series, Number: req.Number,
		Phone: req.Phone, Email: req.Email})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCitizenCardJSON(card))
}
