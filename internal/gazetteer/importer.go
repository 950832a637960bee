package gazetteer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/problem"
)

// The import's columns (a CSV header, in any order), with the names other
// lists use for them, so that a list of villages exported elsewhere loads
// as it is:
//
//	region      required: the region's 2-digit code (GET /api/v1/regions), e.g. 40; also
//	            region_code, or kladr_id (its first two digits)
//	type        required: the kind of locality as abbreviated: с, д, п, пгт, рп, х, ст-ца, аул…;
//	            also settlement_type
//	name        required: the name, up to 100 characters; also settlement
//	area        optional: the district («Малоярославецкий»); also district
//	postcode    optional: 6 digits; also postal_code
//	lat, lon    optional, both or neither: the point in degrees (a "," decimal is read too); also
//	            geo_lat, geo_lon
//	population  optional: a whole number
//	fias_id     optional: the FIAS/GAR GUID
//
// Other columns are ignored, and the report names them. A locality is
// known by its region, kind, name and district (Key): a row of one already
// added changes it, so the same file imported twice changes nothing, and a
// row of a town the reference data has is skipped (Report.Reference).
//
// Example:
//
//	region;type;name;area;postcode;lat;lon;population
//	40;с;Детчино;Малоярославецкий;249080;54.8167;36.3117;4200

// MaxImportRows bounds the rows of one import (Russia has some 155 000
// rural localities: an import is a region's at a time).
const MaxImportRows = 200_000

// columns maps each header name read to its field.
var columns = map[string]string{
	"region": FieldRegion, "region_code": FieldRegion, "kladr_id": FieldRegion,
	"type": FieldType, "settlement_type": FieldType,
	"name": FieldName, "settlement": FieldName,
	"area": FieldArea, "district": FieldArea,
	"postcode": FieldPostcode, "postal_code": FieldPostcode,
	"lat": FieldLat, "geo_lat": FieldLat, "lon": FieldLon, "geo_lon": FieldLon,
	"population": FieldPopulation, "fias_id": "fias_id",
}

// Rejection is a row the import refused: its line in the file (the header
// being line 1), the field and why.
type Rejection struct {
	Row     int
	Field   string
	Message problem.Message
}

// Report is what an import did. An import is all or nothing: when any row
// is rejected nothing is saved (Saved is false) and Rejected lists the
// rejections (the first MaxRejections), so the file can be corrected and
// imported again as a whole.
type Report struct {
	Rows      int // data rows read
	Accepted  int // rows that passed the checks
	Rejected  []Rejection
	More      int      // rejections beyond those listed
	Ignored   []string // header columns the import does not read
	Saved     bool
	Created   int
	Updated   int
	Unchanged int
	Reference int // rows of towns the reference data has, skipped
}

// MaxRejections bounds the rejections a report lists.
const MaxRejections = 200

// Row is one row of an import read as text, with its line.
type Row struct {
	N  int
	In LocalityInput
}

// ReadCSV reads an import: a header naming the columns, then one locality
// a line. The separator is "," or ";" (whichever the header uses), the
// file UTF-8 (a byte order mark is skipped). It returns the rows and the
// header columns it ignored. Errors: problem.Invalid
// "gazetteer.import_file" when the file is not CSV,
// "gazetteer.import_missing_column" when a required column is missing,
// "gazetteer.import_rows" beyond MaxImportRows, "gazetteer.import_empty"
// without a row, "gazetteer.import_encoding" when it is not UTF-8.
func ReadCSV(b []byte) ([]Row, []string, error) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	if !utf8.Valid(b) {
		return nil, nil, fileError("gazetteer.import_encoding")
	}
	first, _, _ := bytes.Cut(b, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(b))
	if bytes.Count(first, []byte(";")) > bytes.Count(first, []byte(",")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, nil, fileError("gazetteer.import_file")
	}
	at := map[string]int{}
	var ignored []string
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		field, known := columns[h]
		if _, dup := at[field]; !known || dup {
			ignored = append(ignored, h)
			continue
		}
		at[field] = i
	}
	for _, need := range []string{FieldRegion, FieldType, FieldName} {
		if _, ok := at[need]; !ok {
			return nil, ignored, fileError("gazetteer.import_missing_column", "Column", need)
		}
	}
	kladr := slices.ContainsFunc(head, func(h string) bool { return strings.ToLower(strings.TrimSpace(h)) == "kladr_id" }) &&
		!slices.ContainsFunc(head, func(h string) bool {
			h = strings.ToLower(strings.TrimSpace(h))
			return h == "region" || h == "region_code"
		})
	var rows []Row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, ignored, fileError("gazetteer.import_line", "Row", line)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rows) == MaxImportRows {
			return nil, ignored, fileError("gazetteer.import_rows", "Max", MaxImportRows)
		}
		get := func(field string) string {
			if i, ok := at[field]; ok && i < len(rec) {
				return rec[i]
			}
			return ""
		}
		in := LocalityInput{Region: get(FieldRegion), Type: get(FieldType), Name: get(FieldName), Area: get(FieldArea),
			Postcode: get(FieldPostcode), Lat: get(FieldLat), Lon: get(FieldLon), Population: get(FieldPopulation), FIAS: get("fias_id")}
		if kladr {
			if code := strings.TrimSpace(in.Region); len(code) > 2 {
				in.Region = code[:2]
			}
		}
		rows = append(rows, Row{N: line, In: in})
	}
	if len(rows) == 0 {
		return nil, ignored, fileError("gazetteer.import_empty")
	}
	return rows, ignored, nil
}

func fileError(id string, kv ...any) error {
	return &problem.Error{Kind: problem.Invalid, Message: problem.M(id, kv...)}
}

// checked is a row that passed, with its key.
type checked struct {
	l   places.Locality
	key string
}

// check normalizes the rows: those that pass, those of towns the reference
// data has (skipped), and the rejections — each field's message, and a
// locality given twice rejected on its second row.
func check(rows []Row, dir *places.Directory) (ok []checked, reference int, rej []Rejection) {
	seen := map[string]int{}
	refs := map[string][]places.Locality{}
	for _, row := range rows {
		l, err := NormalizeLocality(row.In, dir)
		if err != nil {
			p, _ := problem.As(err)
			for _, f := range p.Fields {
				rej = append(rej, Rejection{Row: row.N, Field: f.Field, Message: f.Message})
			}
			continue
		}
		ref, cached := refs[l.Region]
		if !cached {
			ref = dir.Localities(l.Region)
			refs[l.Region] = ref
		}
		if sameAsReference(ref, l) {
			reference++
			continue
		}
		key := l.Region + "|" + Key(l)
		if first, dup := seen[key]; dup {
			rej = append(rej, Rejection{Row: row.N, Field: FieldName, Message: problem.M("gazetteer.import_duplicate", "Row", first)})
			continue
		}
		seen[key] = row.N
		ok = append(ok, checked{l: l, key: Key(l)})
	}
	return ok, reference, rej
}

// Import reads a CSV of localities (ReadCSV) and, when every row passes,
// saves them in one transaction: a locality already added is changed, a
// new one added. The import is recorded once, places.imported (details:
// rows, created, updated, unchanged, reference, and the file's sha256), not
// per locality: a region's villages are thousands of rows, and the file's
// digest with the localities' updated_by names what it did. Errors: the
// reader's problem.Invalid for a file that cannot be read at all.
func (g *Gazetteer) Import(ctx context.Context, file []byte, actor audit.Event) (Report, error) {
	rows, ignored, err := ReadCSV(file)
	if err != nil {
		return Report{}, err
	}
	ok, reference, rej := check(rows, g.d.Directory)
	rep := Report{Rows: len(rows), Accepted: len(ok) + reference, Ignored: ignored, Reference: reference}
	if len(rej) > MaxRejections {
		rep.More, rej = len(rej)-MaxRejections, rej[:MaxRejections]
	}
	rep.Rejected = rej
	if len(rej) > 0 {
		return rep, nil
	}
	sum := sha256.Sum256(file)
	err = g.d.Store.Transact(ctx, func(ctx context.Context) error {
		added, err := g.d.Store.AddedLocalities(ctx)
		if err != nil {
			return err
		}
		byKey := make(map[string]places.Locality, len(added))
		for _, l := range added {
			byKey[l.Region+"|"+Key(l)] = l
		}
		rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
		details := map[string]string{"rows": strconv.Itoa(len(rows)), "sha256": hex.EncodeToString(sum[:])}
		return g.record(ctx, actor, "places.imported", details, func(at audit.Event) error {
			for _, c := range ok {
				l := c.l
				if old, found := byKey[l.Region+"|"+c.key]; found {
					if l.ID = old.ID; len(localityChanges(old, l)) == 0 {
						rep.Unchanged++
						continue
					}
					rep.Updated++
				} else {
					l.ID = g.d.NewID()
					rep.Created++
				}
				if err := g.d.Store.SaveLocality(ctx, l, c.key, at.At, at.ActorID); err != nil {
					return err
				}
			}
			for k, v := range map[string]int{"created": rep.Created, "updated": rep.Updated, "unchanged": rep.Unchanged, "reference": rep.Reference} {
				details[k] = strconv.Itoa(v)
			}
			return nil
		})
	})
	if err != nil {
		return Report{}, err
	}
	rep.Saved = true
	return rep, g.Load(ctx)
}

// Export writes every added locality as an import file (CSV, "," between
// columns), by region and name: importing it again changes nothing. It is
// recorded as places.exported (details: localities) from actor.
func (g *Gazetteer) Export(ctx context.Context, w io.Writer, actor audit.Event) error {
	var ls []places.Locality
	err := g.d.Store.Transact(ctx, func(ctx context.Context) error {
		var err error
		if ls, err = g.d.Store.AddedLocalities(ctx); err != nil {
			return err
		}
		e := actor
		e.ID, e.At, e.Action, e.SubjectAccountID = 0, g.d.Now(), "places.exported", ""
		e.Details = map[string]string{"localities": strconv.Itoa(len(ls))}
		return g.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return err
	}
	slices.SortFunc(ls, func(a, b places.Locality) int {
		return strings.Compare(a.Region+"|"+a.Name+"|"+a.Area+"|"+a.Type, b.Region+"|"+b.Name+"|"+b.Area+"|"+b.Type)
	})
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"region", "type", "name", "area", "postcode", "lat", "lon", "population", "fias_id"})
	for _, l := range ls {
		in := LocalityText(l)
		_ = cw.Write([]string{in.Region, in.Type, in.Name, in.Area, in.Postcode, in.Lat, in.Lon, in.Population, in.FIAS})
	}
	cw.Flush()
	return cw.Error()
}
