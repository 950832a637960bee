package desk

import (
	"testing"

	"github.com/kabinet/kabinet/internal/problem"
)

func TestParseQuery(t *testing.T) {
	for _, c := range []struct {
		name, by, value, reason string
		want                    Query
		fields                  []string // fields with a message; none: valid
	}{
		{name: "snils written", by: "snils", value: "157-482-936 07", reason: "identity_confirmation",
			want: Query{By: BySNILS, SNILS: "15748293607", Reason: ReasonConfirmation}},
		{name: "phone with 8", by: "phone", value: "8 900 000-00-02", reason: "access_recovery",
			want: Query{By: ByPhone, Phone: "+79000000002", Reason: ReasonRecovery}},
		{name: "passport grouped", by: "passport", value: "29 09 № 512874", reason: "registration_help",
			want: Query{By: ByPassport, Series: "2909", Number: "512874", Reason: ReasonRegistration}},
		{name: "passport digits", by: "passport", value: "2909512874", reason: "identity_confirmation",
			want: Query{By: ByPassport, Series: "2909", Number: "512874", Reason: ReasonConfirmation}},
		{name: "snils checksum", by: "snils", value: "157-482-936 08", reason: "identity_confirmation", fields: []string{"value"}},
		{name: "passport short", by: "passport", value: "2909 51287", reason: "identity_confirmation", fields: []string{"value"}},
		{name: "passport letters", by: "passport", value: "29 AB 512874", reason: "identity_confirmation", fields: []string{"value"}},
		{name: "landline", by: "phone", value: "+7 495 123-45-67", reason: "identity_confirmation", fields: []string{"value"}},
		{name: "empty value", by: "snils", value: " ", reason: "identity_confirmation", fields: []string{"value"}},
		{name: "unknown by, no reason", by: "name", value: "Иванов", reason: "", fields: []string{"by", "reason"}},
		{name: "unknown reason", by: "snils", value: "15748293607", reason: "curiosity", fields: []string{"reason"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q, err := ParseQuery(c.by, c.value, c.reason)
			if len(c.fields) == 0 {
				if err != nil || q != c.want {
					t.Fatalf("got %+v %v, want %+v", q, err, c.want)
				}
				return
			}
			p, ok := problem.As(err)
			if !ok || p.Kind != problem.Invalid {
				t.Fatalf("got %+v %v, want Invalid on %v", q, err, c.fields)
			}
			if got := p.SortedFieldNames(); len(got) != len(c.fields) {
				t.Fatalf("fields %v, want %v", got, c.fields)
			}
			for _, f := range c.fields {
				if _, ok := p.Field(f); !ok {
					t.Errorf("no message on %s: %v", f, err)
				}
			}
		})
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"157-482-936 07", "+7 900 000-00-02", "2909 512874", "29 09 № 512874", "", "ё"} {
		f.Add("passport", s)
		f.Add("snils", s)
		f.Add("phone", s)
	}
	f.Fuzz(func(t *testing.T, by, value string) {
		q, err := ParseQuery(by, value, string(ReasonConfirmation))
		if err != nil {
			if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || len(p.Fields) == 0 {
				t.Fatalf("%q %q: %v is not a field error", by, value, err)
			}
			return
		}
		switch q.By {
		case BySNILS:
			if len(q.SNILS) != 11 {
				t.Fatalf("SNILS %q", q.SNILS)
			}
		case ByPhone:
			if q.Phone == "" || q.Phone[0] != '+' {
				t.Fatalf("phone %q", q.Phone)
			}
		case ByPassport:
			if len(q.Series) != 4 || len(q.Number) != 6 {
				t.Fatalf("passport %q %q", q.Series, q.Number)
			}
			if again, err := ParseQuery(by, q.Series+" "+q.Number, string(ReasonConfirmation)); err != nil || again != q {
				t.Fatalf("not stable: %+v %v", again, err)
			}
		default:
			t.Fatalf("by %q", q.By)
		}
	})
}
