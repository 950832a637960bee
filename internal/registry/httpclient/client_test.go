package httpclient_test

import (
	"context"
	"errors"
	"github.com/kabinet/kabinet/internal/registry/breaker"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/registry/httpclient"
	"github.com/kabinet/kabinet/internal/registrysim"
)

const token = "t0ken"

// startSim runs the real simulator on 127.0.0.1 with the demo citizens.
func startSim(t *testing.T, demo bool, b map[registry.ID]registrysim.Behaviour) string {
	t.Helper()
	sim, err := registrysim.New(registrysim.Config{Citizens: registrysim.DemoCitizens(), Demo: demo, Token: token, Behaviour: b, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return srv.URL
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// The demo citizens, as a caller holds them.
var (
	anna      = registry.Person{Surname: "Смирнова", Name: "Анна", Patronymic: "Сергеевна", BirthDate: day("1990-03-15"), Gender: registry.Female}
	annaPass  = registry.Passport{Series: "4510", Number: "123456", IssueDate: day("2010-04-01")}
	maria     = registry.Person{Surname: "Волкова", Name: "Мария", Patronymic: "Игоревна", BirthDate: day("1991-02-10"), Gender: registry.Female}
	sergey    = registry.Person{Surname: "Фёдоров", Name: "Сергей", Patronymic: "Олегович", BirthDate: day("1993-06-12"), Gender: registry.Male}
	alexey    = registry.Person{Surname: "Морозов", Name: "Алексей", Patronymic: "Викторович", BirthDate: day("1988-11-05"), Gender: registry.Male}
	ivan      = registry.Person{Surname: "Кузнецов", Name: "Иван", Patronymic: "Петрович", BirthDate: day("1985-07-20"), Gender: registry.Male}
	ivanPass  = registry.Passport{Series: "9205", Number: "234567", IssueDate: day("2005-08-10")}
	newcomer  = registry.Person{Surname: "Иванов", Name: "Пётр", BirthDate: day("2000-01-01"), Gender: registry.Male}
	newcPass  = registry.Passport{Series: "4520", Number: "000001", IssueDate: day("2020-02-01")}
	newcSNILS = "999-999-999 99"
)

// TestAnswers: every kind of answer, through HTTP, as typed answers.
func TestAnswers(t *testing.T) {
	tests := []struct {
		name string
		demo bool
		ask  func(context.Context, *httpclient.Client) (any, error)
		want any
	}{
		{"snils matches", false, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.CheckSNILS(ctx, registry.SNILSQuery{SNILS: "112-233-445 95", Person: anna})
		}, registry.SNILSAnswer{Result: registry.SNILSMatches}},
		{"snils mismatch on the surname", false, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.CheckSNILS(ctx, registry.SNILSQuery{SNILS: "23456789099", Person: maria})
		}, registry.SNILSAnswer{Result: registry.SNILSMismatch, Mismatch: []registry.Field{registry.FieldSurname}}},
		{"snils unknown", false, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.CheckSNILS(ctx, registry.SNILSQuery{SNILS: "678-901-234 38", Person: sergey})
		}, registry.SNILSAnswer{Result: registry.SNILSUnknown}},
		{"newcomer's snils outside demo", false, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.CheckSNILS(ctx, registry.SNILSQuery{SNILS: newcSNILS, Person: newcomer})
		}, registry.SNILSAnswer{Result: registry.SNILSUnknown}},
		{"newcomer's snils in demo", true, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.CheckSNILS(ctx, registry.SNILSQuery{SNILS: newcSNILS, Person: newcomer})
		}, registry.SNILSAnswer{Result: registry.SNILSMatches}},
		{"passport valid", false, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.CheckPassport(ctx, registry.PassportQuery{Passport: annaPass, Holder: anna})
		}, registry.PassportAnswer{Result: registry.PassportValid}},
		{"passport lost", false, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.CheckPassport(ctx, registry.PassportQuery{Passport: registry.Passport{Series: "3608", Number: "456789", IssueDate: day("2008-12-01")}, Holder: alexey})
		}, registry.PassportAnswer{Result: registry.PassportInvalid, Reason: registry.ReasonLost}},
		{"passport not issued", false, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.CheckPassport(ctx, registry.PassportQuery{Passport: newcPass})
		}, registry.PassportAnswer{Result: registry.PassportInvalid, Reason: registry.ReasonNotIssued}},
		{"passport mismatch", false, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.CheckPassport(ctx, registry.PassportQuery{Passport: annaPass, Holder: maria})
		}, registry.PassportAnswer{Result: registry.PassportMismatch, Mismatch: []registry.Field{registry.FieldSurname, registry.FieldName, registry.FieldPatronymic, registry.FieldBirthDate}}},
		{"inn found", false, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.FindINN(ctx, registry.INNQuery{Person: anna, Passport: annaPass})
		}, registry.INNAnswer{Found: true, INN: "770123456703"}},
		{"inn not found", false, func(ctx context.Context, c *httpclient.Client) (any, error) {
			return c.FindINN(ctx, registry.INNQuery{Person: ivan, Passport: ivanPass})
		}, registry.INNAnswer{}},
	}
	urls := map[bool]string{false: startSim(t, false, nil), true: startSim(t, true, nil)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := httpclient.New(httpclient.Config{URL: urls[tt.demo] + "/", Token: token})
			got, err := tt.ask(context.Background(), c)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

// TestErrors: what comes back when no answer does, temporary or permanent.
func TestErrors(t *testing.T) {
	hangs := map[registry.ID]registrysim.Behaviour{registry.MVD: {HangRate: 1}}
	fails := map[registry.ID]registrysim.Behaviour{registry.MVD: {FailRate: 1}}
	now := time.Now()
	down := map[registry.ID]registrysim.Behaviour{registry.MVD: {Outages: []registrysim.Window{{From: now.Add(-time.Hour), To: now.Add(time.Hour)}}}}
	garbled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`<html>proxy page</html>`)) }))
	t.Cleanup(garbled.Close)
	oddReason := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"result":"invalid","reason":"eaten"}`))
	}))
	t.Cleanup(oddReason.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name       string
		url, token string
		timeout    time.Duration
		query      registry.PassportQuery
		temporary  bool
		retryAfter bool
		wraps      error
	}{
		{"timeout", startSim(t, false, hangs), token, 100 * time.Millisecond, registry.PassportQuery{Passport: annaPass}, true, false, context.DeadlineExceeded},
		{"503", startSim(t, false, fails), token, 0, registry.PassportQuery{Passport: annaPass}, true, false, nil},
		{"outage", startSim(t, false, down), token, 0, registry.PassportQuery{Passport: annaPass}, true, true, nil},
		{"connection refused", closed.URL, token, 0, registry.PassportQuery{Passport: annaPass}, true, false, nil},
		{"malformed request (422)", startSim(t, false, nil), token, 0, registry.PassportQuery{Passport: registry.Passport{Series: "45", Number: "1", IssueDate: day("2010-04-01")}}, false, false, nil},
		{"wrong token (401)", startSim(t, false, nil), "other", 0, registry.PassportQuery{Passport: annaPass}, false, false, nil},
		{"not JSON", garbled.URL, token, 0, registry.PassportQuery{Passport: annaPass}, false, false, nil},
		{"unknown reason", oddReason.URL, token, 0, registry.PassportQuery{Passport: annaPass}, false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := httpclient.New(httpclient.Config{URL: tt.url, Token: tt.token, Timeout: tt.timeout})
			ans, err := c.CheckPassport(context.Background(), tt.query)
			var e *registry.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %+v, %v; want a registry.Error", ans, err)
			}
			if e.Registry != registry.MVD || errors.Is(err, registry.ErrTemporary) != tt.temporary || errors.Is(err, registry.ErrPermanent) == tt.temporary {
				t.Errorf("%v: registry %s, temporary %v; want mvd, temporary %v", err, e.Registry, e.Temporary, tt.temporary)
			}
			if (e.RetryAfter > 0) != tt.retryAfter || e.RetryAfter > time.Hour {
				t.Errorf("RetryAfter = %v", e.RetryAfter)
			}
			if tt.wraps != nil && !errors.Is(err, tt.wraps) {
				t.Errorf("%v does not wrap %v", err, tt.wraps)
			}
		})
	}

	// The caller's own deadline is the timeout when it is the shorter.
	c := httpclient.New(httpclient.Config{URL: startSim(t, false, hangs), Token: token, Timeout: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.CheckPassport(ctx, registry.PassportQuery{Passport: annaPass}); !errors.Is(err, registry.ErrTemporary) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("caller's deadline: %v", err)
	}
}

// TestAnswerLater: a registry that takes three days answers 202 at once;
// the client says so with the reference and the wait it was given, and
// collects the answer with the reference once the days have passed (not
// before), after which the reference is spent: asking with it again says
// to ask anew. The circuit breaker takes "later" for a working registry.
func TestAnswerLater(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sim, err := registrysim.New(registrysim.Config{Citizens: registrysim.DemoCitizens(), Token: token, Now: clock,
		Behaviour: map[registry.ID]registrysim.Behaviour{registry.MVD: {Delay: 72 * time.Hour}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c := httpclient.New(httpclient.Config{URL: srv.URL, Token: token, Timeout: 5 * time.Second})
	ctx := context.Background()
	q := registry.PassportQuery{Passport: annaPass, Holder: anna}

	_, err = c.CheckPassport(ctx, q)
	ref, later := registry.Pending(err)
	var rerr *registry.Error
	if !later || !errors.As(err, &rerr) || rerr.RetryAfter != 72*time.Hour || !errors.Is(err, registry.ErrTemporary) {
		t.Fatalf("first call: %v (%+v)", err, rerr)
	}
	q.Ref = ref
	mu.Lock()
	now = now.Add(71 * time.Hour)
	mu.Unlock()
	_, err = c.CheckPassport(ctx, q)
	if again, ok := registry.Pending(err); !ok || again != ref || !errors.As(err, &rerr) || rerr.RetryAfter != time.Hour {
		t.Fatalf("an hour early: %v", err)
	}
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	a, err := c.CheckPassport(ctx, q)
	if err != nil || a.Result != registry.PassportValid {
		t.Fatalf("collected: %+v %v", a, err)
	}
	_, err = c.CheckPassport(ctx, q)
	if _, ok := registry.Pending(err); ok || !errors.Is(err, registry.ErrTemporary) {
		t.Fatalf("a spent reference: %v", err)
	}

	// Behind the breaker, answers that come later never open it.
	b := breaker.New(c, breaker.Settings{Failures: 2})
	for range 5 {
		if _, err := b.CheckPassport(ctx, registry.PassportQuery{Passport: annaPass, Holder: anna}); err == nil {
			t.Fatal("answered at once")
		}
	}
	if st := b.State(registry.MVD); st != "closed" {
		t.Errorf("breaker %s after answers that come later", st)
	}
}
