package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/catalog"
	"github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/loadgen"
	"github.com/kabinet/kabinet/internal/places"
	"github.com/kabinet/kabinet/internal/store"
)

// The catalog search phases (issue 14 §4): -services generated services
// beside the demo catalog, in the 86 regions of the reference data (85
// subjects and Baikonur; the law's 89 include four the data lacks),
// searched over GET /api/v1/services by -services-workers clients at once
// (16: the concurrency), against a bare handler serving the bytes
// of one such answer with the same clients.

// serviceQueries are the searches the phase cycles through, as request
// paths, and what the mix is made of (for the report).
type serviceQueries struct {
	paths []string
	mix   string
}

// serviceQuery is a search people make, with the category of the service
// it looks for (used when the search is narrowed by category).
type serviceQuery struct {
	q        string
	category string
}

// serviceKind is a kind of query of the mix: slots of the 20 a cycle
// has, and the queries, taken in turn. The words are the demo catalog's
// and the judged queries' (internal/catalog/testdata/relevance.json).
type serviceKind struct {
	name    string
	slots   int
	typing  bool // a prefix while typing: typing=true, limit 6 as catalog.js asks
	queries []serviceQuery
}

var serviceKinds = []serviceKind{
	{name: "a whole word", slots: 3, queries: []serviceQuery{
		{"паспорт", "passports"}, {"пенсия", "pensions"}, {"налог", "taxes"}, {"справка", "certificates"}, {"штраф", "transport"},
		{"пособие", "family"}, {"ипотека", "housing"}, {"загс", "civil-registry"}, {"лицензия", "business"}, {"школа", "education"},
		{"земля", "property"}, {"субсидия", "housing"}, {"медкарта", "health"}, {"свадьба", "civil-registry"}, {"декрет", "family"},
		{"самозанятость", "business"}, {"военкомат", "army"}, {"оружие", "security"}, {"приставы", "courts"}, {"охота", "nature"},
		{"музей", "culture"}, {"безработица", "employment"}, {"2-ндфл", "certificates"}, {"инвалидность", "social"},
	}},
	{name: "inflected", slots: 3, queries: []serviceQuery{
		{"паспорта", "passports"}, {"врачу", "health"}, {"детского сада", "family"}, {"штрафов", "transport"},
		{"пенсии по старости", "pensions"}, {"расторжение брака", "civil-registry"}, {"водительских удостоверений", "transport"},
		{"налоговая задолженность", "taxes"}, {"регистрацию рождения", "civil-registry"}, {"пособия на детей", "family"},
		{"первого класса", "education"}, {"перепланировку квартиры", "housing"}, {"земельные участки", "property"},
		{"прививок", "health"}, {"алименты", "courts"}, {"лицензии на алкоголь", "business"}, {"лицевого счета в социальном фонде", "pensions"},
	}},
	{name: "a typo", slots: 2, queries: []serviceQuery{
		{"паспрот", "passports"}, {"загранпаспрт", "passports"}, {"штарфы", "transport"}, {"детскй сад", "family"},
		{"матиринский капитал", "family"}, {"пенсея", "pensions"}, {"развот", "civil-registry"}, {"прописака", "passports"},
		{"вычит", "taxes"}, {"снилз", "certificates"}, {"диспансеризацыя", "health"}, {"kindergarden", "family"},
	}},
	{name: "a prefix while typing", slots: 3, typing: true, queries: []serviceQuery{
		{"пасп", "passports"}, {"пенс", "pensions"}, {"запись к вр", "health"}, {"материнск", "family"}, {"регистрация бр", "civil-registry"},
		{"выписка из ег", "property"}, {"справка о нес", "certificates"}, {"штраф", "transport"}, {"детск", "family"},
		{"водительск", "transport"}, {"загранп", "passports"}, {"субсид", "housing"}, {"налогов", "taxes"}, {"kinderg", "family"},
		{"pass", "passports"}, {"driving lic", "transport"}, {"tax d", "taxes"}, {"birth cert", "civil-registry"},
	}},
	{name: "two words", slots: 3, queries: []serviceQuery{
		{"штрафы гибдд", "transport"}, {"запись к врачу", "health"}, {"регистрация брака", "civil-registry"},
		{"материнский капитал", "family"}, {"выписка из ЕГРН", "property"}, {"бухгалтерская отчетность", "business"},
		{"получить ИНН", "taxes"}, {"пушкинская карта", "culture"}, {"охотничий билет", "nature"}, {"отсрочка от призыва", "army"},
		{"справка о несудимости", "certificates"}, {"биржа труда", "employment"}, {"заграничный паспорт", "passports"},
		{"налоговый вычет", "taxes"}, {"единое пособие", "family"}, {"пособие по безработице", "employment"},
	}},
	{name: "a synonym", slots: 2, queries: []serviceQuery{
		{"загран", "passports"}, {"гаи", "transport"}, {"прописка", "passports"}, {"детсад", "family"}, {"маткапитал", "family"},
		{"права", "transport"}, {"больничный", "pensions"}, {"открыть ип", "business"}, {"пфр выписка", "pensions"},
		{"приставы", "courts"}, {"daycare", "family"}, {"driver's license", "transport"},
	}},
	{name: "English", slots: 2, queries: []serviceQuery{
		{"passport", "passports"}, {"kindergarten", "family"}, {"doctor appointment", "health"}, {"marriage registration", "civil-registry"},
		{"tax debt", "taxes"}, {"pension statement", "pensions"}, {"INN", "taxes"}, {"register a company", "business"},
		{"sole trader", "business"}, {"divorce", "civil-registry"}, {"driving licence", "transport"}, {"accounting statements", "business"},
		{"unemployment benefit", "employment"}, {"criminal record", "certificates"}, {"birth certificate", "civil-registry"},
		{"foreign passports", "passports"}, {"traffic fine", "transport"},
	}},
	{name: "empty (the popular list)", slots: 2, queries: []serviceQuery{
		{"", "passports"}, {"", "family"}, {"", "transport"}, {"", "health"}, {"", "taxes"}, {"", "social"}, {"", "education"},
	}},
}

// serviceCycles is how many cycles of 20 searches the paths hold: enough
// that the filters (every third search by region, every fifth by
// category, every seventh by level) meet every kind of query.
const serviceCycles = 42

// serviceQualifiers vary the generated titles: what a regional or a
// narrower version of a service is about, in the demo catalog's words.
var serviceQualifiers = []catalog.Text{
	{RU: "в электронном виде", EN: "online"},
	{RU: "через МФЦ", EN: "at an MFC"},
	{RU: "по месту жительства", EN: "where you are registered"},
	{RU: "по месту пребывания", EN: "where you stay"},
	{RU: "для многодетных семей", EN: "for large families"},
	{RU: "для пенсионеров", EN: "for pensioners"},
	{RU: "для инвалидов", EN: "for people with disabilities"},
	{RU: "для ветеранов боевых действий", EN: "for combat veterans"},
	{RU: "для студентов", EN: "for students"},
	{RU: "для молодых семей", EN: "for young families"},
	{RU: "для индивидуальных предпринимателей", EN: "for sole traders"},
	{RU: "для юридических лиц", EN: "for legal entities"},
	{RU: "для несовершеннолетних", EN: "for minors"},
	{RU: "при переезде в другой регион", EN: "when moving to another region"},
	{RU: "при утрате или порче документа", EN: "when a document is lost or damaged"},
	{RU: "повторная выдача", EN: "reissue"},
	{RU: "продление срока действия", EN: "extending the validity"},
	{RU: "внесение изменений в сведения", EN: "changing the details"},
	{RU: "прекращение и аннулирование", EN: "termination and cancellation"},
	{RU: "выдача дубликата", EN: "a duplicate"},
	{RU: "предварительная запись на приём", EN: "booking an appointment"},
	{RU: "сведения о ходе рассмотрения заявления", EN: "the progress of an application"},
	{RU: "выдача справки о состоянии расчётов", EN: "a statement of payments"},
	{RU: "компенсация расходов", EN: "reimbursement of expenses"},
	{RU: "для участников специальной военной операции и их семей", EN: "for participants of the special military operation and their families"},
	{RU: "для жителей сельской местности", EN: "for rural residents"},
	{RU: "для малоимущих граждан", EN: "for low-income citizens"},
	{RU: "в упрощённом порядке", EN: "in a simplified procedure"},
}

// generateServices saves n services beside the demo catalog, in one
// transaction through the store as an import publishes them (each indexed
// by catalog.Index), and returns the searches of the phases.
//
// Each generated service is a demo service (taken in turn, so every
// category and level is represented as in the demo) made into a narrower
// or regional one: its title with a qualifier, its keywords with one of
// another service's of the same category, its description with that
// service's first sentence (so words spread over the catalog about as
// they do in the demo's). One in ten is
// federal — in every region, one in four of these with variants in one to
// three regions (another agency, cost and term; one in twelve withdrawn
// from a region); six in ten are regional and three in ten municipal, each
// in one to four regions, with their region's name in the short
// description and an agency of that region.
func (b *benchRun) generateServices(ctx context.Context, n int) (*serviceQueries, error) {
	dir, err := places.Load()
	if err != nil {
		return nil, err
	}
	doc, err := catalog.Parse(demo.Catalog, dir)
	if err != nil {
		return nil, fmt.Errorf("bench: the demo catalog: %w", err)
	}
	regions := dir.Regions()
	codes := dir.Codes()
	categories := map[string]catalog.Text{}
	for _, c := range doc.Categories {
		categories[c.ID] = c.Title
	}
	var federalAgencies []string
	for _, a := range doc.Agencies {
		if a.Level == catalog.Federal && a.Region == "" {
			federalAgencies = append(federalAgencies, a.ID)
		}
	}
	// Two agencies per region: the region's government and its capital's
	// administration (the most populous town).
	var agencies []catalog.Agency
	for _, r := range regions {
		agencies = append(agencies, catalog.Agency{ID: "bench-" + r.Code + "-region", Level: catalog.Regional, Region: r.Code,
			Name: catalog.Text{RU: "Органы исполнительной власти: " + r.NameWithType, EN: "Regional government, " + latin(r.NameWithType)}})
		capital := r.NameWithType
		if towns := dir.Localities(r.Code); len(towns) > 0 {
			t := slices.MaxFunc(towns, func(a, b places.Locality) int { return a.Population - b.Population })
			capital = t.Type + ". " + t.Name
		}
		agencies = append(agencies, catalog.Agency{ID: "bench-" + r.Code + "-city", Level: catalog.Municipal, Region: r.Code,
			Name: catalog.Text{RU: "Администрация: " + capital, EN: "City administration, " + latin(capital)}})
	}

	base := doc.Services
	byCategory := map[string][]*catalog.Service{}
	for i := range base {
		byCategory[base[i].Category] = append(byCategory[base[i].Category], &base[i])
	}
	services := make([]catalog.Service, n)
	for i := range services {
		services[i] = generatedService(i, base, byCategory, federalAgencies, regions)
	}

	st := b.env.app.Store
	repo := st.Catalog()
	now := time.Now()
	fmt.Fprintf(b.stderr, "bench: saving %d generated services in %d regions beside the demo's %d, in one transaction…\n", n, len(codes), len(base))
	t := time.Now()
	err = st.Transact(ctx, func(ctx context.Context) error {
		for _, a := range agencies {
			if err := repo.SaveAgency(ctx, a); err != nil {
				return err
			}
		}
		for i := range services {
			s := &services[i]
			if err := repo.PublishService(ctx, s, catalog.Index(s, categories[s.Category]), "bench", now); err != nil {
				return err
			}
		}
		return repo.BumpGeneration(ctx) // each node rebuilds its lexicon
	})
	if err != nil {
		return nil, fmt.Errorf("bench: generating services: %w", err)
	}
	took := time.Since(t)
	fmt.Fprintf(b.stderr, "bench: %d services saved in %.1fs\n", n, took.Seconds())
	b.loaded = append(b.loaded, loadReport{What: "generated services (one transaction, catalog.Index each)", Count: n, Seconds: took.Seconds()})
	if st.Dialect() == store.Postgres {
		// What autovacuum does within a minute of such an import: the
		// planner's statistics and the visibility map (index-only counts).
		// The phases measure the catalog as it then stays.
		t = time.Now()
		for _, table := range []string{"catalog_services", "catalog_service_regions"} {
			if _, err := st.DB().ExecContext(ctx, "VACUUM ANALYZE "+table); err != nil {
				return nil, fmt.Errorf("bench: analyzing the catalog: %w", err)
			}
		}
		fmt.Fprintf(b.stderr, "bench: VACUUM ANALYZE of the catalog in %.1fs\n", time.Since(t).Seconds())
	}

	return buildServiceQueries(codes), nil
}

// generatedService is the i-th generated service (see generateServices).
func generatedService(i int, base []catalog.Service, byCategory map[string][]*catalog.Service, federalAgencies []string, regions []places.Region) catalog.Service {
	src := &base[i%len(base)]
	copyNo := i / len(base)
	kin := byCategory[src.Category]
	mate := kin[(copyNo*7+1)%len(kin)] // another service of its category, or itself
	s := *src
	s.ID = "bench-" + strconv.Itoa(i)
	s.Status = catalog.Published
	s.Variants = nil
	q := serviceQualifiers[(copyNo+i)%len(serviceQualifiers)]
	s.Title = catalog.Text{RU: src.Title.RU + " " + q.RU, EN: src.Title.EN + ", " + q.EN}
	if mate != src {
		s.Keywords = catalog.Keywords{
			RU: append(slices.Clip(src.Keywords.RU), firstN(mate.Keywords.RU, 1)...),
			EN: append(slices.Clip(src.Keywords.EN), firstN(mate.Keywords.EN, 1)...),
		}
		s.Description = catalog.Text{RU: src.Description.RU + " " + firstSentence(mate.Description.RU),
			EN: src.Description.EN + " " + firstSentence(mate.Description.EN)}
	}
	s.Popularity = src.Popularity * ((i*37)%100 + 1) / 100
	region := func(j int) places.Region { return regions[(i*7+j*29)%len(regions)] }
	switch k := i % 10; {
	case k == 0: // federal
		s.Federal = true
		if !src.Federal {
			s.Agency = federalAgencies[i%len(federalAgencies)]
		}
		if i%40 == 0 {
			for j := range 1 + i/40%3 {
				r := region(j)
				cost := catalog.Cost{Rub: src.Cost.Rub + 100*(j+1), Text: catalog.Text{RU: "Госпошлина " + strconv.Itoa(src.Cost.Rub+100*(j+1)) + " ₽",
					EN: "State duty " + strconv.Itoa(src.Cost.Rub+100*(j+1)) + " ₽"}}
				term := catalog.Text{RU: "До " + strconv.Itoa(5+j*5) + " рабочих дней", EN: "Up to " + strconv.Itoa(5+j*5) + " working days"}
				s.Variants = append(s.Variants, catalog.Variant{Region: r.Code, Available: i%480 != 0 || j > 0,
					Agency: "bench-" + r.Code + "-region", Cost: &cost, Term: &term,
					ExtraDocuments: []catalog.Text{{RU: "Документ, подтверждающий проживание: " + r.NameWithType, EN: "Proof of residence, " + latin(r.NameWithType)}}})
			}
		}
	default: // regional (k 1–6) or municipal (k 7–9), in one to four regions
		s.Federal = false
		level := "region"
		if k >= 7 {
			level = "city"
		}
		home := region(0)
		s.Agency = "bench-" + home.Code + "-" + level
		s.Short = catalog.Text{RU: home.NameWithType + ": " + src.Short.RU, EN: latin(home.NameWithType) + ": " + src.Short.EN}
		for j := range 1 + i/10%4 {
			s.Variants = append(s.Variants, catalog.Variant{Region: region(j).Code, Available: true})
		}
	}
	return s
}

// latin writes a Russian name in Latin letters, as English texts name
// regions («Калужская обл» → «Kaluzhskaya obl»).
func latin(s string) string {
	var b strings.Builder
	for _, r := range s {
		lower := unicode.ToLower(r)
		t, ok := translit[lower]
		switch {
		case !ok:
			b.WriteRune(r)
		case lower != r && t != "":
			rs := []rune(t)
			b.WriteString(string(unicode.ToUpper(rs[0])) + string(rs[1:]))
		default:
			b.WriteString(t)
		}
	}
	return b.String()
}

var translit = map[rune]string{'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh",
	'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya"}

func firstN(s []string, n int) []string { return s[:min(n, len(s))] }

// firstSentence is s up to its first full stop.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// buildServiceQueries writes the searches: cycles of 20, each kind in its
// slots; a third of them narrowed to a region, a fifth to the category of
// what they look for, a seventh to the services an account level opens.
func buildServiceQueries(codes []string) *serviceQueries {
	q := &serviceQueries{}
	var slots []int // kind by slot
	for k, kind := range serviceKinds {
		for range kind.slots {
			slots = append(slots, k)
		}
	}
	levels := []account.Level{account.Simplified, account.Standard, account.Confirmed}
	used := make([]int, len(serviceKinds))
	var region, category, level int
	for c := range serviceCycles {
		for slot, k := range slots {
			n := c*len(slots) + slot
			kind := &serviceKinds[k]
			sq := kind.queries[used[k]%len(kind.queries)]
			used[k]++
			v := url.Values{}
			if sq.q != "" {
				v.Set("q", sq.q)
			}
			if kind.typing {
				v.Set("typing", "true")
				v.Set("limit", "6")
			}
			if (slot+c)%3 == 0 {
				v.Set("region", codes[(n*13)%len(codes)])
				region++
			}
			if (slot+2*c)%5 == 1 {
				v.Set("category", sq.category)
				category++
			}
			if (slot+3*c)%7 == 3 {
				v.Set("level", string(levels[n/7%len(levels)]))
				level++
			}
			q.paths = append(q.paths, "/api/v1/services?"+v.Encode())
		}
	}
	var parts []string
	for _, k := range serviceKinds {
		parts = append(parts, fmt.Sprintf("%s %d%%", k.name, 100*k.slots/len(slots)))
	}
	total := len(q.paths)
	q.mix = fmt.Sprintf("%s; of all, %d%% with region, %d%% with category, %d%% with level", strings.Join(parts, ", "),
		100*region/total, 100*category/total, 100*level/total)
	return q
}

// servicesOp searches round-robin through the queries.
func (b *benchRun) servicesOp(base string, q *serviceQueries, hc *http.Client) loadgen.Op {
	return func(ctx context.Context, w *loadgen.Worker) error {
		path := q.paths[w.Global%int64(len(q.paths))]
		return do(ctx, hc, request{method: "GET", url: base + path, route: "/api/v1/services", xff: b.addrs.next(), want: http.StatusOK}, nil)
	}
}

// surveyServices runs every search of the mix once (which also warms
// kabinet's lexicon), to report what the answers are like: how many of the
// searches find nothing, and the median of the matches they count.
func (b *benchRun) surveyServices(ctx context.Context, q *serviceQueries) error {
	var totals []int
	empty := 0
	seen := map[string]bool{}
	for _, p := range q.paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		var res struct {
			Services []json.RawMessage `json:"services"`
			Total    int               `json:"total"`
		}
		err := do(ctx, b.hc, request{method: "GET", url: b.env.baseURL + p, route: "/api/v1/services", xff: b.addrs.next(), want: http.StatusOK}, &res)
		if err != nil {
			return fmt.Errorf("bench: setup: %w", err)
		}
		if res.Total == 0 {
			empty++
		}
		totals = append(totals, res.Total)
	}
	slices.Sort(totals)
	q.mix += fmt.Sprintf("; %d distinct searches, %d find nothing, matches counted: median %d, 90th percentile %d, most %d",
		len(totals), empty, totals[len(totals)/2], totals[len(totals)*9/10], totals[len(totals)-1])
	return nil
}
