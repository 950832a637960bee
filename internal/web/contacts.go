package web

import (
	"context"
	"net/http"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/contactchange"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

// The signed-in citizen's phone and e-mail: the list, the form for a new
// one, the password prompt when the last check is not recent, and the
// undo link sent to a replaced contact. The code and link steps are the
// shared ones (contactSteps).

// stateOf returns the request state a handler's context carries, for the
// step descriptors, which get a context rather than the request.
func stateOf(ctx context.Context) *requestState {
	if st, ok := ctx.Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{}
}

// accountIDOf is the signed-in account of a request's context, or "".
func accountIDOf(ctx context.Context) string {
	if st := stateOf(ctx); st.account != nil {
		return st.account.ID
	}
	return ""
}

func (s *Server) contactSteps() *flowSteps {
	cc := s.d.ContactChange
	return &flowSteps{
		name: "contact_change", base: "/account/contacts", signedIn: true,
		load: func(ctx context.Context, id string, b []byte) (*flow.Flow, error) {
			return cc.Flow(ctx, accountIDOf(ctx), id, b)
		},
		code: func(ctx context.Context, id string, b []byte, code string, c session.Client) (*flow.Flow, *signedIn, error) {
			f, _, err := cc.ConfirmCode(ctx, accountIDOf(ctx), id, b, code, c)
			return f, nil, err
		},
		link: func(ctx context.Context, id, token string, _ []byte) (*flow.Flow, error) {
			f, _, err := cc.ConfirmLink(ctx, accountIDOf(ctx), id, token, stateOf(ctx).client)
			return f, err
		},
		resend: func(ctx context.Context, id string, b []byte, c session.Client) (*flow.Flow, error) {
			return cc.Resend(ctx, accountIDOf(ctx), id, b, c)
		},
		codeTitle: func(f *flow.Flow) string {
			if f.Channel == contact.ChannelEmail {
				return "contacts.email_code.title"
			}
			return "contacts.code.title"
		},
		inputs: func(*flow.Flow) string { return "" },
		restart: func(s *Server, w http.ResponseWriter, r *http.Request, f *flow.Flow, msg string) {
			d, _ := contactchange.DataOf(f)
			v := f.Destination
			if f.Channel == contact.ChannelSMS {
				v = contact.Phone(v).Display()
			}
			page := s.contactForm(r, d.Field, map[string]string{d.Field: v})
			page.Form.Message = msg
			s.render(w, r, http.StatusOK, "contact_form", page)
		},
		done: func(*http.Request) string { return "/account/contacts?changed=1" },
	}
}

// ContactsPage shows the account's phone and e-mail, each with a link to
// change or add it.
type ContactsPage struct{ BasePage }

func (s *Server) contactsPage(w http.ResponseWriter, r *http.Request) {
	p := &ContactsPage{BasePage{Title: "contacts.title"}}
	if r.URL.Query().Get("changed") != "" {
		p.Flash = s.t(r).T("contacts.changed")
	}
	s.render(w, r, http.StatusOK, "contacts", p)
}

// ContactFormPage asks for a new phone or e-mail.
type ContactFormPage struct {
	BasePage
	Field   string // "phone" or "email"
	Current string // the contact it replaces, shown; "" when adding
}

func (s *Server) contactForm(r *http.Request, field string, values map[string]string) *ContactFormPage {
	a := accountOf(r)
	p := &ContactFormPage{BasePage: BasePage{Form: newForm(values)}, Field: field}
	if field == "email" {
		p.Current = string(a.Email)
		p.Title = "contacts.email.add"
		if a.Email != "" {
			p.Title = "contacts.email.change"
		}
	} else {
		p.Field = "phone"
		p.Current = a.Phone.Display()
		p.Title = "contacts.phone.add"
		if a.Phone != "" {
			p.Title = "contacts.phone.change"
		}
	}
	return p
}

func (s *Server) contactFormPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "contact_form", s.contactForm(r, r.URL.Query().Get("field"), nil))
}

// contactSubmit starts a change: the code page, or, when the session's
// password check is not recent, the password prompt with what was typed.
func (s *Server) contactSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "field", "phone", "email")
	if err != nil {
		s.errorPage(w, r, err, "/account/contacts")
		return
	}
	s.beginContact(w, r, v, reqCtx(r).session.PasswordAt)
}

// beginContact starts the change typed in v, for a session that proved
// the password at pwAt.
func (s *Server) beginContact(w http.ResponseWriter, r *http.Request, v map[string]string, pwAt time.Time) {
	st := reqCtx(r)
	useEmail := v["field"] == "email"
	f, err := s.d.ContactChange.Begin(r.Context(), contactchange.Start{Account: st.account, PasswordAt: pwAt,
		Phone: v["phone"], Email: v["email"], UseEmail: useEmail, Lang: langOf(r), Binding: s.browserBinding(w, r), Client: s.holder(r)})
	field := "phone"
	if useEmail {
		field = "email"
	}
	kept := map[string]string{field: v[field]}
	switch p, _ := problem.As(err); {
	case err == nil:
		seeOther(w, r, "/account/contacts/"+f.ID)
	case p != nil && p.Message.ID == "reauth.required":
		s.render(w, r, http.StatusOK, "reauth", &ReauthPage{BasePage: BasePage{Title: "contacts.reauth.title", Form: newForm(nil)}, Field: field, Value: v[field]})
	default:
		page := s.contactForm(r, field, kept)
		page.Form.fail(s.t(r), err, field)
		s.render(w, r, statusOf(problem.KindOf(err)), "contact_form", page)
	}
}

// ReauthPage asks for the password again, keeping the new contact typed
// before it.
type ReauthPage struct {
	BasePage
	Field string
	Value string
}

// reauthSubmit checks the password and, when right, goes on with the
// change that asked for it.
func (s *Server) reauthSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "password", "field", "value")
	if err != nil {
		s.errorPage(w, r, err, "/account/contacts")
		return
	}
	field := "phone"
	if v["field"] == "email" {
		field = "email"
	}
	if err := s.d.Credential.Reauthenticate(r.Context(), accountOf(r).ID, v["password"], s.deviceToken(r), s.holder(r)); err != nil {
		p := &ReauthPage{BasePage: BasePage{Title: "contacts.reauth.title", Form: newForm(nil)}, Field: field, Value: v["value"]}
		p.Form.fail(s.t(r), err, "password")
		s.render(w, r, statusOf(problem.KindOf(err)), "reauth", p)
		return
	}
	// The session proved the password just now: the session this request
	// came with is older than that.
	s.beginContact(w, r, map[string]string{"field": field, field: v["value"]}, s.d.Now())
}

// UndoPage asks for one click before an undo link is used, so that mail
// scanners that open links cannot use it.
type UndoPage struct {
	BasePage
	Action string
	Token  string
}

func (s *Server) undoPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if err := s.d.ContactChange.CheckUndo(r.Context(), r.PathValue("id"), token); err != nil {
		s.errorPage(w, r, err, "/recover")
		return
	}
	s.render(w, r, http.StatusOK, "undo", &UndoPage{BasePage: BasePage{Title: "contacts.undo.title"}, Action: r.URL.Path, Token: token})
}

// undoSubmit undoes the change, ends every session (this browser's too)
// and sends the person to password recovery.
func (s *Server) undoSubmit(w http.ResponseWriter, r *http.Request) {
	v, err := form(w, r, "token")
	if err != nil {
		s.errorPage(w, r, err, "/recover")
		return
	}
	if _, err := s.d.ContactChange.Undo(r.Context(), r.PathValue("id"), v["token"], s.client(r)); err != nil {
		s.errorPage(w, r, err, "/recover")
		return
	}
	if reqCtx(r).account != nil {
		s.signOutBrowser(w, r)
	}
	seeOther(w, r, "/recover?undone=1")
}

// The JSON API of contact changes.

// contactRequest starts a change: exactly one of Phone and Email.
type contactRequest struct {
	Phone *string `json:"phone"`
	Email *string `json:"email"`
}

type reauthRequest struct {
	Password string `json:"password"`
}

func (s *Server) apiContactStart(w http.ResponseWriter, r *http.Request) {
	var in contactRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	st := reqCtx(r)
	start := contactchange.Start{Account: st.account, PasswordAt: st.session.PasswordAt, Lang: langOf(r), Client: s.holder(r)}
	switch {
	case in.Phone != nil && in.Email != nil:
		s.apiError(w, r, problem.InvalidField("email", problem.M("contacts.one_channel")))
		return
	case in.Email != nil:
		start.UseEmail, start.Email = true, *in.Email
	case in.Phone != nil:
		start.Phone = *in.Phone
	}
	f, err := s.d.ContactChange.Begin(r.Context(), start)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, s.flowJSON(f))
}

// apiContactConfirm takes the code (or the e-mailed link's token) and
// answers the changed account.
func (s *Server) apiContactConfirm(w http.ResponseWriter, r *http.Request) {
	var in codeJSON
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	cc, id := s.d.ContactChange, r.PathValue("id")
	var err error
	var a = accountOf(r)
	if in.Token != "" {
		_, a, err = cc.ConfirmLink(r.Context(), a.ID, id, in.Token, s.holder(r))
	} else {
		_, a, err = cc.ConfirmCode(r.Context(), a.ID, id, nil, in.Code, s.holder(r))
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toAccountJSON(a))
}

func (s *Server) apiReauthenticate(w http.ResponseWriter, r *http.Request) {
	var in reauthRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.d.Credential.Reauthenticate(r.Context(), accountOf(r).ID, in.Password, s.deviceToken(r), s.holder(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// undoRequest uses the undo link sent to a replaced contact.
type undoRequest struct {
	Token string `json:"token"` // the link's token query parameter
}

// undoneJSON is what an undo did.
type undoneJSON struct {
	Restored      bool `json:"restored"`       // false: the old contact is another account's now
	EndedSessions int  `json:"ended_sessions"` // every session of the account ends
}

// apiContactUndo is the undo link for API clients: no session needed, the
// link's token is the capability.
func (s *Server) apiContactUndo(w http.ResponseWriter, r *http.Request) {
	var in undoRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.d.ContactChange.Undo(r.Context(), r.PathValue("id"), in.Token, s.client(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, undoneJSON{Restored: res.Restored, EndedSessions: res.EndedSessions})
}
