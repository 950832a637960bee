package web

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/esign"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/signature"
)

// The qualified electronic signature (issue 13 §2) on «Подтверждение
// личности»: the statement's download, the detached signature's upload;
// the same under /api/v1/me/confirmation/statement and …/signature.

// maxSignatureForm bounds the upload form: the signature and the form's
// own bytes.
const maxSignatureForm = esign.MaxUpload + 64<<10

func (s *Server) statementDownload(w http.ResponseWriter, r *http.Request) {
	st, err := s.d.Signatures.Statement(r.Context(), accountOf(r).ID)
	if err != nil {
		s.confirmationFailed(w, r, err, newForm(nil), false)
		return
	}
	sendStatement(w, st)
}

// sendStatement answers the statement's bytes as a download: the file the
// citizen signs, unchanged (no charset conversion, no BOM).
func sendStatement(w http.ResponseWriter, st *signature.Statement) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+st.FileName()+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Statement-Nonce", st.Nonce)
	_, _ = w.Write(st.Bytes())
}

func (s *Server) signatureUpload(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSignatureForm)
	upload, err := readUpload(r, "signature", "signature.empty", "signature.too_large", esign.MaxUpload)
	if err == nil {
		_, err = s.d.Signatures.Confirm(r.Context(), accountOf(r).ID, upload, s.holder(r))
		if err == nil {
			seeOther(w, r, "/account?confirmed=signature")
			return
		}
	}
	// A refusal is said next to the file field: what to do about it.
	if pe, ok := problem.As(err); ok && len(pe.Fields) == 0 && pe.Kind != problem.Internal && pe.Kind != problem.Unauthorized {
		ie := problem.InvalidField("signature", pe.Message)
		ie.Kind, ie.RetryAfter = pe.Kind, pe.RetryAfter
		err = ie
	}
	s.confirmationFailed(w, r, err, newForm(nil), false)
}

// readUpload reads a multipart form's file: Invalid on the field with
// emptyID when it is missing or empty, TooLarge with largeID (MaxKB, of
// limit) when over the body's limit.
func readUpload(r *http.Request, field, emptyID, largeID string, limit int) ([]byte, error) {
	tooLarge := func() error {
		e := problem.InvalidField(field, problem.M(largeID, "MaxKB", limit>>10))
		e.Kind = problem.TooLarge
		return e
	}
	f, _, err := r.FormFile(field)
	if err != nil {
		var big *http.MaxBytesError
		if errors.As(err, &big) {
			return nil, tooLarge()
		}
		return nil, problem.InvalidField(field, problem.M(emptyID))
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, tooLarge()
	}
	if len(b) == 0 {
		return nil, problem.InvalidField(field, problem.M(emptyID))
	}
	return b, nil
}

// The API.

// statementJSON is the confirmation statement: its text, and the exact
// bytes to sign.
type statementJSON struct {
	ID        string    `json:"id"`
	Nonce     string    `json:"nonce"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	FileName  string    `json:"file_name"`
	Text      string    `json:"text"`
	// Content is the bytes to sign, base64: sign them, not a re-encoding
	// of Text.
	Content string `json:"content"`
}

// signatureRequest is a detached CMS signature of the statement: PEM, or
// the DER in base64.
type signatureRequest struct {
	Signature string `json:"signature"`
}

// certificateJSON is the certificate that confirmed the account.
type certificateJSON struct {
	Holder    string    `json:"holder"`
	Issuer    string    `json:"issuer"`
	Serial    string    `json:"serial"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	Algorithm string    `json:"algorithm"`
}

// signatureConfirmedJSON is the account confirmed by a signature.
type signatureConfirmedJSON struct {
	myConfirmationJSON
	Certificate certificateJSON `json:"certificate"`
}

func (s *Server) apiStatement(w http.ResponseWriter, r *http.Request) {
	st, err := s.d.Signatures.Statement(r.Context(), accountOf(r).ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	b := st.Bytes()
	writeJSON(w, http.StatusOK, statementJSON{ID: st.ID, Nonce: st.Nonce, IssuedAt: st.IssuedAt.UTC(), ExpiresAt: st.ExpiresAt.UTC(),
		FileName: st.FileName(), Text: string(b), Content: base64.StdEncoding.EncodeToString(b)})
}

func (s *Server) apiSignature(w http.ResponseWriter, r *http.Request) {
	var in signatureRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if in.Signature == "" {
		s.apiError(w, r, problem.InvalidField("signature", problem.M("signature.empty")))
		return
	}
	res, err := s.d.Signatures.Confirm(r.Context(), accountOf(r).ID, []byte(in.Signature), s.holder(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, signatureConfirmedJSON{
		myConfirmationJSON: myConfirmationJSON{Level: string(account.Confirmed),
			Confirmation: &confirmationJSON{Method: signature.MethodSignature, At: res.ConfirmedAt.UTC()}},
		Certificate: certificateJSON{Holder: res.Holder, Issuer: res.Issuer, Serial: res.Serial, NotBefore: res.NotBefore.UTC(),
			NotAfter: res.NotAfter.UTC(), Algorithm: res.Algorithm}})
}
