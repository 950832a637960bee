package web

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/i18n"
)

// The OpenAPI document (openapi.json, served at GET /api/v1/openapi.json)
// is written by hand. These tests keep it honest: it covers exactly the
// routes of apiRouteTable, with their request and response schemas, every reference resolves, every operation is
// complete, and every error code it names is a message ID of the catalog.

// docRoute is a row of apiRouteTable with its OpenAPI path.
type docRoute struct {
	apiRoute
	DocPath string // the OpenAPI path template: {name...} becomes {name}, {$} is dropped
}

func (r docRoute) key() string { return r.Method + " " + r.DocPath }

// withoutClientErrors lists the operations that have no 4xx response, and
// why. Every other operation must document at least one.
var withoutClientErrors = map[string]string{
	"GET /api/v1/openapi.json": "it serves the embedded document; nothing in a request can make it fail",
	"GET /api/v1/regions":      "it lists the embedded reference data; nothing in a request can make it fail",
	"GET /api/v1/categories":   "it lists the catalog's categories; nothing in a request can make it fail",
}

// openapiMethods are the operation keys of an OpenAPI path item.
var openapiMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

var wildcardRest = regexp.MustCompile(`\{(\w+)\.\.\.\}`)

// apiDocRoutes reads the route table.
func apiDocRoutes(t *testing.T) []docRoute {
	t.Helper()
	var routes []docRoute
	for _, r := range apiRouteTable() {
		path := strings.TrimSuffix(wildcardRest.ReplaceAllString(r.Path, "{$1}"), "{$}")
		routes = append(routes, docRoute{apiRoute: r, DocPath: path})
	}
	if len(routes) == 0 {
		t.Fatal("the route table is empty")
	}
	return routes
}

// oaDoc is the parsed document with helpers.
type oaDoc struct {
	root map[string]any
}

func loadOpenAPI(t *testing.T) *oaDoc {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(openapiDoc, &root); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	return &oaDoc{root: root}
}

// pointer resolves a local JSON pointer such as "#/components/schemas/Flow".
func (d *oaDoc) pointer(ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var node any = d.root
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := node.(map[string]any)
		if !ok {
			return nil, false
		}
		if node, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return node, true
}

// deref follows $ref until it reaches an object that is not a reference.
func (d *oaDoc) deref(t *testing.T, node any) map[string]any {
	t.Helper()
	for range 10 {
		m, ok := node.(map[string]any)
		if !ok {
			t.Fatalf("expected an object, got %T", node)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		if node, ok = d.pointer(ref); !ok {
			t.Fatalf("$ref %q does not resolve", ref)
		}
	}
	t.Fatal("$ref chain too long")
	return nil
}

type oaOperation struct {
	Key  string // "POST /api/v1/registrations"
	Path string
	Op   map[string]any
}

func (d *oaDoc) operations(t *testing.T) []oaOperation {
	t.Helper()
	paths, ok := d.root["paths"].(map[string]any)
	if !ok {
		t.Fatal("no paths")
	}
	var ops []oaOperation
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		item, ok := paths[p].(map[string]any)
		if !ok {
			t.Fatalf("path %s is not an object", p)
		}
		for _, m := range openapiMethods {
			if op, ok := item[m].(map[string]any); ok {
				ops = append(ops, oaOperation{Key: strings.ToUpper(m) + " " + p, Path: p, Op: op})
			}
		}
	}
	return ops
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func obj(m map[string]any, k string) map[string]any { o, _ := m[k].(map[string]any); return o }

// walkRefs calls fn for every "$ref" in the document, with its location.
func walkRefs(node any, at string, fn func(at, ref string)) {
	switch v := node.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if k == "$ref" {
				ref, _ := v[k].(string)
				fn(at, ref)
				continue
			}
			walkRefs(v[k], at+"/"+k, fn)
		}
	case []any:
		for i, x := range v {
			walkRefs(x, at+"/"+strconv.Itoa(i), fn)
		}
	}
}

var (
	pathParamRE = regexp.MustCompile(`\{(\w+)\}`)
	// messageIDRE matches a backticked message ID such as `code.wrong`.
	messageIDRE = regexp.MustCompile("`([a-z_]+(?:\\.[a-z_]+)+)`")
	statusRE    = regexp.MustCompile("\\* `([1-5][0-9][0-9])` — ")
)

func TestOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	routes := apiDocRoutes(t)
	ops := doc.operations(t)
	byKey := map[string]oaOperation{}
	for _, op := range ops {
		byKey[op.Key] = op
	}
	codeRoutes := map[string]docRoute{}
	for _, r := range routes {
		if _, dup := codeRoutes[r.key()]; dup {
			t.Errorf("route %s registered twice", r.key())
		}
		codeRoutes[r.key()] = r
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		check func(t *testing.T)
	}{
		{"document", func(t *testing.T) {
			if v := str(doc.root, "openapi"); v != "3.1.0" {
				t.Errorf("openapi = %q, want 3.1.0", v)
			}
			info := obj(doc.root, "info")
			if str(info, "title") == "" || str(info, "description") == "" {
				t.Error("info needs a title and a description")
			}
			if v := str(info, "version"); v != "1" {
				t.Errorf("info.version = %q, want 1", v)
			}
			servers, _ := doc.root["servers"].([]any)
			if len(servers) != 1 || str(servers[0].(map[string]any), "url") != "/" {
				t.Errorf("servers = %v, want [{url: /}]", servers)
			}
			schemes := obj(obj(doc.root, "components"), "securitySchemes")
			if b := obj(schemes, "bearerAuth"); str(b, "type") != "http" || str(b, "scheme") != "bearer" {
				t.Errorf("bearerAuth = %v, want an http bearer scheme", b)
			}
			if c := obj(schemes, "cookieAuth"); str(c, "type") != "apiKey" || str(c, "in") != "cookie" || !strings.HasSuffix(str(c, "name"), cookieSession) {
				t.Errorf("cookieAuth = %v, want an apiKey cookie named …%s", c, cookieSession)
			}
		}},

		{"every route is documented", func(t *testing.T) {
			for _, r := range routes {
				t.Run(r.key(), func(t *testing.T) {
					if _, ok := byKey[r.key()]; !ok {
						t.Errorf("the route table has %s but openapi.json does not document it", r.key())
					}
				})
			}
		}},

		{"every documented operation is routed", func(t *testing.T) {
			for _, op := range ops {
				t.Run(op.Key, func(t *testing.T) {
					if _, ok := codeRoutes[op.Key]; !ok {
						t.Errorf("openapi.json documents %s but the route table does not have it", op.Key)
					}
				})
			}
		}},

		{"every $ref resolves", func(t *testing.T) {
			n := 0
			used := map[string]bool{}
			walkRefs(doc.root, "#", func(at, ref string) {
				n++
				used[ref] = true
				if _, ok := doc.pointer(ref); !ok {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
			})
			if n == 0 {
				t.Error("no $ref at all: the walk is broken")
			}
			// A component nobody refers to is usually a mistake.
			for kind, v := range obj(doc.root, "components") {
				if kind == "securitySchemes" {
					continue
				}
				for name := range v.(map[string]any) {
					if ref := "#/components/" + kind + "/" + name; !used[ref] {
						t.Errorf("component %s is never used", ref)
					}
				}
			}
		}},

		{"operations are complete", func(t *testing.T) {
			ids := map[string]string{}
			for _, op := range ops {
				t.Run(op.Key, func(t *testing.T) {
					id := str(op.Op, "operationId")
					if id == "" {
						t.Error("no operationId")
					} else if other, dup := ids[id]; dup {
						t.Errorf("operationId %q also used by %s", id, other)
					}
					ids[id] = op.Key
					if str(op.Op, "summary") == "" {
						t.Error("no summary")
					}
					if str(op.Op, "description") == "" {
						t.Error("no description")
					}
					responses := obj(op.Op, "responses")
					var ok2, ok4 bool
					for status, raw := range responses {
						resp := doc.deref(t, raw)
						if str(resp, "description") == "" {
							t.Errorf("response %s has no description", status)
						}
						switch status[0] {
						case '2':
							ok2 = true
						case '4':
							ok4 = true
						}
						if status[0] == '4' || status[0] == '5' {
							media := obj(obj(resp, "content"), "application/problem+json")
							if ref := str(obj(media, "schema"), "$ref"); ref != "#/components/schemas/Problem" {
								t.Errorf("response %s: want application/problem+json with the Problem schema, got %v", status, resp["content"])
							}
							for name, ex := range obj(media, "examples") {
								v := obj(doc.deref(t, ex), "value")
								if got, _ := v["status"].(float64); strconv.Itoa(int(got)) != status {
									t.Errorf("response %s: example %s has status %v", status, name, v["status"])
								}
							}
						}
						headers := obj(resp, "headers")
						if status == "429" && headers["Retry-After"] == nil {
							t.Error("429 without a Retry-After header")
						}
						if status == "401" && headers["WWW-Authenticate"] == nil {
							t.Error("401 without a WWW-Authenticate header")
						}
					}
					if !ok2 {
						t.Error("no 2xx response")
					}
					if _, exempt := withoutClientErrors[op.Key]; !ok4 && !exempt {
						t.Error("no 4xx response")
					} else if ok4 && exempt {
						t.Error("listed in withoutClientErrors but documents a 4xx response: drop it from the list")
					}
				})
			}
			for k := range withoutClientErrors {
				if _, ok := byKey[k]; !ok {
					t.Errorf("withoutClientErrors names %s, which is not documented", k)
				}
			}
		}},

		{"path parameters match the template", func(t *testing.T) {
			for _, op := range ops {
				t.Run(op.Key, func(t *testing.T) {
					want := map[string]bool{}
					for _, m := range pathParamRE.FindAllStringSubmatch(op.Path, -1) {
						want[m[1]] = true
					}
					params, _ := op.Op["parameters"].([]any)
					if item := obj(obj(doc.root, "paths"), op.Path); item["parameters"] != nil {
						more, _ := item["parameters"].([]any)
						params = append(params, more...)
					}
					got := map[string]bool{}
					for _, raw := range params {
						p := doc.deref(t, raw)
						if str(p, "in") != "path" {
							continue
						}
						got[str(p, "name")] = true
						if p["required"] != true {
							t.Errorf("path parameter %s is not required", str(p, "name"))
						}
					}
					if !maps.Equal(want, got) {
						t.Errorf("path parameters %v, template has %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
					}
				})
			}
		}},

		{"security matches apiAuth", func(t *testing.T) {
			for _, r := range routes {
				op, ok := byKey[r.key()]
				if !ok {
					continue // reported above
				}
				t.Run(r.key(), func(t *testing.T) {
					sec, _ := op.Op["security"].([]any)
					schemes := map[string]bool{}
					for _, s := range sec {
						for name := range s.(map[string]any) {
							schemes[name] = true
						}
					}
					_, has401 := obj(op.Op, "responses")["401"]
					switch {
					case r.Auth == authSession && (!schemes["bearerAuth"] || !schemes["cookieAuth"]):
						t.Errorf("wrapped in apiAuth: want security bearerAuth or cookieAuth, got %v", sec)
					case r.Auth == authSession && !has401:
						t.Error("wrapped in apiAuth: want a 401 response")
					case r.Auth == authPublic && len(schemes) > 0:
						t.Errorf("public route documents security %v", sec)
					}
				})
			}
		}},

		{"error codes are message IDs", func(t *testing.T) {
			for _, op := range ops {
				t.Run(op.Key, func(t *testing.T) {
					desc := str(op.Op, "description")
					responses := obj(op.Op, "responses")
					_, section, hasSection := strings.Cut(desc, "**Error codes**")
					var errStatuses []string
					for status := range responses {
						if status[0] == '4' || status[0] == '5' {
							errStatuses = append(errStatuses, status)
						}
					}
					if !hasSection {
						if len(errStatuses) > 0 {
							t.Error("the description has no **Error codes** section")
						}
						return
					}
					// The section lists exactly the documented error statuses.
					var listed []string
					for _, m := range statusRE.FindAllStringSubmatch(section, -1) {
						listed = append(listed, m[1])
					}
					slices.Sort(listed)
					slices.Sort(errStatuses)
					if !slices.Equal(listed, errStatuses) {
						t.Errorf("**Error codes** lists statuses %v, responses are %v", listed, errStatuses)
					}
					named := map[string]bool{}
					for _, m := range messageIDRE.FindAllStringSubmatch(section, -1) {
						named[m[1]] = true
						for _, l := range i18n.Langs {
							if !cat.Has(l, m[1]) {
								t.Errorf("error code %q is not a message ID in the %s catalog", m[1], l)
							}
						}
					}
					// Every code in an example is listed in the section.
					for status, raw := range responses {
						resp := doc.deref(t, raw)
						for name, ex := range obj(obj(obj(resp, "content"), "application/problem+json"), "examples") {
							v := obj(doc.deref(t, ex), "value")
							codes := []string{str(v, "code")}
							for _, c := range obj(v, "field_codes") {
								codes = append(codes, c.(string))
							}
							for _, c := range codes {
								if !named[c] {
									t.Errorf("response %s example %s: code %q is not listed under **Error codes**", status, name, c)
								}
							}
						}
					}
				})
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.check)
	}
}
