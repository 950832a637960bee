package web

import (
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/signature"
	"github.com/kabinet/kabinet/internal/staff"
)

// The administrators' trust list (issue 13 §2): the accredited CAs whose
// certificates kabinet accepts for a confirmation by signature, and the
// CRLs uploaded for when a CA's distribution point cannot be reached. A
// change of trust is a sensitive action: it wants a recent code.

// StaffTrustPage lists the trusted CAs and the uploaded CRLs with their
// forms.
type StaffTrustPage struct {
	StaffBase
	CAs  []*signature.TrustedCA
	CRLs []*signature.CRL
	// Submitted is the form a refusal answers ("ca", "crl", "remove"),
	// whose code field shows the message.
	Submitted string
}

func (s *Server) trustPage(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) (*StaffTrustPage, bool) {
	p := &StaffTrustPage{StaffBase: s.staffBase(r, a, g, "console.trust.title", nil)}
	var err error
	if p.CAs, err = s.d.Signatures.TrustedCAs(r.Context(), a); err == nil {
		p.CRLs, err = s.d.Signatures.CRLs(r.Context(), a)
	}
	if err != nil {
		s.staffError(w, r, a, g, err)
		return nil, false
	}
	return p, true
}

func (s *Server) staffTrust(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	p, ok := s.trustPage(w, r, a, g)
	if !ok {
		return
	}
	switch q := r.URL.Query(); {
	case q.Get("added") != "":
		p.Flash = s.t(r).T("console.trust.added")
	case q.Get("removed") != "":
		p.Flash = s.t(r).T("console.trust.removed")
	case q.Get("crl") != "":
		p.Flash = s.t(r).T("console.trust.crl_uploaded")
	}
	s.render(w, r, http.StatusOK, "staff_trust", p)
}

// trustChange runs a change of the trust list from a console form: the
// file (or none) and the fresh code are read, then change; a refusal
// shows the page again with its message on the form's field.
func (s *Server) trustChange(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, form, field, emptyID, largeID, done string,
	change func(upload []byte) error) {
	r.Body = http.MaxBytesReader(w, r.Body, signature.MaxCRL+64<<10)
	var upload []byte
	var err error
	if field != "" {
		upload, err = readUpload(r, field, emptyID, largeID, signature.MaxCRL)
	} else {
		err = r.ParseForm()
	}
	if err == nil {
		if err = s.freshen(r.Context(), a, r.FormValue("code")); err == nil {
			if err = change(upload); err == nil {
				seeOther(w, r, "/staff/trust?"+done+"=1")
				return
			}
		}
	}
	if k := problem.KindOf(err); k == problem.Internal || k == problem.Forbidden {
		s.staffError(w, r, a, g, err)
		return
	}
	p, ok := s.trustPage(w, r, a, g)
	if !ok {
		return
	}
	if pe, ok := problem.As(err); ok && len(pe.Fields) == 0 && field != "" {
		err = &problem.Error{Kind: pe.Kind, Message: problem.M("form.invalid"), Fields: []problem.FieldError{{Field: field, Message: pe.Message}}}
	}
	p.Submitted = form
	p.Form.fail(s.t(r), err, "certificate", "crl", "code")
	s.render(w, r, statusOf(problem.KindOf(err)), "staff_trust", p)
}

func (s *Server) staffTrustAddCA(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	s.trustChange(w, r, a, g, "ca", "certificate", "console.trust.ca_empty", "console.trust.file_large", "added", func(b []byte) error {
		_, err := s.d.Signatures.AddCA(r.Context(), a, b)
		return err
	})
}

func (s *Server) staffTrustRemoveCA(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	s.trustChange(w, r, a, g, "remove", "", "", "", "removed", func([]byte) error {
		return s.d.Signatures.RemoveCA(r.Context(), a, r.PathValue("id"))
	})
}

func (s *Server) staffTrustUploadCRL(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	s.trustChange(w, r, a, g, "crl", "crl", "console.trust.crl_empty", "console.trust.file_large", "crl", func(b []byte) error {
		_, err := s.d.Signatures.UploadCRL(r.Context(), a, b)
		return err
	})
}

// The API.

// trustedCAJSON is a trusted CA.
type trustedCAJSON struct {
	ID          string    `json:"id"`
	Subject     string    `json:"subject"`
	Fingerprint string    `json:"fingerprint"` // SHA-256, lower-case hex
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	AddedBy     string    `json:"added_by"`
	AddedAt     time.Time `json:"added_at"`
}

type trustedCAListJSON struct {
	CAs []trustedCAJSON `json:"cas"`
}

// crlJSON is an uploaded CRL.
type crlJSON struct {
	Issuer     string    `json:"issuer"`
	CAID       string    `json:"ca_id"`
	ThisUpdate time.Time `json:"this_update"`
	NextUpdate time.Time `json:"next_update"`
	Entries    int       `json:"entries"`
	UploadedBy string    `json:"uploaded_by"`
	UploadedAt time.Time `json:"uploaded_at"`
}

type crlListJSON struct {
	CRLs []crlJSON `json:"crls"`
}

// trustCARequest adds a CA: its certificate as PEM, or the DER in base64.
type trustCARequest struct {
	Certificate string `json:"certificate"`
}

func toTrustedCAJSON(c *signature.TrustedCA) trustedCAJSON {
	return trustedCAJSON{ID: c.ID, Subject: c.Subject, Fingerprint: c.Fingerprint, NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(),
		AddedBy: c.AddedBy, AddedAt: c.AddedAt.UTC()}
}

func toCRLJSON(c *signature.CRL) crlJSON {
	return crlJSON{Issuer: c.Issuer, CAID: c.CAID, ThisUpdate: c.ThisUpdate.UTC(), NextUpdate: c.NextUpdate.UTC(), Entries: c.Entries,
		UploadedBy: c.UploadedBy, UploadedAt: c.UploadedAt.UTC()}
}

// certificateBytes reads the API's certificate: PEM as it is, else the
// DER in base64 (a .cer file's bytes), else the text as it is (the
// service says it is unreadable).
func certificateBytes(text string) []byte {
	if strings.Contains(text, "-----BEGIN") {
		return []byte(text)
	}
	if der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), "")); err == nil {
		return der
	}
	return []byte(text)
}

func (s *Server) apiTrustCAs(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	list, err := s.d.Signatures.TrustedCAs(r.Context(), a)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := trustedCAListJSON{CAs: make([]trustedCAJSON, 0, len(list))}
	for _, c := range list {
		out.CAs = append(out.CAs, toTrustedCAJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiTrustAddCA(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	var in trustCARequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if !s.apiFresh(w, r, a) {
		return
	}
	if in.Certificate == "" {
		s.apiError(w, r, problem.InvalidField("certificate", problem.M("console.trust.ca_empty")))
		return
	}
	c, err := s.d.Signatures.AddCA(r.Context(), a, certificateBytes(in.Certificate))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toTrustedCAJSON(c))
}

func (s *Server) apiTrustRemoveCA(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if !s.apiFresh(w, r, a) {
		return
	}
	if err := s.d.Signatures.RemoveCA(r.Context(), a, r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiTrustCRLs(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	list, err := s.d.Signatures.CRLs(r.Context(), a)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := crlListJSON{CRLs: make([]crlJSON, 0, len(list))}
	for _, c := range list {
		out.CRLs = append(out.CRLs, toCRLJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
}

// apiTrustUploadCRL takes the CRL itself as the body (DER or PEM, as the
// CA publishes it; accredited CAs' lists run to megabytes, past the JSON
// bodies' limit).
func (s *Server) apiTrustUploadCRL(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, signature.MaxCRL))
	if err != nil {
		s.apiError(w, r, problem.New(problem.TooLarge, "request.too_large"))
		return
	}
	if !s.apiFresh(w, r, a) {
		return
	}
	c, err := s.d.Signatures.UploadCRL(r.Context(), a, body)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toCRLJSON(c))
}
