package registrysim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/registrysim"
)

const token = "test-token"

func newSim(t testing.TB, cfg registrysim.Config) *registrysim.Server {
	t.Helper()
	if cfg.Citizens == nil {
		cfg.Citizens = registrysim.DemoCitizens()
	}
	cfg.Token = token
	s, err := registrysim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do sends one request to the handler and returns the status and body.
func do(t testing.TB, h http.Handler, method, path, body string) (int, string) {
	t.Helper()
	return doCtx(context.Background(), h, method, path, body)
}

func doCtx(ctx context.Context, h http.Handler, method, path, body string) (int, string) {
	r := httptest.NewRequestWithContext(ctx, method, path, strings.NewReader(body))
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, strings.TrimSpace(w.Body.String())
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// questions are the three questions a citizen's true data asks.
func questions(c registrysim.Citizen) (snils, passport, inn string) {
	p := registrysim.PersonJSON{Surname: c.Surname, Name: c.Name, Patronymic: c.Patronymic, BirthDate: c.BirthDate, Gender: c.Gender}
	pp := registrysim.PassportJSON{Series: c.Passport.Series, Number: c.Passport.Number, IssueDate: c.Passport.IssueDate}
	return mustJSON(registrysim.SNILSRequest{SNILS: c.SNILS, PersonJSON: p}),
		mustJSON(registrysim.PassportRequest{PassportJSON: pp, Holder: &p}),
		mustJSON(registrysim.INNRequest{PersonJSON: p, Passport: pp})
}

// TestDemoCitizens: each demo person's true data gets the answers the
// README promises, in demo mode and out of it alike.
func TestDemoCitizens(t *testing.T) {
	want := map[string][3]string{
		"Смирнова":  {`{"result":"match"}`, `{"result":"valid"}`, `{"result":"found","inn":"770123456703"}`},
		"Кузнецов":  {`{"result":"match"}`, `{"result":"valid"}`, `{"result":"not_found"}`},
		"Волкова":   {`{"result":"mismatch","fields":["surname"]}`, `{"result":"valid"}`, `{"result":"found","inn":"500123456750"}`},
		"Павлова":   {`{"result":"mismatch","fields":["birth_date"]}`, `{"result":"valid"}`, `{"result":"found","inn":"771234567859"}`},
		"Фёдоров":   {`{"result":"unknown"}`, `{"result":"valid"}`, `{"result":"not_found"}`},
		"Морозов":   {`{"result":"match"}`, `{"result":"invalid","reason":"lost"}`, `{"result":"not_found"}`},
		"Лебедева":  {`{"result":"match"}`, `{"result":"invalid","reason":"expired"}`, `{"result":"not_found"}`},
		"Новиков":   {`{"result":"match"}`, `{"result":"invalid","reason":"replaced"}`, `{"result":"not_found"}`},
		"Григорьев": {`{"result":"match"}`, `{"result":"invalid","reason":"not_issued"}`, `{"result":"not_found"}`},
	}
	citizens := registrysim.DemoCitizens()
	if len(citizens) != len(want) {
		t.Fatalf("%d demo citizens, the test knows %d", len(citizens), len(want))
	}
	for _, demo := range []bool{true, false} {
		s := newSim(t, registrysim.Config{Demo: demo})
		for _, c := range citizens {
			t.Run(fmt.Sprintf("%s demo=%v", c.Surname, demo), func(t *testing.T) {
				w, ok := want[c.Surname]
				if !ok {
					t.Fatalf("no expectation for %s", c.Surname)
				}
				sq, pq, iq := questions(c)
				for i, call := range []struct{ path, body string }{{registrysim.PathSNILS, sq}, {registrysim.PathPassport, pq}, {registrysim.PathINN, iq}} {
					if st, got := do(t, s, "POST", call.path, call.body); st != 200 || got != w[i] {
						t.Errorf("%s: %d %s, want 200 %s", call.path, st, got, w[i])
					}
				}
			})
		}
	}
}

// TestAnswers covers the answers that depend on what is typed and on demo
// mode: written forms, mismatches, unknown people.
func TestAnswers(t *testing.T) {
	anna := `"surname":"СМИРНОВА","name":"анна","patronymic":"Сергеевна","birth_date":"1990-03-15"`
	stranger := `"surname":"Иванов","name":"Иван","birth_date":"1980-01-01"`
	tests := []struct {
		name       string
		demo       bool
		path, body string
		status     int
		want       string
	}{
		{"snils digits only, any case", false, registrysim.PathSNILS, `{"snils":"11223344595",` + anna + `,"gender":"female"}`, 200, `{"result":"match"}`},
		{"snils wrong gender and name", false, registrysim.PathSNILS, `{"snils":"112-233-445 95","surname":"Смирнова","name":"Алла","patronymic":"Сергеевна","birth_date":"1990-03-15","gender":"male"}`, 200, `{"result":"mismatch","fields":["name","gender"]}`},
		{"snils ё is е", false, registrysim.PathSNILS, `{"snils":"678-901-234 38","surname":"Федоров","name":"Сергей","patronymic":"Олегович","birth_date":"1993-06-12","gender":"male"}`, 200, `{"result":"unknown"}`},
		{"unknown snils outside demo", false, registrysim.PathSNILS, `{"snils":"999-999-999 99",` + stranger + `,"gender":"male"}`, 200, `{"result":"unknown"}`},
		{"unknown snils in demo", true, registrysim.PathSNILS, `{"snils":"999-999-999 99",` + stranger + `,"gender":"male"}`, 200, `{"result":"match"}`},
		{"passport wrong issue date", false, registrysim.PathPassport, `{"series":"4510","number":"123456","issue_date":"2010-04-02"}`, 200, `{"result":"mismatch","fields":["issue_date"]}`},
		{"passport without holder", false, registrysim.PathPassport, `{"series":"4510","number":"123456","issue_date":"2010-04-01"}`, 200, `{"result":"valid"}`},
		{"lost passport of someone else: mismatch first", false, registrysim.PathPassport, `{"series":"3608","number":"456789","issue_date":"2008-12-01","holder":{` + stranger + `}}`, 200, `{"result":"mismatch","fields":["surname","name","patronymic","birth_date"]}`},
		{"unknown passport outside demo", false, registrysim.PathPassport, `{"series":"1111","number":"222222","issue_date":"2020-01-01"}`, 200, `{"result":"invalid","reason":"not_issued"}`},
		{"unknown passport in demo", true, registrysim.PathPassport, `{"series":"1111","number":"222222","issue_date":"2020-01-01"}`, 200, `{"result":"valid"}`},
		{"inn other person", false, registrysim.PathINN, `{` + stranger + `,"passport":{"series":"4510","number":"123456","issue_date":"2010-04-01"}}`, 200, `{"result":"not_found"}`},
		{"inn unknown outside demo", false, registrysim.PathINN, `{` + stranger + `,"passport":{"series":"1111","number":"222222","issue_date":"2020-01-01"}}`, 200, `{"result":"not_found"}`},
		{"inn unknown in demo: made up, stable", true, registrysim.PathINN, `{` + stranger + `,"passport":{"series":"1111","number":"222222","issue_date":"2020-01-01"}}`, 200, `{"result":"found","inn":"779854077873"}`},
		{"malformed json", false, registrysim.PathSNILS, `{"snils":`, 400, `{"error":"malformed JSON body: unexpected EOF"}`},
		{"unknown field", false, registrysim.PathSNILS, `{"inn":"1"}`, 400, `{"error":"malformed JSON body: json: unknown field \"inn\""}`},
		{"two values", false, registrysim.PathINN, `{}{}`, 400, `{"error":"malformed JSON body: more than one value"}`},
		{"invalid snils fields", false, registrysim.PathSNILS, `{"snils":"12a","surname":" ","name":"Анна","birth_date":"15.03.1990","gender":"f"}`, 422,
			`{"error":"invalid fields","fields":{"birth_date":"a date, YYYY-MM-DD","gender":"male or female","snils":"11 digits, as 123-456-789 01 or 12345678901","surname":"required"}}`},
		{"invalid passport fields", false, registrysim.PathPassport, `{"series":"45 10","number":"12345","issue_date":"","holder":{"surname":"","name":"А","birth_date":"1990-03-15"}}`, 422,
			`{"error":"invalid fields","fields":{"holder.surname":"required","issue_date":"a date, YYYY-MM-DD","number":"6 digits","series":"4 digits"}}`},
		{"invalid inn fields", false, registrysim.PathINN, `{"surname":"А","name":"Б","birth_date":"1990-03-15","passport":{"series":"4510","number":"123456","issue_date":"2010-13-01"}}`, 422,
			`{"error":"invalid fields","fields":{"passport.issue_date":"a date, YYYY-MM-DD"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, registrysim.Config{Demo: tt.demo})
			if st, got := do(t, s, "POST", tt.path, tt.body); st != tt.status || got != tt.want {
				t.Errorf("got %d %s\nwant %d %s", st, got, tt.status, tt.want)
			}
		})
	}
}

func TestToken(t *testing.T) {
	s := newSim(t, registrysim.Config{})
	for _, auth := range []string{"", "Bearer wrong", token} {
		r := httptest.NewRequest("POST", registrysim.PathSNILS, strings.NewReader(`{}`))
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d, want 401", auth, w.Code)
		}
	}
}

// TestBehaviour: delays (up to days), failures, hangs and outages, on the
// fake clock of testing/synctest and a seeded random source.
func TestBehaviour(t *testing.T) {
	valid := `{"series":"4510","number":"123456","issue_date":"2010-04-01"}`
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // synctest's epoch
	tests := []struct {
		name      string
		behaviour registrysim.Behaviour
		timeout   time.Duration // the caller's patience
		calls     int
		want      string        // each call's status, "-" for none (the caller gave up)
		took      time.Duration // how long the calls took together
	}{
		{"no delay", registrysim.Behaviour{}, time.Hour, 2, "200 200", 0},
		{"150 ms", registrysim.Behaviour{Delay: 150 * time.Millisecond}, time.Hour, 2, "200 200", 300 * time.Millisecond},
		{"three days", registrysim.Behaviour{Delay: 72 * time.Hour}, 100 * time.Hour, 1, "200", 72 * time.Hour},
		{"delay beyond patience", registrysim.Behaviour{Delay: 72 * time.Hour}, time.Hour, 1, "-", time.Hour},
		{"every call fails", registrysim.Behaviour{FailRate: 1}, time.Hour, 3, "503 503 503", 0},
		{"every call hangs", registrysim.Behaviour{HangRate: 1}, 30 * time.Second, 2, "- -", time.Minute},
		{"half fail, seeded", registrysim.Behaviour{FailRate: 0.5}, time.Hour, 8, "200 503 200 503 200 200 200 200", 0},
		{"a third hang, a third fail, seeded", registrysim.Behaviour{HangRate: 1. / 3, FailRate: 1. / 3}, 10 * time.Second, 6, "200 - 200 503 200 200", 10 * time.Second},
		{"outage now", registrysim.Behaviour{Delay: time.Hour, Outages: []registrysim.Window{{From: start.Add(-time.Minute), To: start.Add(90 * time.Second)}}}, time.Hour, 1, "503", 0},
		{"outage over", registrysim.Behaviour{Outages: []registrysim.Window{{From: start.Add(-time.Hour), To: start}}}, time.Hour, 1, "200", 0},
		{"outage to come", registrysim.Behaviour{Outages: []registrysim.Window{{From: start.Add(time.Second), To: start.Add(time.Hour)}}}, time.Hour, 1, "200", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := newSim(t, registrysim.Config{Seed: 42, Behaviour: map[registry.ID]registrysim.Behaviour{registry.MVD: tt.behaviour}})
				begin := time.Now()
				var got []string
				for range tt.calls {
					ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
					r := httptest.NewRequestWithContext(ctx, "POST", registrysim.PathPassport, strings.NewReader(valid))
					r.Header.Set("Authorization", "Bearer "+token)
					w := httptest.NewRecorder()
					s.ServeHTTP(w, r)
					cancel()
					if w.Body.Len() == 0 {
						got = append(got, "-")
					} else {
						got = append(got, fmt.Sprint(w.Code))
					}
					if strings.Contains(tt.name, "outage now") && w.Header().Get("Retry-After") != "90" {
						t.Errorf("Retry-After = %q, want 90", w.Header().Get("Retry-After"))
					}
				}
				if g := strings.Join(got, " "); g != tt.want {
					t.Errorf("statuses %s, want %s", g, tt.want)
				}
				if took := time.Since(begin); took != tt.took {
					t.Errorf("took %v, want %v", took, tt.took)
				}
				// The other registries are untouched.
				if st, _ := do(t, s, "POST", registrysim.PathSNILS, `{"snils":"112-233-445 95","surname":"Смирнова","name":"Анна","patronymic":"Сергеевна","birth_date":"1990-03-15","gender":"female"}`); st != 200 {
					t.Errorf("the Social Fund answered %d", st)
				}
			})
		})
	}
}

func TestControl(t *testing.T) {
	s := newSim(t, registrysim.Config{})
	st, body := do(t, s, "PUT", "/control", `{"mvd":{"delay":"3d","fail_rate":0.25,"outages":[{"from":"2026-05-01T10:00:00Z","to":"2026-05-01T15:00:00+03:00"}]},"fns":{"hang_rate":1}}`)
	if st != 200 {
		t.Fatalf("PUT /control: %d %s", st, body)
	}
	var got map[string]registrysim.BehaviourJSON
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	want := map[string]registrysim.BehaviourJSON{
		"sfr": {Delay: "0s", Outages: []registrysim.WindowJSON{}},
		"mvd": {Delay: "72h0m0s", FailRate: 0.25, Outages: []registrysim.WindowJSON{{From: from, To: time.Date(2026, 5, 1, 15, 0, 0, 0, time.FixedZone("", 3*3600))}}},
		"fns": {Delay: "0s", HangRate: 1, Outages: []registrysim.WindowJSON{}},
	}
	if got["mvd"].Outages[0].To.Equal(want["mvd"].Outages[0].To) {
		got["mvd"].Outages[0].To = want["mvd"].Outages[0].To
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("PUT /control answered %+v\nwant %+v", got, want)
	}
	if st, b := do(t, s, "GET", "/control", ""); st != 200 || b != body {
		t.Errorf("GET /control: %d %s, want the PUT's answer", st, b)
	}

	rejects := []struct{ name, body, want string }{
		{"unknown registry", `{"gibdd":{}}`, `"gibdd":"no such registry: sfr, mvd or fns"`},
		{"bad delay", `{"sfr":{"delay":"soon"}}`, `"sfr":"delay \"soon\": a duration such as 250ms, 90s, 48h or 3d"`},
		{"rates over 1", `{"sfr":{"fail_rate":0.6,"hang_rate":0.6}}`, `fail_rate and hang_rate must be between 0 and 1`},
		{"window backwards", `{"mvd":{"outages":[{"from":"2026-05-01T10:00:00Z","to":"2026-05-01T09:00:00Z"}]}}`, `"mvd":"an outage window must end after it starts"`},
	}
	for _, tt := range rejects {
		t.Run(tt.name, func(t *testing.T) {
			st, b := do(t, s, "PUT", "/control", tt.body)
			if st != 422 || !strings.Contains(b, tt.want) {
				t.Errorf("%d %s, want 422 with %s", st, b, tt.want)
			}
			if _, after := do(t, s, "GET", "/control", ""); after != body {
				t.Errorf("a rejected PUT changed the settings: %s", after)
			}
		})
	}
	if st, _ := do(t, s, "PUT", "/control", `{"sfr":`); st != 400 {
		t.Errorf("malformed PUT: %d, want 400", st)
	}
}

func TestParseDelay(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"250ms", 250 * time.Millisecond, true},
		{"90s", 90 * time.Second, true},
		{"2d", 48 * time.Hour, true},
		{"0", 0, true},
		{"-1s", 0, false},
		{"1.5d", 0, false},
		{"400d", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		got, err := registrysim.ParseDelay(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDelay(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseCitizens(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"empty", `{"citizens":[]}`, "lists no citizens"},
		{"unknown field", `{"citizens":[{"surname":"А","name":"Б","gender":"male","birth_date":"1990-01-01","phone":"1"}]}`, `unknown field "phone"`},
		{"no name", `{"citizens":[{"surname":"А","gender":"male","birth_date":"1990-01-01"}]}`, "citizen 1 (А ): surname and name are required"},
		{"bad gender", `{"citizens":[{"surname":"А","name":"Б","gender":"m","birth_date":"1990-01-01"}]}`, "gender must be male or female"},
		{"bad snils", `{"citizens":[{"surname":"А","name":"Б","gender":"male","birth_date":"1990-01-01","snils":"123"}]}`, "snils must have 11 digits"},
		{"bad status", `{"citizens":[{"surname":"А","name":"Б","gender":"male","birth_date":"1990-01-01","passport":{"series":"4510","number":"123456","issue_date":"2010-01-01","status":"stolen"}}]}`, `passport status "stolen"`},
		{"twice", `{"citizens":[{"surname":"А","name":"Б","gender":"male","birth_date":"1990-01-01","snils":"11223344595"},{"surname":"В","name":"Г","gender":"male","birth_date":"1990-01-01","snils":"112-233-445 95"}]}`, "citizen 2 (В Г): snils 112-233-445 95 is given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := registrysim.ParseCitizens(strings.NewReader(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// FuzzRequests feeds any body to every endpoint: the simulator answers
// 200 with a known result, 400 or 422, and never panics.
func FuzzRequests(f *testing.F) {
	for _, c := range registrysim.DemoCitizens() {
		sq, pq, iq := questions(c)
		f.Add(0, sq)
		f.Add(1, pq)
		f.Add(2, iq)
	}
	f.Add(0, `{"snils":"١٢٣"}`)
	f.Add(1, `{"holder":null}`)
	f.Add(2, `{"passport":{"series":"\u0000"}}`)
	f.Add(3, `{"mvd":{"delay":"9999999h"}}`)
	// PUT /control goes to a server of its own: a fuzzed hang_rate must not
	// make the registry calls hang.
	sims := []*registrysim.Server{newSim(f, registrysim.Config{Demo: true}), newSim(f, registrysim.Config{}), newSim(f, registrysim.Config{})}
	results := map[string]bool{"match": true, "mismatch": true, "unknown": true, "valid": true, "invalid": true, "found": true, "not_found": true}
	f.Fuzz(func(t *testing.T, which int, body string) {
		paths := []string{registrysim.PathSNILS, registrysim.PathPassport, registrysim.PathINN, "/control"}
		n := (which%8 + 8) % 8
		path, s, method := paths[n%4], sims[n/4], "POST"
		if path == "/control" {
			s, method = sims[2], "PUT"
		}
		st, got := do(t, s, method, path, body)
		switch st {
		case 200:
			var res struct {
				Result string `json:"result"`
			}
			if err := json.Unmarshal([]byte(got), &res); err != nil || (path != "/control" && !results[res.Result]) {
				t.Fatalf("200 with %s", got)
			}
		case 400, 422:
		default:
			t.Fatalf("%s: %d %s", path, st, got)
		}
	})
}

// TestStats: every call is counted by registry, the 503s apart, and each
// answered question by its subject, so that a test sees a question asked
// twice; malformed questions are calls but no subject.
func TestStats(t *testing.T) {
	s := newSim(t, registrysim.Config{Demo: true, Seed: 42, Behaviour: map[registry.ID]registrysim.Behaviour{registry.FNS: {FailRate: 1}}})
	anna := registrysim.DemoCitizens()[0]
	snils, passport, inn := questions(anna)
	for _, q := range []struct{ path, body string }{
		{registrysim.PathSNILS, snils}, {registrysim.PathSNILS, snils}, {registrysim.PathPassport, passport},
		{registrysim.PathPassport, `{"series":"45"}`}, {registrysim.PathINN, inn},
	} {
		do(t, s, "POST", q.path, q.body)
	}
	want := registrysim.Stats{
		Calls:    map[registry.ID]int{registry.SFR: 2, registry.MVD: 2, registry.FNS: 1},
		Failed:   map[registry.ID]int{registry.FNS: 1},
		Answered: map[string]int{"sfr:11223344595": 2, "mvd:4510123456": 1},
	}
	if got := s.Stats(); !reflect.DeepEqual(got, want) {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
}
