package export_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/export"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/throttle"
)

// part returns a fake part whose records name the account asked about.
func part(name string, calls *[]string) export.Part {
	return export.Part{Name: name, Title: "export." + name + ".title", Columns: []string{"owner", "at"},
		Collect: func(_ context.Context, id string) ([]export.Record, error) {
			*calls = append(*calls, name+":"+id)
			return []export.Record{{export.Text(id), export.Time(time.Unix(1, 0))}}, nil
		}}
}

func TestExporterCollectsEveryPartInOrderForTheAccountAsked(t *testing.T) {
	var calls []string
	e := export.NewExporter(part("account", &calls))
	e.Add(part("sessions", &calls), part("later_feature", &calls))
	secs, err := e.Collect(context.Background(), "acc-1")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range secs {
		names = append(names, s.Part.Name)
		if len(s.Records) != 1 || s.Records[0][0].Text != "acc-1" {
			t.Errorf("part %s: records %v, want one of acc-1", s.Part.Name, s.Records)
		}
	}
	if got, want := names, []string{"account", "sessions", "later_feature"}; !slices.Equal(got, want) {
		t.Errorf("parts %v, want %v", got, want)
	}
	if want := []string{"account:acc-1", "sessions:acc-1", "later_feature:acc-1"}; !slices.Equal(calls, want) {
		t.Errorf("calls %v, want %v", calls, want)
	}
}

func TestExporterFailsWholeOnAFailingOrMalformedPart(t *testing.T) {
	var calls []string
	boom := errors.New("disk on fire")
	for _, tc := range []struct {
		name string
		bad  export.Part
	}{
		{"part error", export.Part{Name: "bad", Title: "t", Columns: []string{"a"},
			Collect: func(context.Context, string) ([]export.Record, error) { return nil, boom }}},
		{"record wider than columns", export.Part{Name: "bad", Title: "t", Columns: []string{"a"},
			Collect: func(context.Context, string) ([]export.Record, error) {
				return []export.Record{{export.Text("x"), export.Text("y")}}, nil
			}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := export.NewExporter(part("account", &calls), tc.bad)
			if secs, err := e.Collect(context.Background(), "acc-1"); err == nil || secs != nil {
				t.Errorf("Collect = %v, %v; want no sections and an error", secs, err)
			}
		})
	}
}

func TestExporterRefusesWiringMistakes(t *testing.T) {
	var calls []string
	for name, parts := range map[string][]export.Part{
		"two parts of one name": {part("a", &calls), part("a", &calls)},
		"no Collect":            {{Name: "a", Title: "t", Columns: []string{"x"}}},
		"no title":              {{Name: "a", Columns: []string{"x"}, Collect: part("a", &calls).Collect}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			export.NewExporter(parts...)
		})
	}
}

type limiter struct {
	left  int
	taken []string
}

func (l *limiter) Take(_ context.Context, r throttle.Rule, subject string) error {
	if l.left == 0 {
		return problem.TooManyUntil(r.Message, time.Unix(0, 0), time.Unix(60, 0))
	}
	l.left--
	l.taken = append(l.taken, r.Name+":"+subject)
	return nil
}

type auditLog struct{ events []audit.Event }

func (a *auditLog) AppendAudit(_ context.Context, e *audit.Event) error {
	a.events = append(a.events, *e)
	return nil
}

func TestServiceAuditsEachExportAndStopsAtTheLimit(t *testing.T) {
	var calls []string
	now := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	lim, log := &limiter{left: 1}, &auditLog{}
	s := export.NewService(export.NewExporter(part("account", &calls)), lim, log, func() time.Time { return now })

	e, err := s.Export(context.Background(), "acc-1", export.Client{IP: "203.0.113.7", RequestID: "r1", Format: "page"})
	if err != nil {
		t.Fatal(err)
	}
	if e.AccountID != "acc-1" || !e.GeneratedAt.Equal(now) || len(e.Sections) != 1 {
		t.Errorf("export %+v", e)
	}
	if len(log.events) != 1 {
		t.Fatalf("audit %v, want one event", log.events)
	}
	ev := log.events[0]
	if ev.Action != "account.exported" || ev.SubjectAccountID != "acc-1" || ev.ActorID != "acc-1" || ev.IP != "203.0.113.7" || ev.Details["format"] != "page" {
		t.Errorf("audit event %+v", ev)
	}
	if want := []string{"export:acc-1"}; !slices.Equal(lim.taken, want) {
		t.Errorf("limit taken %v, want %v", lim.taken, want)
	}

	calls = nil
	_, err = s.Export(context.Background(), "acc-1", export.Client{Format: "json"})
	if p, ok := problem.As(err); !ok || p.Kind != problem.TooMany || p.Message.ID != "export.rate_limited" || p.RetryAfter != time.Minute {
		t.Errorf("past the limit: %v, want TooMany export.rate_limited retrying in a minute", err)
	}
	if len(calls) != 0 || len(log.events) != 1 {
		t.Errorf("past the limit the parts were read (%v) or an export audited (%d events)", calls, len(log.events))
	}
}
