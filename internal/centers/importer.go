package centers

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/problem"
)

// The import's columns (CSV header names; JSON member names), in any order:
//
//	id        optional: the center's slug (a-z, 0-9, "-", up to 64), e.g. kaluga-mfc. A row with an ID
//	          replaces that center or creates it with that ID; a row without one is a new center
//	          (importing the same file twice makes it twice)
//	name      required: the center's name, up to 200 characters
//	type      required: mfc, mfc_branch, rostelecom, post, administration or library
//	region    required: the region's 2-digit code (internal/places, GET /api/v1/regions), e.g. 40
//	locality  required: the town or village, as written («Калуга», «Хвастовичи»), up to 100 characters
//	address   required: the street address within the locality, up to 300 characters
//	lat, lon  optional, both or neither: the point on the map in degrees (a "," decimal is read too)
//	phone     optional: digits, spaces, "+", brackets and hyphens
//	hours     optional: the opening hours' text form (ParseHours), e.g.
//	          «пн-пт 09:00-18:00 перерыв 13:00-14:00; сб 10:00-14:00»
//	services  required: one or more of identity_confirmation, registration, access_recovery,
//	          signature_issuance, separated by commas, spaces or ";" (in JSON also an array)
//	active    optional: true/false, 1/0, да/нет, yes/no; empty is true. An inactive center is kept
//	          but not found
//
// Example (CSV):
//
//	id;name;type;region;locality;address;lat;lon;phone;hours;services
//	kaluga-rostelecom;Ростелеком;rostelecom;40;Калуга;ул. Достоевского, д. 39;54.5;36.25;;пн-пт 09:00-18:00;identity_confirmation

// Format is an import file's format.
type Format string

const (
	CSV  Format = "csv"
	JSON Format = "json"
)

// MaxImportRows bounds the rows of one import.
const MaxImportRows = 20000

// Rejection is a row the import refused: its number (CSV: the line of the
// file, the header being line 1; JSON: the element's position in the
// array, from 1), the field and why.
type Rejection struct {
	Row     int
	Field   string // one of Fields; "" for the row as a whole
	Message problem.Message
}

// Report is what an import did. An import is all or nothing: when any row
// is rejected nothing is saved (Saved is false) and Rejected lists every
// rejection, so the file can be corrected and imported again as a whole.
type Report struct {
	Rows      int // data rows read
	Accepted  int // rows that passed the checks
	Rejected  []Rejection
	Saved     bool // the import was applied
	Created   int
	Updated   int
	Unchanged int
}

// Row is one row of an import file read as text, with its number.
type Row struct {
	N  int
	In Input
	// Problems are the row's own problems found while reading it (an
	// unknown column, a value of the wrong kind).
	Problems []Rejection
}

// ReadCSV reads an import in CSV: a header naming the columns (Fields,
// in any order; id, lat, lon, phone, hours and active may be left out),
// then one center per line. The separator is "," or ";" (whichever the
// header uses), the file UTF-8 (a byte order mark is skipped). Errors:
// problem.Invalid "center.import_file" when the file is not CSV or the
// header names an unknown column or lacks a required one.
func ReadCSV(b []byte) ([]Row, error) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	first, _, _ := bytes.Cut(b, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(b))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err != nil {
		return nil, fileError("center.import_file")
	}
	cols := make([]string, len(head))
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(Fields, h) || slices.Contains(cols[:i], h) {
			return nil, fileError("center.import_column", "Column", h)
		}
		cols[i] = h
	}
	for _, need := range requiredColumns {
		if !slices.Contains(cols, need) {
			return nil, fileError("center.import_missing_column", "Column", need)
		}
	}
	var rows []Row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var perr *csv.ParseError
			if errors.As(err, &perr) {
				line = perr.StartLine
			}
			return nil, fileError("center.import_line", "Row", line)
		}
		line, _ := r.FieldPos(0)
		if len(rows) == MaxImportRows {
			return nil, fileError("center.import_too_many", "Max", MaxImportRows)
		}
		row := Row{N: line}
		if len(rec) > len(cols) {
			row.Problems = append(row.Problems, Rejection{Row: line, Message: problem.M("center.import_extra_values")})
		}
		vals := map[string]string{}
		for i, v := range rec {
			if i < len(cols) {
				vals[cols[i]] = v
			}
		}
		row.In = inputOf(vals)
		rows = append(rows, row)
	}
	return rows, nil
}

var requiredColumns = []string{FieldName, FieldType, FieldRegion, FieldLocality, FieldAddress, FieldServices}

// ReadJSON reads an import in JSON: an array of objects named as the CSV's
// columns; lat and lon may be numbers, active a boolean and services an
// array of strings. Errors: problem.Invalid "center.import_file" when the
// file is not a JSON array of objects.
func ReadJSON(b []byte) ([]Row, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fileError("center.import_file")
	}
	if len(raw) > MaxImportRows {
		return nil, fileError("center.import_too_many", "Max", MaxImportRows)
	}
	rows := make([]Row, 0, len(raw))
	for i, el := range raw {
		row := Row{N: i + 1}
		var obj map[string]any
		d := json.NewDecoder(bytes.NewReader(el))
		d.UseNumber()
		if err := d.Decode(&obj); err != nil || obj == nil {
			row.Problems = append(row.Problems, Rejection{Row: row.N, Message: problem.M("center.import_not_object")})
			rows = append(rows, row)
			continue
		}
		vals := map[string]string{}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !slices.Contains(Fields, k) {
				row.Problems = append(row.Problems, Rejection{Row: row.N, Field: k, Message: problem.M("center.import_unknown_field")})
				continue
			}
			v, ok := jsonText(obj[k])
			if !ok {
				row.Problems = append(row.Problems, Rejection{Row: row.N, Field: k, Message: problem.M("center.import_value")})
				continue
			}
			vals[k] = v
		}
		row.In = inputOf(vals)
		rows = append(rows, row)
	}
	return rows, nil
}

// jsonText turns a JSON value into the text of a field.
func jsonText(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	case []any:
		parts := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), true
	}
	return "", false
}

func inputOf(v map[string]string) Input {
	return Input{ID: v[FieldID], Name: v[FieldName], Type: v[FieldType], Region: v[FieldRegion], Locality: v[FieldLocality],
		Address: v[FieldAddress], Lat: v[FieldLat], Lon: v[FieldLon], Phone: v[FieldPhone], Hours: v[FieldHours],
		Services: v[FieldServices], Active: v[FieldActive]}
}

func fileError(id string, kv ...any) error {
	return &problem.Error{Kind: problem.Invalid, Message: problem.M(id, kv...)}
}

// Check normalizes the rows: the centers of the rows that pass and the
// rejections of the others (each field's message), and an ID used by two
// rows rejected on the second.
func Check(rows []Row, regions Regions) ([]Center, []Rejection) {
	var ok []Center
	var rej []Rejection
	seen := map[string]int{}
	for _, row := range rows {
		if len(row.Problems) > 0 {
			rej = append(rej, row.Problems...)
			continue
		}
		c, err := Normalize(row.In, regions)
		if err != nil {
			p, _ := problem.As(err)
			for _, f := range p.Fields {
				rej = append(rej, Rejection{Row: row.N, Field: f.Field, Message: f.Message})
			}
			continue
		}
		if c.ID != "" {
			if _, dup := seen[c.ID]; dup {
				rej = append(rej, Rejection{Row: row.N, Field: FieldID, Message: problem.M("center.import_duplicate_id", "Row", seen[c.ID])})
				continue
			}
			seen[c.ID] = row.N
		}
		ok = append(ok, c)
	}
	return ok, rej
}

// Import reads a file of centers (ReadCSV, ReadJSON) and, when every row
// passes, saves them all in one transaction — a center without an ID is
// new, one with an ID replaces that center or is created with it — each
// change with its audit record center.imported (details: center_id and
// change, created or updated) from actor, as Save. An import is all or
// nothing: one rejected row and nothing is saved, the report listing
// every rejection. Errors: the readers' problem.Invalid for a file that
// cannot be read at all.
func (s *Directory) Import(ctx context.Context, format Format, file []byte, actor audit.Event) (Report, error) {
	var rows []Row
	var err error
	switch format {
	case CSV:
		rows, err = ReadCSV(file)
	case JSON:
		rows, err = ReadJSON(file)
	default:
		return Report{}, fileError("center.import_format")
	}
	if err != nil {
		return Report{}, err
	}
	ok, rej := Check(rows, s.d.Regions)
	rep := Report{Rows: len(rows), Accepted: len(ok), Rejected: rej}
	if len(rej) > 0 || len(ok) == 0 {
		return rep, nil
	}
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
		for _, c := range ok {
			if c.ID == "" {
				c.ID = s.d.NewID()
			}
			_, change, err := s.save(ctx, c, actor, "center.imported")
			if err != nil {
				return err
			}
			switch change {
			case "created":
				rep.Created++
			case "updated":
				rep.Updated++
			default:
				rep.Unchanged++
			}
		}
		return nil
	})
	if err != nil {
		return Report{}, err
	}
	rep.Saved = true
	return rep, nil
}
