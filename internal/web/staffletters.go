package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// The post operator's console (issue 13 §1): the letters waiting, a print
// run as a PDF (the only place the codes ever exist), the batches with
// their letters, «передано на почту», the register for the Post and the
// letters the post returned. The same under /api/v1/staff/letters.

// defaultBatch is the print run the console proposes: a morning's
// envelopes.
const defaultBatch = 100

// StaffLettersPage is the list: how many wait, the print form, the
// latest batches.
type StaffLettersPage struct {
	StaffBase
	Pending     int
	Batches     []*letter.Batch
	MaxBatch    int
	CanDispatch bool
}

// StaffBatchPage is one batch with its letters.
type StaffBatchPage struct {
	StaffBase
	Batch       *letter.Batch
	Letters     []*letter.Letter
	CanPrint    bool
	CanDispatch bool
}

func (s *Server) lettersPage(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, values map[string]string) (*StaffLettersPage, bool) {
	p := &StaffLettersPage{StaffBase: s.staffBase(r, a, g, "console.letters.title", values), MaxBatch: letter.MaxBatch,
		CanDispatch: g.Permits(a, staff.PermLettersDispatch)}
	if p.Form.Value("max") == "" {
		p.Form.Values["max"] = strconv.Itoa(defaultBatch)
	}
	var err error
	if p.Pending, err = s.d.Letters.Pending(r.Context(), a); err == nil {
		p.Batches, err = s.d.Letters.Batches(r.Context(), a, 20)
	}
	if err != nil {
		s.staffError(w, r, a, g, err)
		return nil, false
	}
	return p, true
}

func (s *Server) staffLetters(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	p, ok := s.lettersPage(w, r, a, g, nil)
	if !ok {
		return
	}
	if r.URL.Query().Get("sent") != "" {
		p.Flash = s.t(r).T("console.letters.sent_done")
	}
	s.render(w, r, http.StatusOK, "staff_letters", p)
}

// staffLettersPrint prints the letters waiting: the answer is the PDF
// itself, as its codes are kept nowhere else. A lost download is printed
// again from the batch's page (new codes).
func (s *Server) staffLettersPrint(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "max", "code")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	fail := func(err error) {
		if k := problem.KindOf(err); k == problem.Internal || k == problem.Forbidden {
			s.staffError(w, r, a, g, err)
			return
		}
		p, ok := s.lettersPage(w, r, a, g, map[string]string{"max": v["max"]})
		if !ok {
			return
		}
		p.Form.fail(s.t(r), err, "max", "code")
		s.render(w, r, statusOf(problem.KindOf(err)), "staff_letters", p)
	}
	if err := s.freshen(r.Context(), a, v["code"]); err != nil {
		fail(err)
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(v["max"]))
	if err != nil {
		fail(problem.InvalidField("max", problem.M("letter.batch_size", "Max", letter.MaxBatch)))
		return
	}
	b, sheets, err := s.d.Letters.Print(r.Context(), a, n)
	if err != nil {
		fail(err)
		return
	}
	s.sendBatchPDF(w, r, b, sheets, http.StatusOK)
}

func (s *Server) staffLettersReprint(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	v, err := form(w, r, "code")
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	id := r.PathValue("id")
	err = s.freshen(r.Context(), a, v["code"])
	if err == nil {
		var (
			b      *letter.Batch
			sheets []letter.Sheet
		)
		if b, sheets, err = s.d.Letters.Reprint(r.Context(), a, id); err == nil {
			s.sendBatchPDF(w, r, b, sheets, http.StatusOK)
			return
		}
	}
	if k := problem.KindOf(err); k != problem.Invalid && k != problem.Conflict {
		s.staffError(w, r, a, g, err)
		return
	}
	p, ok := s.batchPage(w, r, a, g, id)
	if !ok {
		return
	}
	p.Form.fail(s.t(r), err, "code")
	s.render(w, r, statusOf(problem.KindOf(err)), "staff_letter_batch", p)
}

// sendBatchPDF answers a print run's PDF as a download. A PDF that cannot
// be made is an internal error: the letters stay printed, and the batch's
// page prints them again.
func (s *Server) sendBatchPDF(w http.ResponseWriter, r *http.Request, b *letter.Batch, sheets []letter.Sheet, status int) {
	pdf, err := s.d.LetterPrinter.Batch(sheets)
	if err != nil {
		if wantsJSON(r) {
			s.apiError(w, r, err)
		} else {
			s.internalError(w, r, err)
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="letters-`+b.ID+`.pdf"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Batch-Id", b.ID)
	h.Set("X-Letters", strconv.Itoa(len(sheets)))
	w.WriteHeader(status)
	_, _ = w.Write(pdf)
}

func (s *Server) batchPage(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants, id string) (*StaffBatchPage, bool) {
	b, ls, err := s.d.Letters.BatchLetters(r.Context(), a, id)
	if err != nil {
		s.staffError(w, r, a, g, err)
		return nil, false
	}
	return &StaffBatchPage{StaffBase: s.staffBase(r, a, g, "console.letters.batch_title", nil), Batch: b, Letters: ls,
		CanPrint: g.Permits(a, staff.PermLettersPrint), CanDispatch: g.Permits(a, staff.PermLettersDispatch)}, true
}

func (s *Server) staffLetterBatch(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	p, ok := s.batchPage(w, r, a, g, r.PathValue("id"))
	if !ok {
		return
	}
	if r.URL.Query().Get("returned") != "" {
		p.Flash = s.t(r).T("console.letters.returned_done")
	}
	s.render(w, r, http.StatusOK, "staff_letter_batch", p)
}

func (s *Server) staffLettersSent(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if _, err := form(w, r); err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	if _, err := s.d.Letters.MarkSent(r.Context(), a, r.PathValue("id")); err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	seeOther(w, r, "/staff/letters?sent=1")
}

func (s *Server) staffLetterReturned(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if _, err := form(w, r); err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	l, err := s.d.Letters.MarkReturned(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	seeOther(w, r, "/staff/letters/batches/"+l.BatchID+"?returned=1")
}

// staffLettersRegister downloads a batch's register for the Post: CSV
// (form 103), or JSON with ?format=json.
func (s *Server) staffLettersRegister(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	asJSON := r.URL.Query().Get("format") == "json"
	b, ls, err := s.d.Letters.BatchLetters(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.staffError(w, r, a, g, err)
		return
	}
	out, err := s.d.LetterPrinter.Register(b, ls, asJSON)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	h := w.Header()
	name := "register-" + b.ID + ".csv"
	h.Set("Content-Type", "text/csv; charset=utf-8")
	if asJSON {
		name = "register-" + b.ID + ".json"
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write(out)
}

// The API.

// pdfFile marks a route table's response that is a PDF document
// (application/pdf), not JSON.
type pdfFile []byte

// letterBatchJSON is a print run.
type letterBatchJSON struct {
	ID        string     `json:"id"`
	StaffID   string     `json:"staff_id"`
	CenterID  string     `json:"center_id,omitempty"`
	Letters   int        `json:"letters"`
	PrintedAt time.Time  `json:"printed_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// lettersJSON is the post operator's view: how many wait, the latest
// batches.
type lettersJSON struct {
	Pending int               `json:"pending"`
	Batches []letterBatchJSON `json:"batches"`
}

type letterPrintRequest struct {
	Max int `json:"max"`
}

// staffLetterJSON is a letter as the post operator sees it: the addressee
// and the address, never the code.
type staffLetterJSON struct {
	ID         string      `json:"id"`
	Status     string      `json:"status"`
	Recipient  string      `json:"recipient"`
	Address    addressJSON `json:"address"`
	OrderedAt  time.Time   `json:"ordered_at"`
	PrintedAt  *time.Time  `json:"printed_at"`
	SentAt     *time.Time  `json:"sent_at"`
	ReturnedAt *time.Time  `json:"returned_at"`
}

// letterBatchDetailJSON is a batch with its letters.
type letterBatchDetailJSON struct {
	letterBatchJSON
	Items []staffLetterJSON `json:"items"`
}

// registerRowJSON is a row of the register for the Post (form 103).
type registerRowJSON struct {
	N         int    `json:"n"`
	Batch     string `json:"batch"`
	BatchDate string `json:"batch_date"`
	LetterID  string `json:"letter_id"`
	Addressee string `json:"addressee"`
	Postcode  string `json:"postcode"`
	Address   string `json:"address"`
	Kind      string `json:"kind"`
	Category  string `json:"category"`
	WeightG   int    `json:"weight_g"`
	Tracking  string `json:"tracking"`
}

// letterRegisterJSON is a batch's register.
type letterRegisterJSON struct {
	Batch     string            `json:"batch"`
	BatchDate string            `json:"batch_date"`
	Letters   []registerRowJSON `json:"letters"`
}

func toBatchJSON(b *letter.Batch) letterBatchJSON {
	return letterBatchJSON{ID: b.ID, StaffID: b.StaffID, CenterID: b.CenterID, Letters: b.Letters, PrintedAt: b.PrintedAt.UTC(), SentAt: timePtr(b.SentAt)}
}

func toStaffLetterJSON(l *letter.Letter) staffLetterJSON {
	return staffLetterJSON{ID: l.ID, Status: string(l.Status), Recipient: l.Recipient, Address: addressJSON(l.Address), OrderedAt: l.OrderedAt.UTC(),
		PrintedAt: timePtr(l.PrintedAt), SentAt: timePtr(l.SentAt), ReturnedAt: timePtr(l.ReturnedAt)}
}

func (s *Server) apiStaffLetters(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	n, err := s.d.Letters.Pending(r.Context(), a)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	bs, err := s.d.Letters.Batches(r.Context(), a, 100)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := lettersJSON{Pending: n, Batches: make([]letterBatchJSON, 0, len(bs))}
	for _, b := range bs {
		out.Batches = append(out.Batches, toBatchJSON(b))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiStaffLettersPrint(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if !s.apiFresh(w, r, a) { // the codes and the citizens' addresses: a recent code, as on the console
		return
	}
	var in letterPrintRequest
	if err := decode(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	b, sheets, err := s.d.Letters.Print(r.Context(), a, in.Max)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.sendBatchPDF(w, r, b, sheets, http.StatusCreated)
}

func (s *Server) apiStaffLettersReprint(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	if !s.apiFresh(w, r, a) { // the codes and the citizens' addresses: a recent code, as on the console
		return
	}
	b, sheets, err := s.d.Letters.Reprint(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.sendBatchPDF(w, r, b, sheets, http.StatusOK)
}

func (s *Server) apiStaffLetterBatch(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	b, ls, err := s.d.Letters.BatchLetters(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := letterBatchDetailJSON{letterBatchJSON: toBatchJSON(b), Items: make([]staffLetterJSON, 0, len(ls))}
	for _, l := range ls {
		out.Items = append(out.Items, toStaffLetterJSON(l))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiStaffLettersSent(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	b, err := s.d.Letters.MarkSent(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toBatchJSON(b))
}

func (s *Server) apiStaffLetterReturned(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	l, err := s.d.Letters.MarkReturned(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toStaffLetterJSON(l))
}

// apiStaffLettersRegister is the batch's register as JSON. The printer's
// JSON is read into this package's type, strictly, so that the answer is
// what the OpenAPI document describes.
func (s *Server) apiStaffLettersRegister(w http.ResponseWriter, r *http.Request, a staff.Actor, g staff.Grants) {
	b, ls, err := s.d.Letters.BatchLetters(r.Context(), a, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	raw, err := s.d.LetterPrinter.Register(b, ls, true)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var out letterRegisterJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
