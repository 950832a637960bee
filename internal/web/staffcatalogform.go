package web

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/problem"
)

// The service form of the catalog console: a catalog.Service as form
// values and back, and the domain's refusals (a message per JSON path of
// the service) put next to the form's fields.
//
// Texts are in both languages. A single text has two inputs side by side
// (ru, en). A list of texts — documents, legal basis, a region's extra
// documents — is one textarea with a line per item written «по-русски |
// in English»: the pair is typed, moved and deleted as one line, so an
// added or removed line cannot shift every later English text onto the
// wrong Russian one, as two separate lists would; a message names the
// line. The regional variants are a table's rows; «Добавить строку» sends
// the form back with one more empty row, keeping what was typed.

// Form values of the service form.
const (
	svcFederal   = "federal"
	svcVariants  = "variants"
	svcRows      = "rows"
	maxVariants  = catalog.MaxListItems
	pairSep      = "|"
	variantField = "variants.%d.%s"
)

// serviceTexts are the service's single texts in the form's order.
var serviceTexts = []string{"title", "short", "description", "cost.text", "payment", "term", "result"}

// variantColumns are a variant row's inputs.
var variantColumns = []string{"region", "available", "agency", "cost", "cost_text", "term", "extra"}

// variantName is the form name of a variant row's input.
func variantName(row int, column string) string { return fmt.Sprintf(variantField, row, column) }

// serviceFieldOrder lists the form's fields in order, for the error
// summary.
func serviceFieldOrder(rows int) []string {
	out := []string{"id"}
	for _, t := range serviceTexts[:3] {
		out = append(out, t+".ru", t+".en")
	}
	out = append(out, "category", "agency", "level", "applicants", "channels", "cost.rub", "cost.text.ru", "cost.text.en",
		"payment.ru", "payment.en", "term.ru", "term.en", "result.ru", "result.en", "documents", "legal_basis", "keywords.ru", "keywords.en", "popularity", svcVariants)
	for i := range rows {
		for _, c := range variantColumns {
			out = append(out, variantName(i, c))
		}
	}
	return append(out, "code")
}

// serviceValues writes a service into form values, with its variants and
// one empty row.
func serviceValues(s *catalog.Service) (map[string]string, int) {
	v := map[string]string{"id": s.ID, "category": s.Category, "agency": s.Agency, "level": string(s.Level),
		"cost.rub": strconv.Itoa(s.Cost.Rub), "documents": pairLines(s.Documents), "legal_basis": pairLines(s.LegalBasis),
		"keywords.ru": strings.Join(s.Keywords.RU, ", "), "keywords.en": strings.Join(s.Keywords.EN, ", "), "popularity": strconv.Itoa(s.Popularity)}
	for name, t := range map[string]catalog.Text{"title": s.Title, "short": s.Short, "description": s.Description, "cost.text": s.Cost.Text,
		"payment": s.Payment, "term": s.Term, "result": s.Result} {
		v[name+".ru"], v[name+".en"] = t.RU, t.EN
	}
	for _, a := range s.Applicants {
		v["applicant."+string(a)] = "on"
	}
	for _, c := range s.Channels {
		v["channel."+string(c)] = "on"
	}
	if s.Federal {
		v[svcFederal] = "true"
	}
	for i, x := range s.Variants {
		v[variantName(i, "region")], v[variantName(i, "agency")], v[variantName(i, "extra")] = x.Region, x.Agency, pairLines(x.ExtraDocuments)
		if x.Available {
			v[variantName(i, "available")] = "on"
		}
		if x.Cost != nil {
			v[variantName(i, "cost")], v[variantName(i, "cost_text")] = strconv.Itoa(x.Cost.Rub), pair(x.Cost.Text)
		}
		if x.Term != nil {
			v[variantName(i, "term")] = pair(*x.Term)
		}
	}
	rows := len(s.Variants) + 1
	v[svcRows] = strconv.Itoa(rows)
	return v, rows
}

// pair writes a text as «ru | en», or the Russian alone when there is no
// English.
func pair(t catalog.Text) string {
	if t.EN == "" {
		return t.RU
	}
	return t.RU + " " + pairSep + " " + t.EN
}

func pairLines(ts []catalog.Text) string {
	lines := make([]string, len(ts))
	for i, t := range ts {
		lines[i] = pair(t)
	}
	return strings.Join(lines, "\n")
}

// serviceForm is a submitted service form read into a service, with where
// each list item came from, for the messages.
type serviceForm struct {
	values map[string]string
	rows   int
	svc    catalog.Service
	// lines are the form line (1-based) of each item of a list of
	// texts, by the list's path ("documents", "variants[0].extra_documents").
	lines map[string][]int
	// variantRow is the form row of each variant.
	variantRow []int
	// own are the form's own refusals: a number that is not one, a line
	// with two separators, a row without a region.
	own problem.Fields
}

var notDigits = regexp.MustCompile(`[\s\x{00a0}\x{202f}]`)

// number reads a whole number typed with or without spaces between the
// thousands; "" is def.
func (f *serviceForm) number(field string, def int) int {
	s := notDigits.ReplaceAllString(f.values[field], "")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.own.Add(field, problem.M("console.catalog.number"))
	}
	return n
}

// pair reads «ru | en».
func (f *serviceForm) pair(field, line string, at int) catalog.Text {
	ru, en, _ := strings.Cut(line, pairSep)
	if strings.Contains(en, pairSep) {
		if at > 0 {
			f.own.Add(field, problem.M("console.catalog.pair_line", "Line", at))
		} else {
			f.own.Add(field, problem.M("console.catalog.pair"))
		}
	}
	return catalog.Text{RU: strings.TrimSpace(ru), EN: strings.TrimSpace(en)}
}

// pairs reads a textarea of «ru | en» lines, blank lines skipped, and
// remembers each item's line under path.
func (f *serviceForm) pairs(field, path string) []catalog.Text {
	out := []catalog.Text{}
	for i, line := range strings.Split(strings.ReplaceAll(f.values[field], "\r\n", "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		out = append(out, f.pair(field, line, i+1))
		f.lines[path] = append(f.lines[path], i+1)
	}
	return out
}

func words(s string) []string {
	out := []string{}
	for _, w := range strings.Split(s, ",") {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// readServiceForm reads a submitted service form (id is the edited
// service's, "" for a new one, whose ID is typed).
func readServiceForm(form url.Values, id string) *serviceForm {
	f := &serviceForm{values: map[string]string{}, lines: map[string][]int{}}
	for k, vs := range form {
		if len(vs) > 0 {
			f.values[k] = vs[0]
		}
	}
	delete(f.values, "code") // a code is never shown again
	s := &f.svc
	s.ID = strings.TrimSpace(f.values["id"])
	if id != "" {
		s.ID = id
	}
	f.values["id"] = s.ID
	text := func(name string) catalog.Text {
		return catalog.Text{RU: strings.TrimSpace(f.values[name+".ru"]), EN: strings.TrimSpace(f.values[name+".en"])}
	}
	s.Title, s.Short, s.Description, s.Payment, s.Term, s.Result = text("title"), text("short"), text("description"), text("payment"), text("term"), text("result")
	s.Category, s.Agency, s.Level = f.values["category"], f.values["agency"], account.Level(f.values["level"])
	s.Cost = catalog.Cost{Rub: f.number("cost.rub", 0), Text: text("cost.text")}
	s.Popularity = f.number("popularity", 0)
	s.Applicants, s.Channels = []catalog.Applicant{}, []catalog.Channel{}
	for _, a := range form["applicants"] {
		s.Applicants = append(s.Applicants, catalog.Applicant(a))
		f.values["applicant."+a] = "on"
	}
	for _, c := range form["channels"] {
		s.Channels = append(s.Channels, catalog.Channel(c))
		f.values["channel."+c] = "on"
	}
	s.Documents, s.LegalBasis = f.pairs("documents", "documents"), f.pairs("legal_basis", "legal_basis")
	s.Federal = f.values[svcFederal] == "true"
	s.Keywords = catalog.Keywords{RU: words(f.values["keywords.ru"]), EN: words(f.values["keywords.en"])}

	f.rows, _ = strconv.Atoi(f.values[svcRows])
	f.rows = min(max(f.rows, 1), maxVariants+1)
	s.Variants = []catalog.Variant{}
	for row := range f.rows {
		get := func(c string) string { return strings.TrimSpace(f.values[variantName(row, c)]) }
		blank := true
		for _, c := range variantColumns {
			blank = blank && get(c) == ""
		}
		if blank {
			continue
		}
		if get("region") == "" {
			f.own.Add(variantName(row, "region"), problem.M("console.catalog.variant_region"))
		}
		path := fmt.Sprintf("variants[%d]", len(s.Variants))
		x := catalog.Variant{Region: get("region"), Available: get("available") == "on", Agency: get("agency"),
			ExtraDocuments: f.pairs(variantName(row, "extra"), path+".extra_documents")}
		if get("cost") != "" || get("cost_text") != "" {
			x.Cost = &catalog.Cost{Rub: f.number(variantName(row, "cost"), 0), Text: f.pair(variantName(row, "cost_text"), get("cost_text"), 0)}
		}
		if get("term") != "" {
			t := f.pair(variantName(row, "term"), get("term"), 0)
			x.Term = &t
		}
		s.Variants = append(s.Variants, x)
		f.variantRow = append(f.variantRow, row)
	}
	f.values[svcRows] = strconv.Itoa(f.rows)
	return f
}

// listItem matches a path inside a list of texts: "documents[2].en",
// "variants[0].extra_documents[1].ru".
var listItem = regexp.MustCompile(`^(.*)\[(\d+)\]\.(ru|en)$`)

// variantPath matches a variant's path: "variants[1].cost.text.ru".
var variantPath = regexp.MustCompile(`^variants\[(\d+)\]\.([a-z_]+)(?:\.(.*))?$`)

// field maps a domain path to the form field that shows its message, and
// what the message must say first: the line and the language of an item
// of a list, the language of a «ru | en» input.
func (f *serviceForm) field(t i18n.Localizer, path string) (name, part string) {
	lang := func(l string) string { return t.T("console.catalog.part." + l) }
	if m := listItem.FindStringSubmatch(path); m != nil {
		i, _ := strconv.Atoi(m[2])
		part = lang(m[3])
		if ls := f.lines[m[1]]; i < len(ls) {
			part = t.T("console.catalog.part.line."+m[3], "Line", ls[i])
		}
		path = m[1]
	}
	if m := variantPath.FindStringSubmatch(path); m != nil {
		i, _ := strconv.Atoi(m[1])
		row := i
		if i < len(f.variantRow) {
			row = f.variantRow[i]
		}
		switch m[2] + "." + m[3] {
		case "cost.rub":
			return variantName(row, "cost"), part
		case "cost.text.ru", "cost.text.en":
			return variantName(row, "cost_text"), lang(m[3][len("text."):])
		case "term.ru", "term.en":
			return variantName(row, "term"), lang(m[3])
		case "extra_documents.":
			return variantName(row, "extra"), part
		case "region.", "agency.":
			return variantName(row, m[2]), part
		}
		return svcVariants, part
	}
	for _, list := range []string{"applicants", "channels", "keywords.ru", "keywords.en"} {
		if strings.HasPrefix(path, list+"[") {
			return list, part
		}
	}
	return path, part
}

// fail puts the refusals of the service into the page's form: the form's
// own and then the domain's messages next to their fields (the first for
// a field), in the form's order; a refusal without fields as the form's
// message.
func (f *serviceForm) fail(t i18n.Localizer, form *FormView, errs ...error) {
	for _, err := range errs {
		if err == nil {
			continue
		}
		p, ok := problem.As(err)
		if !ok || len(p.Fields) == 0 {
			form.fail(t, err, "code")
			continue
		}
		for _, fe := range p.Fields {
			name, part := f.field(t, fe.Field)
			if _, dup := form.Errors[name]; dup {
				continue
			}
			msg, label := t.Msg(fe.Message), serviceLabel(t, name)
			form.Errors[name] = msg
			if part != "" {
				form.Errors[name] = labelled(part, msg)
				label += ", " + lowerFirst(part)
			}
			form.Summary[name] = labelled(label, msg)
		}
	}
	form.Order = form.Order[:0]
	for _, name := range serviceFieldOrder(f.rows) {
		if _, ok := form.Errors[name]; ok {
			form.Order = append(form.Order, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(form.Errors)) {
		if !slices.Contains(form.Order, name) {
			form.Order = append(form.Order, name)
		}
	}
}

// pairLabels are the labels of the texts in both languages.
var pairLabels = map[string]string{"title": "console.catalog.service_title", "short": "console.catalog.short", "description": "console.catalog.description",
	"cost.text": "console.catalog.cost_text", "payment": "console.catalog.payment", "term": "console.catalog.term", "result": "console.catalog.result"}

// serviceLabels are the labels of the form's other fields.
var serviceLabels = map[string]string{"id": "console.catalog.id", "category": "console.catalog.category", "agency": "console.catalog.agency",
	"level": "console.catalog.level", "applicants": "console.catalog.applicants", "channels": "console.catalog.channels", "cost.rub": "console.catalog.cost_rub",
	"documents": "console.catalog.documents", "legal_basis": "console.catalog.legal_basis", "keywords.ru": "console.catalog.keywords_ru",
	"keywords.en": "console.catalog.keywords_en", "popularity": "console.catalog.popularity", svcVariants: "console.catalog.variants", "code": "console.reauth.code"}

// serviceLabel names a field of the form for the error summary: «Название,
// по-английски», «Регион, строка 2».
func serviceLabel(t i18n.Localizer, name string) string {
	if id, ok := serviceLabels[name]; ok {
		return t.T(id)
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		if id, ok := pairLabels[name[:i]]; ok {
			return t.T(id) + ", " + lowerFirst(t.T("console.catalog.part."+name[i+1:]))
		}
	}
	var row int
	var column string
	if _, err := fmt.Sscanf(strings.ReplaceAll(name, ".", " "), "variants %d %s", &row, &column); err == nil {
		return t.T("console.catalog.row_label", "Column", t.T("console.catalog.variant."+column), "Row", row+1)
	}
	return name
}

// lowerFirst puts a phrase inside a sentence: «По-английски» → «по-английски».
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}
