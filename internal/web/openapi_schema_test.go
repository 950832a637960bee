package web

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// The schemas of openapi.json are checked against the Go types of the
// route table: for every request body and success response, the JSON
// schema that encoding/json implies for the type (derived by reflection)
// must agree with the document's on property names, types, formats and the
// required set. The code's JSON names are the contract; the document
// follows them.

// goSchema is what encoding/json makes of a Go type, in JSON Schema terms.
type goSchema struct {
	Type     string // object, array, string, integer, number, boolean; "" for anything
	Format   string // date-time for time.Time
	Props    map[string]*goSchema
	Required map[string]bool // the properties always present (no omitempty)
	Items    *goSchema       // arrays
	Values   *goSchema       // maps: additionalProperties
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
	pdfType  = reflect.TypeFor[pdfFile]()
	csvType  = reflect.TypeFor[csvFile]()
)

// schemaOf derives the JSON schema of a Go type.
func schemaOf(t reflect.Type) *goSchema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return &goSchema{Type: "string", Format: "date-time"}
	case t == rawType:
		return &goSchema{}
	}
	switch t.Kind() {
	case reflect.Bool:
		return &goSchema{Type: "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &goSchema{Type: "integer"}
	case reflect.Float32, reflect.Float64:
		return &goSchema{Type: "number"}
	case reflect.String:
		return &goSchema{Type: "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &goSchema{Type: "string"} // base64
		}
		return &goSchema{Type: "array", Items: schemaOf(t.Elem())}
	case reflect.Map:
		return &goSchema{Type: "object", Values: schemaOf(t.Elem())}
	case reflect.Struct:
		s := &goSchema{Type: "object", Props: map[string]*goSchema{}, Required: map[string]bool{}}
		addFields(s, t)
		return s
	}
	return &goSchema{} // interfaces: anything
}

// addFields adds a struct's JSON properties to s, flattening embedded
// structs without a JSON name as encoding/json does.
func addFields(s *goSchema, t reflect.Type) {
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			addFields(s, ft)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p := schemaOf(f.Type)
		if slices.Contains(strings.Split(opts, ","), "string") {
			p = &goSchema{Type: "string"}
		}
		s.Props[name] = p
		if !slices.Contains(strings.Split(opts, ","), "omitempty") && !slices.Contains(strings.Split(opts, ","), "omitzero") {
			s.Required[name] = true
		}
	}
}

// docSchema is a schema of the document with $ref resolved and allOf
// merged.
type docSchema struct {
	Types    []string // "type", as a list; empty when absent
	Format   string
	Props    map[string]any
	Required map[string]bool
	Items    any
	AddProps any // additionalProperties: a schema, false, or nil when absent
}

func (d *oaDoc) schema(t *testing.T, node any) *docSchema {
	t.Helper()
	m := d.deref(t, node)
	s := &docSchema{Props: map[string]any{}, Required: map[string]bool{}}
	switch v := m["type"].(type) {
	case string:
		s.Types = []string{v}
	case []any:
		for _, x := range v {
			s.Types = append(s.Types, x.(string))
		}
	}
	s.Format = str(m, "format")
	for k, v := range obj(m, "properties") {
		s.Props[k] = v
	}
	if req, ok := m["required"].([]any); ok {
		for _, r := range req {
			s.Required[r.(string)] = true
		}
	}
	s.Items = m["items"]
	s.AddProps = m["additionalProperties"]
	all, _ := m["allOf"].([]any)
	for _, part := range all {
		p := d.schema(t, part)
		if len(s.Types) == 0 {
			s.Types = p.Types
		}
		maps.Copy(s.Props, p.Props)
		maps.Copy(s.Required, p.Required)
		if s.AddProps == nil {
			s.AddProps = p.AddProps
		}
	}
	return s
}

// compareSchema reports every disagreement between the Go type's schema and
// the document's, at the JSON location at. In a response a property
// without omitempty must be required; in a request nothing is (decode
// accepts any subset of the members, and value rules are 422s), and
// additionalProperties must be false (decode refuses unknown members).
func (d *oaDoc) compareSchema(t *testing.T, at string, g *goSchema, node any, response bool) []string {
	t.Helper()
	ds := d.schema(t, node)
	var errs []string
	bad := func(format string, args ...any) {
		errs = append(errs, strings.TrimSuffix(at, ":")+": "+fmt.Sprintf(format, args...))
	}
	if g.Type == "" {
		return nil
	}
	if !slices.Contains(ds.Types, g.Type) {
		bad("the code sends %s, the document says type %v", g.Type, ds.Types)
		return errs
	}
	if g.Format != ds.Format && (g.Format != "" || ds.Format == "date-time") {
		bad("the code's format is %q, the document's %q", g.Format, ds.Format)
	}
	switch g.Type {
	case "array":
		if ds.Items == nil {
			bad("array without items")
			return errs
		}
		errs = append(errs, d.compareSchema(t, at+"[]", g.Items, ds.Items, response)...)
	case "object":
		if g.Values != nil { // a map
			if len(ds.Props) > 0 {
				bad("a map in the code, properties %v in the document", slices.Sorted(maps.Keys(ds.Props)))
			}
			if _, ok := ds.AddProps.(map[string]any); ok {
				errs = append(errs, d.compareSchema(t, at+"{}", g.Values, ds.AddProps, response)...)
			} else if g.Values.Type != "" {
				bad("a map of %s in the code; the document has no additionalProperties schema", g.Values.Type)
			}
			return errs
		}
		for _, name := range slices.Sorted(maps.Keys(g.Props)) {
			p, ok := ds.Props[name]
			if !ok {
				bad("property %q is in the code but not in the document", name)
				continue
			}
			errs = append(errs, d.compareSchema(t, join(at, name), g.Props[name], p, response)...)
		}
		for _, name := range slices.Sorted(maps.Keys(ds.Props)) {
			if _, ok := g.Props[name]; !ok {
				bad("property %q is in the document but not in the code", name)
			}
		}
		if response {
			for _, name := range slices.Sorted(maps.Keys(g.Props)) {
				switch {
				case g.Required[name] && !ds.Required[name]:
					bad("property %q is always sent (no omitempty) but the document does not require it", name)
				case !g.Required[name] && ds.Required[name]:
					bad("property %q is omitempty in the code but required in the document", name)
				}
			}
		} else {
			if len(ds.Required) > 0 {
				bad("a request schema requires %v, but the server reads any subset of the members (value rules are 422s)", slices.Sorted(maps.Keys(ds.Required)))
			}
			if ds.AddProps != false {
				bad("a request schema needs additionalProperties: false: the server refuses unknown members")
			}
		}
	}
	return errs
}

func join(at, name string) string {
	if strings.HasSuffix(at, ":") {
		return at + " " + name
	}
	return at + "." + name
}

// jsonContent returns the schema of a request body or response's
// application/json content, and whether it has any content.
func (d *oaDoc) jsonContent(t *testing.T, node any) (schema any, hasContent bool, err string) {
	t.Helper()
	m := d.deref(t, node)
	content := obj(m, "content")
	if len(content) == 0 {
		return nil, false, ""
	}
	media := obj(content, "application/json")
	if media == nil {
		return nil, true, fmt.Sprintf("content %v, want application/json", slices.Sorted(maps.Keys(content)))
	}
	if media["schema"] == nil {
		return nil, true, "application/json without a schema"
	}
	return media["schema"], true, ""
}

// fileContent is the only content a response whose Go type is pdfFile or
// csvFile may document: the file's bytes, nothing else.
var fileContent = map[reflect.Type]map[string]any{
	pdfType: {"application/pdf": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}},
	csvType: {"text/csv": map[string]any{"schema": map[string]any{"type": "string"}}},
}

// checkFileContent reports how a file response's content differs from
// fileContent, or "".
func (d *oaDoc) checkFileContent(t *testing.T, node any, typ reflect.Type) string {
	t.Helper()
	content, ok := d.deref(t, node)["content"].(map[string]any)
	if !ok {
		return "the handler sends a file, but the document has no content"
	}
	if !reflect.DeepEqual(content, fileContent[typ]) {
		got, _ := json.Marshal(content)
		want, _ := json.Marshal(fileContent[typ])
		return fmt.Sprintf("the handler sends a file: content %s, want exactly %s", got, want)
	}
	return ""
}

func TestOpenAPISchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	byKey := map[string]oaOperation{}
	for _, op := range doc.operations(t) {
		byKey[op.Key] = op
	}
	for _, r := range apiDocRoutes(t) {
		op, ok := byKey[r.key()]
		if !ok {
			continue // TestOpenAPI reports it
		}
		t.Run(r.key(), func(t *testing.T) {
			report := func(errs []string) {
				for _, e := range errs {
					t.Errorf("%s %s", r.key(), e)
				}
			}

			// The request body.
			rb, hasBody := op.Op["requestBody"]
			switch {
			case r.Request == nil && hasBody:
				t.Errorf("%s: the handler reads no body, but the document has a requestBody", r.key())
			case r.Request != nil && !hasBody:
				t.Errorf("%s: the handler reads a %s body, but the document has no requestBody", r.key(), r.Request)
			case r.Request != nil:
				schema, _, e := doc.jsonContent(t, rb)
				if e != "" {
					t.Errorf("%s request body: %s", r.key(), e)
					break
				}
				report(doc.compareSchema(t, "request body:", schemaOf(r.Request), schema, false))
			}

			// The error statuses every such route can answer: decode's
			// 400 and 413, the cross-origin check's 403 on state-changing
			// methods, and 500.
			responses := obj(op.Op, "responses")
			var must []string
			if r.Request != nil {
				must = append(must, "400", "413")
			}
			if r.Method == http.MethodPost || r.Method == http.MethodDelete {
				must = append(must, "403")
			}
			if _, exempt := withoutClientErrors[r.key()]; !exempt {
				must = append(must, "500")
			}
			for _, status := range must {
				if _, ok := responses[status]; !ok {
					t.Errorf("%s: the document has no %s response, which the route can answer", r.key(), status)
				}
			}

			// The success responses.
			var docOK []int
			for status := range responses {
				if status[0] == '2' {
					n, _ := strconv.Atoi(status)
					docOK = append(docOK, n)
				}
			}
			slices.Sort(docOK)
			if codeOK := slices.Sorted(maps.Keys(r.Responses)); !slices.Equal(codeOK, docOK) {
				t.Errorf("%s: the route table answers %v, the document %v", r.key(), codeOK, docOK)
			}
			for _, status := range slices.Sorted(maps.Keys(r.Responses)) {
				raw, ok := responses[strconv.Itoa(status)]
				if !ok {
					continue
				}
				typ := r.Responses[status]
				if fileContent[typ] != nil {
					if e := doc.checkFileContent(t, raw, typ); e != "" {
						t.Errorf("%s response %d: %s", r.key(), status, e)
					}
					continue
				}
				schema, hasContent, e := doc.jsonContent(t, raw)
				switch {
				case e != "":
					t.Errorf("%s response %d: %s", r.key(), status, e)
				case typ == nil && hasContent:
					t.Errorf("%s response %d: the handler sends no body, but the document has content", r.key(), status)
				case typ != nil && !hasContent:
					t.Errorf("%s response %d: the handler sends a %s, but the document has no content", r.key(), status, typ)
				case typ != nil:
					report(doc.compareSchema(t, fmt.Sprintf("response %d:", status), schemaOf(typ), schema, true))
				}
			}
		})
	}

	t.Run("Problem", func(t *testing.T) {
		for _, e := range doc.compareSchema(t, "#/components/schemas/Problem:", schemaOf(reflect.TypeFor[problemBody]()), map[string]any{"$ref": "#/components/schemas/Problem"}, true) {
			t.Error(e)
		}
	})
}

// TestSchemaOf checks the derivation on the cases the API uses.
func TestSchemaOf(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type sample struct {
		inner
		T    time.Time         `json:"t"`
		P    *string           `json:"p"`
		O    int               `json:"o,omitempty"`
		L    []inner           `json:"l"`
		M    map[string]string `json:"m,omitempty"`
		Skip string            `json:"-"`
		priv string
	}
	_ = sample{priv: "unexported fields are not part of the JSON"}.priv
	s := schemaOf(reflect.TypeFor[sample]())
	if got := slices.Sorted(maps.Keys(s.Props)); !slices.Equal(got, []string{"a", "l", "m", "o", "p", "t"}) {
		t.Errorf("properties %v", got)
	}
	if got := slices.Sorted(maps.Keys(s.Required)); !slices.Equal(got, []string{"a", "l", "p", "t"}) {
		t.Errorf("required %v", got)
	}
	if p := s.Props["t"]; p.Type != "string" || p.Format != "date-time" {
		t.Errorf("time.Time: %+v", p)
	}
	if p := s.Props["l"]; p.Type != "array" || p.Items.Props["a"].Type != "string" {
		t.Errorf("slice: %+v", p)
	}
	if p := s.Props["m"]; p.Type != "object" || p.Values.Type != "string" {
		t.Errorf("map: %+v", p)
	}
	if p := s.Props["p"]; p.Type != "string" {
		t.Errorf("pointer: %+v", p)
	}
}

// TestOpenAPIValid: the document is valid OpenAPI 3.1 to kin-openapi, which
// also checks every example against its schema. (internal/app's tests
// check every answer against it with the same library.)
func TestOpenAPIValid(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPIDocument())
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
}
