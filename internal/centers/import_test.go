package centers_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/centers"
	"github.com/kabinet/kabinet/internal/problem"
)

const goodCSV = `id;name;type;region;locality;address;lat;lon;phone;hours;services
kaluga-mfc;"ГБУ КО ""МФЦ Калужской области""";mfc;40;Калуга;ул. Хрустальная, д. 34 а;54.5138;36.2612;;пн-пт 09:00-18:00;identity_confirmation,registration
;Библиотека им. Н.В. Гоголя;library;40;Калуга;ул. Ленина, 66;;;(4842) 57-84-63;;registration
`

func rejections(r centers.Report) []string {
	var out []string
	for _, x := range r.Rejected {
		out = append(out, strings.Join([]string{itoa(x.Row), x.Field, x.Message.ID}, " "))
	}
	return out
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		format  centers.Format
		file    string
		wantErr string   // a file that cannot be read
		rejects []string // "row field message"
		created int
	}{
		{name: "csv with semicolons", format: centers.CSV, file: goodCSV, created: 2},
		{name: "csv with commas and a BOM", format: centers.CSV, created: 1,
			file: "\ufeffname,type,region,locality,address,services\nМФЦ,mfc,40,Калуга,\"ул. Ленина, 1\",registration\n"},
		{name: "csv rows rejected: nothing saved", format: centers.CSV,
			file: "name,type,region,locality,address,services,hours\n" +
				"МФЦ,mfc,40,Калуга,ул. Ленина,registration,\n" +
				",bank,40,Калуга,ул. Ленина,registration,\n" +
				"МФЦ,mfc,00,Калуга,ул. Ленина,registration,пн 9-18\n" +
				"МФЦ,mfc,40,Калуга,ул. Ленина,registration,,лишнее\n",
			rejects: []string{"3 name center.required", "3 type center.type_unknown", "4 region center.region_unknown", "4 hours center.hours_time", "5  center.import_extra_values"}},
		{name: "csv unknown column", format: centers.CSV, file: "name,colour\n", wantErr: "center.import_column"},
		{name: "csv missing column", format: centers.CSV, file: "name,type,region,locality,address\n", wantErr: "center.import_missing_column"},
		{name: "csv repeated column", format: centers.CSV, file: "name,name,type,region,locality,address,services\n", wantErr: "center.import_column"},
		{name: "csv bad quotes", format: centers.CSV, file: "name,type,region,locality,address,services\n\"МФЦ,mfc\n", wantErr: "center.import_line"},
		{name: "csv empty", format: centers.CSV, file: "", wantErr: "center.import_file"},
		{name: "json", format: centers.JSON, created: 2, file: `[
			{"id": "kaluga-mfc", "name": "МФЦ", "type": "mfc", "region": "40", "locality": "Калуга", "address": "ул. Хрустальная, 34а",
			 "lat": 54.5138, "lon": 36.2612, "services": ["identity_confirmation", "registration"], "active": true, "hours": null},
			{"name": "Ростелеком", "type": "rostelecom", "region": "40", "locality": "Калуга", "address": "ул. Достоевского, 39", "services": "identity_confirmation"}]`},
		{name: "json rows rejected", format: centers.JSON, file: `[
			{"id": "a", "name": "МФЦ", "type": "mfc", "region": "40", "locality": "Калуга", "address": "x", "services": ["registration"]},
			{"id": "a", "name": "МФЦ", "type": "mfc", "region": "40", "locality": "Калуга", "address": "x", "services": ["registration"]},
			42,
			{"name": {"ru": "МФЦ"}, "colour": "red", "type": "mfc", "region": "40", "locality": "Калуга", "address": "x", "services": [1]}]`,
			rejects: []string{"2 id center.import_duplicate_id", "3  center.import_not_object", "4 colour center.import_unknown_field", "4 name center.import_value", "4 services center.import_value"}},
		{name: "json not an array", format: centers.JSON, file: `{"name": "МФЦ"}`, wantErr: "center.import_file"},
		{name: "unknown format", format: "xlsx", file: "", wantErr: "center.import_format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newMem()
			rep, err := newDir(t, st).Import(ctx, tt.format, []byte(tt.file), staff)
			if tt.wantErr != "" {
				if p, ok := problem.As(err); !ok || p.Kind != problem.Invalid || p.Message.ID != tt.wantErr {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := rejections(rep); !reflect.DeepEqual(got, tt.rejects) {
				t.Errorf("rejected %q\nwant %q", got, tt.rejects)
			}
			if rep.Saved != (len(tt.rejects) == 0) || rep.Created != tt.created || len(st.centers) != tt.created || len(st.audit) != tt.created {
				t.Errorf("report %+v; %d centers, %d audit records", rep, len(st.centers), len(st.audit))
			}
			for _, e := range st.audit {
				if e.Action != "center.imported" || e.Details["change"] != "created" || e.ActorID != staff.ActorID {
					t.Errorf("audit %+v", e)
				}
			}
		})
	}
}

func TestImportAgainUpdatesAndIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	st := newMem()
	dir := newDir(t, st)
	if _, err := dir.Import(ctx, centers.CSV, []byte(goodCSV), staff); err != nil {
		t.Fatal(err)
	}
	// The same file again: the center with an ID is unchanged, the one
	// without is new again.
	rep, err := dir.Import(ctx, centers.CSV, []byte(strings.Replace(goodCSV, "пн-пт 09:00-18:00", "пн-сб 09:00-18:00", 1)), staff)
	if err != nil || rep.Updated != 1 || rep.Created != 1 || rep.Unchanged != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	if h := st.centers["kaluga-mfc"].Hours.String(); h != "пн-сб 09:00-18:00; вс выходной" {
		t.Errorf("hours %q", h)
	}
	// A failure while saving rolls the whole import back.
	n, audits := len(st.centers), len(st.audit)
	st.failOn = "c-c" // the third new ID: the row after kaluga-mfc, which changes back first
	if _, err := dir.Import(ctx, centers.CSV, []byte(goodCSV), staff); err == nil {
		t.Fatal("no error")
	}
	if len(st.centers) != n || len(st.audit) != audits {
		t.Errorf("not rolled back: %d centers, %d audit records", len(st.centers), len(st.audit))
	}
}
