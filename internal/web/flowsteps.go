package web

import (
	"context"
	"net/http"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/registration"
	"github.com/kabinet/kabinet/internal/session"
)

// flowSteps describes one citizen flow to the step handlers that every flow
// shares: the page of the step a flow is at, the typed code, the e-mailed
// link, a new code, the new password, for pages and the API alike. A new
// flow with a code step (a contact change, the mailed letter) is one more
// descriptor, not another copy of the handlers.
type flowSteps struct {
	name string // "registration": the code page's Kind
	base string // the first form; a flow's steps live under base/{id}

	// load returns a flow the browser may act on; an expired one comes
	// back with the Expired problem and, when kept, the flow.
	load func(ctx context.Context, id string, binding []byte) (*flow.Flow, error)
	// code checks a typed code: the flow moved on, or, when the code was
	// the last step, the new session.
	code func(ctx context.Context, id string, binding []byte, code string, c session.Client) (*flow.Flow, *signedIn, error)
	// link confirms an e-mailed link (nil: the flow sends typed codes only).
	link func(ctx context.Context, id, token string, binding []byte) (*flow.Flow, error)
	// linkText prefixes the message IDs of the link page's title, heading,
	// lead and button: the page says which flow the link continues.
	linkText string
	resend   func(ctx context.Context, id string, binding []byte, c session.Client) (*flow.Flow, error)
	// password sets the new password (nil: the flow has no password step).
	password func(ctx context.Context, id string, binding []byte, pw, confirmation string, c session.Client) (*signedIn, error)

	codeTitle     func(f *flow.Flow) string
	passwordTitle string
	// inputs are the strength meter's hints on the password page.
	inputs func(f *flow.Flow) string
	// restart shows the first form again, filled from the flow, with the
	// message saying why (an expired flow). Nil: start again at base with
	// ?reason=expired.
	restart func(s *Server, w http.ResponseWriter, r *http.Request, f *flow.Flow, msg string)
	// after is where a browser goes once the flow has signed it in.
	after func(in *signedIn) string
	// done is where a browser goes whose flow is already finished.
	done func(r *http.Request) string
	// reportsEnded: the API's answer to the last step says how many other
	// sessions it ended (recovery).
	reportsEnded bool
	// showContact: the code page shows the phone or address in full, as
	// the browser bound to the flow typed it (the API keeps it masked).
	// Not for sign-in, where the code goes to the account's phone.
	showContact bool
	// signedIn: the flow belongs to the signed-in account (a contact
	// change): its pages send others to sign in first.
	signedIn bool
}

// signedIn is the session a flow's last step issued.
type signedIn struct {
	account *account.Account
	token   string
	session *session.Session
	next    string // a local path the flow was asked to continue to
	ended   int    // other sessions the step ended
	// deletionCancelled: the sign-in cancelled the account's pending deletion.
	deletionCancelled bool
}

// movesOn adapts a code step that moves the flow on to its next step
// (flow.Confirmation's), signing nobody in yet.
func movesOn(confirm func(ctx context.Context, id string, binding []byte, code string) (*flow.Flow, error)) func(context.Context, string, []byte, string, session.Client) (*flow.Flow, *signedIn, error) {
	return func(ctx context.Context, id string, b []byte, code string, _ session.Client) (*flow.Flow, *signedIn, error) {
		f, err := confirm(ctx, id, b, code)
		return f, nil, err
	}
}

func (s *Server) registrationSteps() *flowSteps {
	reg := s.d.Registration
	return &flowSteps{
		name: "registration", base: "/register",
		load:     reg.Flow,
		code:     movesOn(reg.ConfirmCode),
		link:     reg.ConfirmLink,
		linkText: "link.",
		resend:   reg.Resend,
		password: func(ctx context.Context, id string, b []byte, pw, conf string, c session.Client) (*signedIn, error) {
			res, err := reg.SetPassword(ctx, id, b, pw, conf, c)
			if err != nil {
				return nil, err
			}
			return &signedIn{account: res.Account, token: res.Token, session: res.Session}, nil
		},
		codeTitle: func(f *flow.Flow) string {
			if f.Channel == contact.ChannelEmail {
				return "register.email_code.title"
			}
			return "register.code.title"
		},
		passwordTitle: "password.title",
		inputs: func(f *flow.Flow) string {
			d, _ := registration.DataOf(f)
			return d.Surname + " " + d.Name
		},
		restart: func(s *Server, w http.ResponseWriter, r *http.Request, f *flow.Flow, msg string) {
			d, _ := registration.DataOf(f)
			v := map[string]string{"surname": d.Surname, "name": d.Name, "accept_terms": "yes"}
			useEmail := f.Channel == contact.ChannelEmail
			if useEmail {
				v["email"] = f.Destination
			} else {
				v["phone"] = contact.Phone(f.Destination).Display()
			}
			page := registerPage(v, useEmail)
			page.Form.Message = msg
			s.render(w, r, http.StatusOK, "register", page)
		},
		showContact: true,
		after:       func(*signedIn) string { return "/welcome" },
		done: func(r *http.Request) string {
			if accountOf(r) != nil {
				return "/welcome"
			}
			return "/signin"
		},
	}
}

func (s *Server) recoverySteps() *flowSteps {
	rec := s.d.Recovery
	return &flowSteps{
		name: "recovery", base: "/recover",
		load:     rec.Flow,
		code:     movesOn(rec.ConfirmCode),
		link:     rec.ConfirmLink,
		linkText: "recover.link.",
		resend:   rec.Resend,
		password: func(ctx context.Context, id string, b []byte, pw, conf string, c session.Client) (*signedIn, error) {
			res, err := rec.SetPassword(ctx, id, b, pw, conf, c)
			if err != nil {
				return nil, err
			}
			return &signedIn{account: res.Account, token: res.Token, session: res.Session, ended: res.EndedSessions, deletionCancelled: res.DeletionCancelled}, nil
		},
		codeTitle:     func(*flow.Flow) string { return "recover.code.title" },
		passwordTitle: "recover.password.title",
		inputs:        func(*flow.Flow) string { return "" },
		restart: func(s *Server, w http.ResponseWriter, r *http.Request, f *flow.Flow, msg string) {
			page := recoverPage(map[string]string{"login": shown(f.Channel, f.Destination)})
			page.Form.Message = msg
			s.render(w, r, http.StatusOK, "recover", page)
		},
		showContact: true,
		after: func(in *signedIn) string {
			if in.deletionCancelled {
				return "/account?recovered=1&deletion_cancelled=signin"
			}
			return "/account?recovered=1"
		},
		done:         func(*http.Request) string { return "/account" },
		reportsEnded: true,
	}
}

func (s *Server) signinSteps() *flowSteps {
	sig := s.d.SignIn
	return &flowSteps{
		name: "signin", base: "/signin",
		load: sig.Flow,
		code: func(ctx context.Context, id string, b []byte, code string, c session.Client) (*flow.Flow, *signedIn, error) {
			res, err := sig.ConfirmCode(ctx, id, b, code, c)
			if err != nil {
				return nil, nil, err
			}
			return res.Flow, &signedIn{account: res.Account, token: res.Token, session: res.Session, next: res.Next, deletionCancelled: res.DeletionCancelled}, nil
		},
		resend:    sig.Resend,
		codeTitle: func(*flow.Flow) string { return "signin.code.title" },
		inputs:    func(*flow.Flow) string { return "" },
		after: func(in *signedIn) string {
			if in.deletionCancelled {
				return "/account?deletion_cancelled=signin"
			}
			return localPath(in.next, "/account")
		},
		// The browser that finished the step is signed in.
		done: func(*http.Request) string { return "/account" },
	}
}

// mountSteps registers a flow's step pages under its base path. Every
// address a step form posts to also answers GET, by sending the browser to
// the step its flow is at: a refused submission is shown at the POST
// address, and a reload or a language link there must not be a 404.
func (s *Server) mountSteps(mux *http.ServeMux, d *flowSteps) {
	handle := mux.HandleFunc
	if d.signedIn {
		handle = func(pattern string, h func(http.ResponseWriter, *http.Request)) {
			mux.HandleFunc(pattern, s.requirePage(h))
		}
	}
	handle("GET "+d.base+"/{id}", s.stepPage(d))
	handle("POST "+d.base+"/{id}/code", s.stepCode(d))
	handle("GET "+d.base+"/{id}/code", s.toStep(d))
	handle("POST "+d.base+"/{id}/resend", s.stepResend(d))
	handle("GET "+d.base+"/{id}/resend", s.toStep(d))
	if d.link != nil {
		handle("GET "+d.base+"/{id}/link", s.stepLink(d))
		handle("POST "+d.base+"/{id}/link", s.stepLink(d))
	}
	if d.password != nil {
		handle("POST "+d.base+"/{id}/password", s.stepPassword(d))
		handle("GET "+d.base+"/{id}/password", s.toStep(d))
	}
	if d.restart != nil {
		handle("GET "+d.base+"/{id}/change", s.stepChange(d))
	}
}

// stepPage shows the step the flow is at.
func (s *Server) stepPage(d *flowSteps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := d.load(r.Context(), r.PathValue("id"), s.browserBinding(w, r))
		s.showStep(d, w, r, f, err, http.StatusOK, nil)
	}
}

// toStep answers a GET of a step's POST address: the step page.
func (s *Server) toStep(d *flowSteps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		seeOther(w, r, d.base+"/"+r.PathValue("id"))
	}
}

// stepChange is "change the number": the first form again, filled in from
// the flow, to send the code somewhere else (a new flow when submitted).
func (s *Server) stepChange(d *flowSteps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := d.load(r.Context(), r.PathValue("id"), s.browserBinding(w, r))
		if f == nil {
			s.showStep(d, w, r, f, err, http.StatusOK, nil)
			return
		}
		d.restart(s, w, r, f, "")
	}
}

// shown is a phone or address as its owner typed it.
func shown(ch contact.Channel, dest string) string {
	if ch == contact.ChannelEmail {
		return dest
	}
	return contact.Phone(dest).Display()
}

// showStep renders the step the flow is at, with err's messages next to
// its fields and kept's values in them; or, when there is no step to show,
// goes where the browser should be.
func (s *Server) showStep(d *flowSteps, w http.ResponseWriter, r *http.Request, f *flow.Flow, err error, status int, kept map[string]string) {
	t := s.t(r)
	if p, ok := problem.As(err); ok && p.Kind == problem.Expired {
		if d.restart != nil && f != nil {
			d.restart(s, w, r, f, t.Msg(p.Message))
			return
		}
		seeOther(w, r, d.base+"?reason=step_expired")
		return
	}
	if err != nil && f == nil {
		if problem.KindOf(err) == problem.Conflict {
			seeOther(w, r, d.done(r)) // finished, maybe by another copy of this request
			return
		}
		s.errorPage(w, r, err, d.base)
		return
	}
	stepBase := d.base + "/" + f.ID
	switch {
	case f.State == flow.AwaitingCode:
		page := &CodePage{BasePage: BasePage{Title: d.codeTitle(f), Form: newForm(kept), LangForm: "code-form"}, Kind: d.name,
			Step: s.codeStep(f, stepBase), Back: d.base, Link: d.link != nil, Resent: err == nil && r.Method == http.MethodGet && r.URL.Query().Get("sent") != ""}
		page.Dest = page.Step.Masked
		if d.showContact {
			page.Dest = shown(f.Channel, f.Destination)
		}
		if d.restart != nil {
			page.Change = stepBase + "/change"
		}
		if err != nil {
			page.Form.fail(t, err, "code")
		}
		s.render(w, r, status, "code", page)
	case f.State == flow.SetPassword && d.password != nil:
		page := &PasswordPage{BasePage: BasePage{Title: d.passwordTitle, Form: newForm(nil), LangForm: "password-form"}, Kind: d.name,
			Action: stepBase + "/password", Inputs: d.inputs(f)}
		if err != nil {
			page.Form.fail(t, err, "password", "password_confirmation")
		}
		s.render(w, r, status, "password", page)
	default:
		seeOther(w, r, d.done(r))
	}
}

// failed shows the step again after a refused submission: the flow as it
// is now, with the refusal's messages.
func (s *Server) failed(d *flowSteps, w http.ResponseWriter, r *http.Request, f *flow.Flow, err error) {
	if f == nil {
		var ferr error
		if f, ferr = d.load(r.Context(), r.PathValue("id"), s.browserBinding(w, r)); ferr != nil {
			s.showStep(d, w, r, f, ferr, statusOf(problem.KindOf(ferr)), nil)
			return
		}
	}
	s.showStep(d, w, r, f, err, statusOf(problem.KindOf(err)), nil)
}

// relang shows a step again in the language just chosen, with what was
// typed (never a password) and without checking it.
func (s *Server) relang(d *flowSteps, w http.ResponseWriter, r *http.Request, kept map[string]string) {
	f, err := d.load(r.Context(), r.PathValue("id"), s.browserBinding(w, r))
	s.showStep(d, w, r, f, err, http.StatusOK, kept)
}

func (s *Server) stepCode(d *flowSteps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := form(w, r, "code")
		if err != nil {
			s.errorPage(w, r, err, d.base)
			return
		}
		if s.switchedLang(w, r) {
			s.relang(d, w, r, v)
			return
		}
		f, in, err := d.code(r.Context(), r.PathValue("id"), s.browserBinding(w, r), v["code"], s.client(r))
		switch {
		case problem.KindOf(err) == problem.Conflict:
			// A reload, a double click or a second tab: this browser's flow
			// is past the step already; go to where it is.
			if f != nil {
				seeOther(w, r, d.base+"/"+f.ID)
			} else {
				seeOther(w, r, d.done(r))
			}
		case err != nil:
			s.failed(d, w, r, f, err)
		case in != nil:
			s.startSession(w, r, in.token, in.account.ID)
			seeOther(w, r, d.after(in))
		default:
			seeOther(w, r, d.base+"/"+f.ID)
		}
	}
}

func (s *Server) stepResend(d *flowSteps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := d.resend(r.Context(), r.PathValue("id"), s.browserBinding(w, r), s.client(r))
		if err != nil {
			s.failed(d, w, r, f, err)
			return
		}
		seeOther(w, r, d.base+"/"+f.ID+"?sent=1")
	}
}

// stepLink asks for one click before using an e-mailed link, so that mail
// scanners that open links cannot use them up.
func (s *Server) stepLink(d *flowSteps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			t := d.linkText
			s.render(w, r, http.StatusOK, "link", &LinkPage{BasePage: BasePage{Title: t + "title"}, Heading: t + "heading", Lead: t + "lead", Submit: t + "submit",
				Action: r.URL.Path, Token: r.URL.Query().Get("token")})
			return
		}
		v, err := form(w, r, "token")
		if err != nil {
			s.errorPage(w, r, err, d.base)
			return
		}
		f, err := d.link(r.Context(), r.PathValue("id"), v["token"], s.browserBinding(w, r))
		if err != nil && (f == nil || problem.KindOf(err) != problem.Conflict) {
			s.errorPage(w, r, err, d.base)
			return
		}
		seeOther(w, r, d.base+"/"+f.ID)
	}
}

func (s *Server) stepPassword(d *flowSteps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := form(w, r, "password", "password_confirmation")
		if err != nil {
			s.errorPage(w, r, err, d.base)
			return
		}
		if s.switchedLang(w, r) {
			s.relang(d, w, r, nil) // passwords are typed again
			return
		}
		in, err := d.password(r.Context(), r.PathValue("id"), s.browserBinding(w, r), v["password"], v["password_confirmation"], s.client(r))
		if err != nil {
			s.failed(d, w, r, nil, err)
			return
		}
		s.startSession(w, r, in.token, in.account.ID)
		seeOther(w, r, d.after(in))
	}
}

// The same steps through the JSON API. API flows are not bound to a
// browser: their unguessable ID is the capability.

// apiStepCode takes the typed code or, where the flow sends links, the
// token of the e-mailed link. The answer is the flow at its next step, or
// the new session when the code was the last step.
func (s *Server) apiStepCode(d *flowSteps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in codeJSON
		var err error
		if d.link != nil {
			err = decode(w, r, &in)
		} else {
			var c signInCodeRequest // codes only: a token is an unknown field
			err = decode(w, r, &c)
			in.Code = c.Code
		}
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		var (
			f  *flow.Flow
			si *signedIn
		)
		if in.Token != "" {
			f, err = d.link(r.Context(), r.PathValue("id"), in.Token, nil)
		} else {
			f, si, err = d.code(r.Context(), r.PathValue("id"), nil, in.Code, s.client(r))
		}
		switch {
		case err != nil:
			s.apiError(w, r, err)
		case si != nil:
			s.writeSignedIn(w, r, d, si)
		default:
			writeJSON(w, http.StatusOK, s.flowJSON(f))
		}
	}
}

// apiStepResend sends a new code once the rules allow.
func (s *Server) apiStepResend(d *flowSteps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := d.resend(r.Context(), r.PathValue("id"), nil, s.client(r))
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, s.flowJSON(f))
	}
}

// apiStepPassword sets the new password and answers the new session.
func (s *Server) apiStepPassword(d *flowSteps) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in passwordJSON
		if err := decode(w, r, &in); err != nil {
			s.apiError(w, r, err)
			return
		}
		si, err := d.password(r.Context(), r.PathValue("id"), nil, in.Password, in.PasswordConfirmation, s.client(r))
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		s.writeSignedIn(w, r, d, si)
	}
}

func (s *Server) writeSignedIn(w http.ResponseWriter, r *http.Request, d *flowSteps, si *signedIn) {
	t := s.tokenResponse(r, si.account, si.token, si.session)
	t.DeletionCancelled = si.deletionCancelled
	if d.reportsEnded {
		writeJSON(w, http.StatusCreated, recoveryTokenJSON{t, si.ended})
		return
	}
	writeJSON(w, http.StatusCreated, t)
}
