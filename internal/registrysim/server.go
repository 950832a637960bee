package registrysim

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kabinet/kabinet/internal/registry"
)

// maxBody caps the size of a request body the server reads.
const maxBody = 16 << 10

// Paths of the three registries' endpoints, and where answers given later
// are collected (GET PathRequests + reference).
const (
	PathSNILS    = "/sfr/snils/check"
	PathPassport = "/mvd/passport/check"
	PathINN      = "/fns/inn/search"
	PathRequests = "/requests/"
)

// Config configures a Server.
type Config struct {
	// Citizens are the people the registries know (DemoCitizens, or a
	// data file read with ParseCitizens).
	Citizens []Citizen
	// Demo makes a citizen who is not in Citizens match: any well-formed
	// SNILS matches, any passport is valid, any person has an INN. Outside
	// demo mode an unknown SNILS is unknown, an unknown passport was not
	// issued and an unknown person has no INN.
	Demo bool
	// Token is the bearer token every POST and PUT must present. Empty
	// disables the check.
	Token string
	// Behaviour is each registry's delay and failures at start; PUT
	// /control or Server.Set change it.
	Behaviour map[registry.ID]Behaviour
	// Seed seeds the random source that decides which calls fail or hang,
	// so that a run can be repeated exactly.
	Seed uint64
	// Now is the clock outage windows are read against; nil: time.Now.
	Now func() time.Time
	// Log receives one line per call; nil discards.
	Log io.Writer
	// AsyncAfter: a call that asks for an answer later (Prefer:
	// respond-async) and whose delay is longer is answered 202 Accepted at
	// once, with the Location to collect the answer at once the delay has
	// passed, as a registry that takes hours or days answers (SMEV). Zero:
	// 10 seconds. Shorter delays are waited out in the call.
	AsyncAfter time.Duration
}

// Behaviour is how one registry answers, so that every path of a caller
// can be produced on purpose. A call first waits Delay; then, with one
// draw of the seeded random source, a share HangRate of calls never answer
// (until the caller gives up) and a share FailRate answer 503. During an
// outage window every call answers 503 at once.
type Behaviour struct {
	Delay    time.Duration
	FailRate float64
	HangRate float64
	Outages  []Window
}

// Window is an outage from From (inclusive) to To (exclusive).
type Window struct {
	From, To time.Time
}

func (b Behaviour) check() error {
	switch {
	case b.Delay < 0:
		return errors.New("delay must not be negative")
	case b.FailRate < 0 || b.HangRate < 0 || b.FailRate+b.HangRate > 1 || math.IsNaN(b.FailRate+b.HangRate):
		return errors.New("fail_rate and hang_rate must be between 0 and 1, and add up to at most 1")
	}
	for _, w := range b.Outages {
		if !w.To.After(w.From) {
			return errors.New("an outage window must end after it starts")
		}
	}
	return nil
}

// Server is the simulated registries. It is an http.Handler and is safe
// for concurrent use. Create it with New.
type Server struct {
	cfg Config
	ix  indexed
	log *slog.Logger
	mux *http.ServeMux
	now func() time.Time

	mu        sync.Mutex
	rng       *rand.Rand
	behaviour map[registry.ID]Behaviour
	later     map[string]*pendingAnswer // questions answered later, by reference
	serial    uint64
	stats     Stats
}

// pendingAnswer is a question taken to answer later: its answer, ready
// at a time.
type pendingAnswer struct {
	registry registry.ID
	ready    time.Time
	status   int
	body     any
}

// Stats counts the calls the registries received since New, so that a test
// can tell how often kabinet asked and whether it asked anything twice.
type Stats struct {
	// Calls counts every authorised call by registry: answered, failed,
	// hung or turned away by an outage.
	Calls map[registry.ID]int
	// Failed counts the calls answered 503 (failures and outages).
	Failed map[registry.ID]int
	// Answered counts the questions answered, by registry and subject:
	// "sfr:<SNILS's 11 digits>", "mvd:<series><number>",
	// "fns:<series><number>". In memory only; never logged.
	Answered map[string]int
}

// Stats returns a copy of the counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Calls: maps.Clone(s.stats.Calls), Failed: maps.Clone(s.stats.Failed), Answered: maps.Clone(s.stats.Answered)}
}

// count adds one to a registry's counter in m.
func count[K comparable](s *Server, m *map[K]int, k K) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if *m == nil {
		*m = map[K]int{}
	}
	(*m)[k]++
}

// New returns a server with the given configuration. It fails when the
// citizens or a behaviour are not valid.
func New(cfg Config) (*Server, error) {
	ix, err := index(cfg.Citizens)
	if err != nil {
		return nil, err
	}
	w := cfg.Log
	if w == nil {
		w = io.Discard
	}
	s := &Server{
		cfg:       cfg,
		ix:        ix,
		log:       slog.New(slog.NewTextHandler(w, nil)).With("component", "registry-sim"),
		mux:       http.NewServeMux(),
		now:       cfg.Now,
		rng:       rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		behaviour: map[registry.ID]Behaviour{},
		later:     map[string]*pendingAnswer{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.cfg.AsyncAfter <= 0 {
		s.cfg.AsyncAfter = 10 * time.Second
	}
	for id, b := range cfg.Behaviour {
		if err := s.Set(id, b); err != nil {
			return nil, err
		}
	}
	s.mux.HandleFunc("POST "+PathSNILS, s.call(registry.SFR, s.checkSNILS))
	s.mux.HandleFunc("POST "+PathPassport, s.call(registry.MVD, s.checkPassport))
	s.mux.HandleFunc("POST "+PathINN, s.call(registry.FNS, s.findINN))
	s.mux.HandleFunc("GET "+PathRequests+"{ref}", s.collect)
	s.mux.HandleFunc("GET /control", s.getControl)
	s.mux.HandleFunc("PUT /control", s.putControl)
	s.mux.HandleFunc("GET /{$}", s.page)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Set replaces one registry's behaviour.
func (s *Server) Set(id registry.ID, b Behaviour) error {
	if !slices.Contains(registry.IDs, id) {
		return fmt.Errorf("registrysim: no registry %q", id)
	}
	if err := b.check(); err != nil {
		return fmt.Errorf("registrysim: %s: %w", id, err)
	}
	s.mu.Lock()
	s.behaviour[id] = b
	s.mu.Unlock()
	return nil
}

// fate is what becomes of one call.
type fate int

const (
	answer fate = iota
	fail
	hang
)

// fate draws what happens to a call to id, and returns the delay before it
// and, during an outage, when the outage ends.
func (s *Server) fate(id registry.ID) (fate, time.Duration, time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.behaviour[id]
	now := s.now()
	for _, w := range b.Outages {
		if !now.Before(w.From) && now.Before(w.To) {
			return fail, 0, w.To
		}
	}
	// One draw per call, whatever the rates, so that a seed gives the same
	// sequence of fates when only the rates change.
	u := s.rng.Float64()
	switch {
	case u < b.HangRate:
		return hang, b.Delay, time.Time{}
	case u < b.HangRate+b.FailRate:
		return fail, b.Delay, time.Time{}
	}
	return answer, b.Delay, time.Time{}
}

// fieldErrors are the request's malformed fields, by JSON name.
type fieldErrors map[string]string

// call wraps one registry's handler: the token, the body, the injected
// delay, failures and outages, and the log line.
func (s *Server) call(id registry.ID, answer func(body []byte) (any, fieldErrors, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			writeError(w, http.StatusUnauthorized, "missing or invalid bearer token", nil)
			return
		}
		// Read the body first: once it is read, the server notices a caller
		// that gives up during the delay and cancels r.Context().
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, http.StatusBadRequest, "reading the body: "+err.Error(), nil)
			return
		}
		count(s, &s.stats.Calls, id)
		f, delay, outageEnd := s.fate(id)
		if !outageEnd.IsZero() {
			count(s, &s.stats.Failed, id)
			w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(outageEnd.Sub(s.now()).Seconds())), 10))
			s.log.Warn("outage", "registry", id)
			writeError(w, http.StatusServiceUnavailable, "the registry is down until "+outageEnd.UTC().Format(time.RFC3339), nil)
			return
		}
		if delay > s.cfg.AsyncAfter && preferAsync(r) {
			s.answerLater(w, id, f, delay, body, answer)
			return
		}
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-r.Context().Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		switch f {
		case hang:
			s.log.Warn("hanging until the caller gives up", "registry", id)
			<-r.Context().Done()
			return
		case fail:
			count(s, &s.stats.Failed, id)
			s.log.Warn("failing on purpose", "registry", id)
			writeError(w, http.StatusServiceUnavailable, "injected failure", nil)
			return
		}
		res, fields, err := answer(body)
		switch {
		case err != nil:
			s.log.Warn("malformed request", "registry", id, "err", err)
			writeError(w, http.StatusBadRequest, err.Error(), nil)
		case fields != nil:
			s.log.Warn("invalid request", "registry", id, "fields", fields)
			writeError(w, http.StatusUnprocessableEntity, "invalid fields", fields)
		default:
			// The result only: answers may carry personal data (an INN).
			s.log.Info("answered", "registry", id, "result", resultOf(res))
			writeJSON(w, http.StatusOK, res)
		}
	}
}

// preferAsync reports whether the caller takes an answer later
// (Prefer: respond-async, RFC 7240).
func preferAsync(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for p := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "respond-async") {
				return true
			}
		}
	}
	return false
}

// answerLater takes a question to answer after delay: 202 Accepted with
// its Location and Retry-After now, the answer (or the injected failure:
// a hang becomes a failure, there being no call to hold) at the Location
// once the delay has passed. A malformed question is refused at once.
func (s *Server) answerLater(w http.ResponseWriter, id registry.ID, f fate, delay time.Duration, body []byte, ask func([]byte) (any, fieldErrors, error)) {
	res, fields, err := ask(body)
	switch {
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	case fields != nil:
		writeError(w, http.StatusUnprocessableEntity, "invalid fields", fields)
		return
	}
	p := &pendingAnswer{registry: id, status: http.StatusOK, body: res}
	if f != answer {
		p.status, p.body = http.StatusServiceUnavailable, errorBody{Error: "injected failure"}
	}
	s.mu.Lock()
	now := s.now()
	for r, old := range s.later {
		if now.Sub(old.ready) > 24*time.Hour {
			delete(s.later, r) // never collected: the caller gave up on it
		}
	}
	s.serial++
	ref := fmt.Sprintf("%s-%d-%x", id, s.serial, s.rng.Uint64())
	p.ready = now.Add(delay)
	s.later[ref] = p
	s.mu.Unlock()
	s.log.Info("taken to answer later", "registry", id, "request", ref, "in", delay)
	w.Header().Set("Location", PathRequests+ref)
	w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(delay.Seconds())), 10))
	w.Header().Set("Preference-Applied", "respond-async")
	writeJSON(w, http.StatusAccepted, map[string]string{"request": ref})
}

// collect answers GET /requests/{ref}: 202 with Retry-After until the
// answer is ready, then the answer (once: the reference is forgotten), 404
// for a reference the simulator does not know, 503 during its registry's
// outage.
func (s *Server) collect(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, "missing or invalid bearer token", nil)
		return
	}
	ref := r.PathValue("ref")
	s.mu.Lock()
	p, ok := s.later[ref]
	now := s.now()
	var outageEnd time.Time
	if ok {
		for _, win := range s.behaviour[p.registry].Outages {
			if !now.Before(win.From) && now.Before(win.To) {
				outageEnd = win.To
			}
		}
		if outageEnd.IsZero() && !now.Before(p.ready) {
			delete(s.later, ref)
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, "no such request", nil)
	case !outageEnd.IsZero():
		w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(outageEnd.Sub(now).Seconds())), 10))
		writeError(w, http.StatusServiceUnavailable, "the registry is down until "+outageEnd.UTC().Format(time.RFC3339), nil)
	case now.Before(p.ready):
		w.Header().Set("Location", PathRequests+ref)
		w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(p.ready.Sub(now).Seconds())), 10))
		writeJSON(w, http.StatusAccepted, map[string]string{"request": ref})
	default:
		s.log.Info("answered later", "registry", p.registry, "request", ref, "result", resultOf(p.body))
		writeJSON(w, p.status, p.body)
	}
}

// PersonJSON is the person in a request, as the API names its fields.
type PersonJSON struct {
	Surname    string `json:"surname"`
	Name       string `json:"name"`
	Patronymic string `json:"patronymic,omitempty"`
	BirthDate  string `json:"birth_date"`
	Gender     string `json:"gender,omitempty"`
}

// check validates the person's fields into errs (the gender only when
// genderRequired or given) and returns them normalised for comparison.
func (p PersonJSON) check(errs fieldErrors, genderRequired bool) person {
	if strings.TrimSpace(p.Surname) == "" {
		errs["surname"] = "required"
	}
	if strings.TrimSpace(p.Name) == "" {
		errs["name"] = "required"
	}
	if !isDate(p.BirthDate) {
		errs["birth_date"] = "a date, YYYY-MM-DD"
	}
	if (genderRequired || p.Gender != "") && p.Gender != string(registry.Male) && p.Gender != string(registry.Female) {
		errs["gender"] = "male or female"
	}
	return person{fold(p.Surname), fold(p.Name), fold(p.Patronymic), p.BirthDate, p.Gender}
}

// SNILSRequest is the body of POST /sfr/snils/check.
type SNILSRequest struct {
	SNILS string `json:"snils"`
	PersonJSON
}

// SNILSResponse is its answer: result match, mismatch (with fields) or
// unknown.
type SNILSResponse struct {
	Result string   `json:"result"`
	Fields []string `json:"fields,omitempty"`
}

func (s *Server) checkSNILS(body []byte) (any, fieldErrors, error) {
	var req SNILSRequest
	if err := decode(body, &req); err != nil {
		return nil, nil, err
	}
	errs := fieldErrors{}
	snils := digits(req.SNILS)
	if len(snils) != 11 || strings.Trim(req.SNILS, "0123456789- ") != "" {
		errs["snils"] = "11 digits, as 123-456-789 01 or 12345678901"
	}
	p := req.PersonJSON.check(errs, true)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	count(s, &s.stats.Answered, "sfr:"+snils)
	r := s.ix.bySNILS[snils]
	switch {
	case r == nil && s.cfg.Demo:
		return SNILSResponse{Result: string(registry.SNILSMatches)}, nil, nil
	case r == nil || !r.sfrKnown:
		return SNILSResponse{Result: string(registry.SNILSUnknown)}, nil, nil
	}
	if fields := differ(r.sfr, p, true); len(fields) > 0 {
		return SNILSResponse{Result: string(registry.SNILSMismatch), Fields: fields}, nil, nil
	}
	return SNILSResponse{Result: string(registry.SNILSMatches)}, nil, nil
}

// differ lists the fields in which the question q differs from the record,
// in the API's order; the gender counts when the question gives one.
func differ(rec, q person, withGender bool) []string {
	var out []string
	for _, f := range []struct {
		name     string
		rec, got string
	}{
		{string(registry.FieldSurname), rec.surname, q.surname},
		{string(registry.FieldName), rec.name, q.name},
		{string(registry.FieldPatronymic), rec.patronymic, q.patronymic},
		{string(registry.FieldBirthDate), rec.birthDate, q.birthDate},
	} {
		if f.rec != f.got {
			out = append(out, f.name)
		}
	}
	if withGender && q.gender != "" && rec.gender != q.gender {
		out = append(out, string(registry.FieldGender))
	}
	return out
}

// PassportJSON is a passport in a request.
type PassportJSON struct {
	Series    string `json:"series"`
	Number    string `json:"number"`
	IssueDate string `json:"issue_date"`
}

func (p PassportJSON) check(errs fieldErrors, prefix string) string {
	if !seriesRE.MatchString(p.Series) {
		errs[prefix+"series"] = "4 digits"
	}
	if !numberRE.MatchString(p.Number) {
		errs[prefix+"number"] = "6 digits"
	}
	if !isDate(p.IssueDate) {
		errs[prefix+"issue_date"] = "a date, YYYY-MM-DD"
	}
	return p.Series + p.Number
}

// PassportRequest is the body of POST /mvd/passport/check: the passport
// and, optionally, its holder (checked when the surname is given).
type PassportRequest struct {
	PassportJSON
	Holder *PersonJSON `json:"holder,omitempty"`
}

// PassportResponse is its answer: result valid, invalid (with reason) or
// mismatch (with fields).
type PassportResponse struct {
	Result string   `json:"result"`
	Reason string   `json:"reason,omitempty"`
	Fields []string `json:"fields,omitempty"`
}

func (s *Server) checkPassport(body []byte) (any, fieldErrors, error) {
	var req PassportRequest
	if err := decode(body, &req); err != nil {
		return nil, nil, err
	}
	errs := fieldErrors{}
	key := req.PassportJSON.check(errs, "")
	var holder person
	if req.Holder != nil {
		sub := fieldErrors{}
		holder = req.Holder.check(sub, false)
		for k, v := range sub {
			errs["holder."+k] = v
		}
	}
	if len(errs) > 0 {
		return nil, errs, nil
	}
	count(s, &s.stats.Answered, "mvd:"+key)
	r := s.ix.byPassport[key]
	switch {
	case r == nil && s.cfg.Demo:
		return PassportResponse{Result: string(registry.PassportValid)}, nil, nil
	case r == nil:
		return PassportResponse{Result: string(registry.PassportInvalid), Reason: string(registry.ReasonNotIssued)}, nil, nil
	}
	// A mismatch comes first: the Ministry tells nothing about someone
	// else's passport.
	var fields []string
	if req.Holder != nil {
		fields = differ(r.person, holder, true)
	}
	if r.issued != req.IssueDate {
		fields = append(fields, string(registry.FieldIssueDate))
	}
	if len(fields) > 0 {
		return PassportResponse{Result: string(registry.PassportMismatch), Fields: fields}, nil, nil
	}
	if r.status != "" {
		return PassportResponse{Result: string(registry.PassportInvalid), Reason: string(r.status)}, nil, nil
	}
	return PassportResponse{Result: string(registry.PassportValid)}, nil, nil
}

// INNRequest is the body of POST /fns/inn/search.
type INNRequest struct {
	PersonJSON
	Passport PassportJSON `json:"passport"`
}

// INNResponse is its answer: result found (with the INN) or not_found.
type INNResponse struct {
	Result string `json:"result"`
	INN    string `json:"inn,omitempty"`
}

func (s *Server) findINN(body []byte) (any, fieldErrors, error) {
	var req INNRequest
	if err := decode(body, &req); err != nil {
		return nil, nil, err
	}
	errs := fieldErrors{}
	p := req.PersonJSON.check(errs, false)
	key := req.Passport.check(errs, "passport.")
	if len(errs) > 0 {
		return nil, errs, nil
	}
	count(s, &s.stats.Answered, "fns:"+key)
	notFound := INNResponse{Result: "not_found"}
	r := s.ix.byPassport[key]
	switch {
	case r == nil && s.cfg.Demo:
		return INNResponse{Result: "found", INN: demoINN(key)}, nil, nil
	case r == nil || r.inn == "" || len(differ(r.person, p, true)) > 0 || r.issued != req.Passport.IssueDate:
		return notFound, nil, nil
	}
	return INNResponse{Result: "found", INN: r.inn}, nil, nil
}

// demoINN makes up a well-formed 12-digit INN for a person the demo data
// does not list: the same passport always gets the same INN. The region
// code 77 and the check digits are as the Tax Service's.
func demoINN(passport string) string {
	sum := sha256.Sum256([]byte("registrysim inn " + passport))
	d := fmt.Sprintf("77%08d", binary.BigEndian.Uint64(sum[:8])%100_000_000)
	d += checkDigit(d, []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8})
	return d + checkDigit(d, []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8})
}

func checkDigit(d string, weights []int) string {
	sum := 0
	for i, w := range weights {
		sum += int(d[i]-'0') * w
	}
	return strconv.Itoa(sum % 11 % 10)
}

func resultOf(res any) string {
	switch r := res.(type) {
	case SNILSResponse:
		return r.Result
	case PassportResponse:
		return r.Result + " " + r.Reason
	case INNResponse:
		return r.Result
	}
	return fmt.Sprintf("%T", res)
}

// BehaviourJSON is one registry's behaviour in /control. Delay is a Go
// duration ("250ms", "90s", "48h") or whole days ("3d").
type BehaviourJSON struct {
	Delay    string       `json:"delay"`
	FailRate float64      `json:"fail_rate"`
	HangRate float64      `json:"hang_rate"`
	Outages  []WindowJSON `json:"outages"`
}

// WindowJSON is an outage window in /control, in RFC 3339.
type WindowJSON struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

func (s *Server) getControl(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.control())
}

func (s *Server) control() map[registry.ID]BehaviourJSON {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[registry.ID]BehaviourJSON{}
	for _, id := range registry.IDs {
		b := s.behaviour[id]
		j := BehaviourJSON{Delay: b.Delay.String(), FailRate: b.FailRate, HangRate: b.HangRate, Outages: []WindowJSON{}}
		for _, o := range b.Outages {
			j.Outages = append(j.Outages, WindowJSON(o))
		}
		out[id] = j
	}
	return out
}

// putControl replaces the behaviour of each registry the body names:
// {"mvd":{"delay":"3d"},"sfr":{"fail_rate":0.5}}. Nothing changes unless
// every one is valid.
func (s *Server) putControl(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeError(w, http.StatusUnauthorized, "missing or invalid bearer token", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	var req map[registry.ID]BehaviourJSON
	if err == nil {
		err = decode(body, &req)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	set := map[registry.ID]Behaviour{}
	errs := fieldErrors{}
	for id, j := range req {
		b, err := j.behaviour()
		if err == nil && !slices.Contains(registry.IDs, id) {
			err = errors.New("no such registry: sfr, mvd or fns")
		}
		if err == nil {
			err = b.check()
		}
		if err != nil {
			errs[string(id)] = err.Error()
		}
		set[id] = b
	}
	if len(errs) > 0 {
		writeError(w, http.StatusUnprocessableEntity, "invalid settings", errs)
		return
	}
	for id, b := range set {
		_ = s.Set(id, b) // checked above
	}
	s.log.Info("control", "settings", string(body))
	writeJSON(w, http.StatusOK, s.control())
}

func (j BehaviourJSON) behaviour() (Behaviour, error) {
	b := Behaviour{FailRate: j.FailRate, HangRate: j.HangRate}
	if j.Delay != "" {
		d, err := ParseDelay(j.Delay)
		if err != nil {
			return b, err
		}
		b.Delay = d
	}
	for _, o := range j.Outages {
		b.Outages = append(b.Outages, Window(o))
	}
	return b, nil
}

// ParseDelay reads a delay: a Go duration ("250ms", "2h30m") or whole days
// ("3d").
func ParseDelay(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 365 {
			return 0, fmt.Errorf("delay %q: whole days from 0 to 365, as 3d", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("delay %q: a duration such as 250ms, 90s, 48h or 3d", s)
	}
	return d, nil
}

const help = `registry-sim: the simulated Social Fund, Ministry of Internal Affairs and Tax Service
POST ` + PathSNILS + `     {"snils","surname","name","patronymic","birth_date","gender"}
POST ` + PathPassport + `  {"series","number","issue_date","holder":{"surname","name","patronymic","birth_date","gender"}}
POST ` + PathINN + `       {"surname","name","patronymic","birth_date","passport":{"series","number","issue_date"}}
GET  /control   each registry's delay, fail_rate, hang_rate and outages; PUT /control changes them
See docs/registry-sim.md.
`

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s\ncitizens: %d, demo mode: %v\n", help, len(s.cfg.Citizens), s.cfg.Demo)
}

func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.cfg.Token)) == 1
}

// decode reads one JSON object into v, refusing unknown fields and
// trailing data.
func decode(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed JSON body: %w", err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return errors.New("malformed JSON body: more than one value")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// errorBody is every error answer: a message and, for 422, the malformed
// fields by JSON name.
type errorBody struct {
	Error  string      `json:"error"`
	Fields fieldErrors `json:"fields,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg string, fields fieldErrors) {
	writeJSON(w, status, errorBody{Error: msg, Fields: fields})
}
