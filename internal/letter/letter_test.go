package letter_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/otp"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/throttle"
)

// memStore keeps letters, batches and accounts in memory; a transaction
// that fails leaves everything as it was.
type memStore struct {
	accounts  map[string]*account.Account
	verified  map[string]person.Identity
	letters   []*letter.Letter
	batches   []*letter.Batch
	confirmed map[string]string // account → method
	audit     []audit.Event
}

func newMem() *memStore {
	return &memStore{accounts: map[string]*account.Account{}, verified: map[string]person.Identity{}, confirmed: map[string]string{}}
}

func (m *memStore) Transact(ctx context.Context, fn func(context.Context) error) error {
	saved := m.snapshot()
	if err := fn(ctx); err != nil {
		*m = *saved
		return err
	}
	return nil
}

func (m *memStore) snapshot() *memStore {
	c := &memStore{accounts: map[string]*account.Account{}, verified: m.verified, confirmed: map[string]string{}, audit: slices.Clone(m.audit)}
	for k, v := range m.accounts {
		a := *v
		c.accounts[k] = &a
	}
	for _, l := range m.letters {
		x := *l
		c.letters = append(c.letters, &x)
	}
	for _, b := range m.batches {
		x := *b
		c.batches = append(c.batches, &x)
	}
	for k, v := range m.confirmed {
		c.confirmed[k] = v
	}
	return c
}

func (m *memStore) AccountByID(_ context.Context, id string) (*account.Account, error) {
	if a, ok := m.accounts[id]; ok {
		c := *a
		return &c, nil
	}
	return nil, problem.New(problem.NotFound, "account.not_found")
}
func (m *memStore) VerifiedIdentity(_ context.Context, id string) (person.Identity, bool, error) {
	v, ok := m.verified[id]
	return v, ok, nil
}
func (m *memStore) CurrentLetter(_ context.Context, accountID string) (*letter.Letter, error) {
	for i := len(m.letters) - 1; i >= 0; i-- {
		if l := m.letters[i]; l.AccountID == accountID && l.Status != letter.Replaced {
			c := *l
			return &c, nil
		}
	}
	return nil, problem.New(problem.NotFound, "letter.none")
}
func (m *memStore) OrderTimes(_ context.Context, accountID string, since time.Time) ([]time.Time, error) {
	var out []time.Time
	for _, l := range m.letters {
		if l.AccountID == accountID && !l.OrderedAt.Before(since) {
			out = append(out, l.OrderedAt)
		}
	}
	return out, nil
}
func (m *memStore) CreateLetter(_ context.Context, l *letter.Letter) error {
	c := *l
	m.letters = append(m.letters, &c)
	return nil
}
func (m *memStore) UpdateLetter(_ context.Context, l *letter.Letter) error {
	for i, x := range m.letters {
		if x.ID == l.ID {
			c := *l
			m.letters[i] = &c
			return nil
		}
	}
	return problem.New(problem.NotFound, "letter.none")
}
func (m *memStore) Letter(_ context.Context, id string) (*letter.Letter, error) {
	for _, x := range m.letters {
		if x.ID == id {
			c := *x
			return &c, nil
		}
	}
	return nil, problem.New(problem.NotFound, "letter.not_found")
}
func (m *memStore) OrderedLetters(_ context.Context, max int) ([]*letter.Letter, error) {
	var out []*letter.Letter
	for _, l := range m.letters {
		if l.Status == letter.Ordered && len(out) < max {
			c := *l
			out = append(out, &c)
		}
	}
	return out, nil
}
func (m *memStore) PendingCount(ctx context.Context) (int, error) {
	ls, _ := m.OrderedLetters(ctx, 1<<30)
	return len(ls), nil
}
func (m *memStore) CreateBatch(_ context.Context, b *letter.Batch) error {
	c := *b
	m.batches = append(m.batches, &c)
	return nil
}
func (m *memStore) UpdateBatch(_ context.Context, b *letter.Batch) error {
	for i, x := range m.batches {
		if x.ID == b.ID {
			c := *b
			m.batches[i] = &c
		}
	}
	return nil
}
func (m *memStore) Batch(_ context.Context, id string) (*letter.Batch, error) {
	for _, x := range m.batches {
		if x.ID == id {
			c := *x
			return &c, nil
		}
	}
	return nil, problem.New(problem.NotFound, "letter.batch_not_found")
}
func (m *memStore) Batches(_ context.Context, limit int) ([]*letter.Batch, error) {
	out := slices.Clone(m.batches)
	slices.Reverse(out)
	return out[:min(limit, len(out))], nil
}
func (m *memStore) BatchLetters(_ context.Context, id string) ([]*letter.Letter, error) {
	var out []*letter.Letter
	for _, l := range m.letters {
		if l.BatchID == id {
			c := *l
			out = append(out, &c)
		}
	}
	return out, nil
}
func (m *memStore) RaiseLevel(_ context.Context, id string, level account.Level, _ time.Time) (bool, error) {
	a := m.accounts[id]
	if a.Level.Meets(level) {
		return false, nil
	}
	a.Level = level
	return true, nil
}
func (m *memStore) RecordConfirmation(_ context.Context, id, method string, _ time.Time) error {
	m.confirmed[id] = method
	return nil
}
func (m *memStore) AppendAudit(_ context.Context, e *audit.Event) error {
	m.audit = append(m.audit, *e)
	return nil
}

func (m *memStore) actions() []string {
	var out []string
	for _, e := range m.audit {
		out = append(out, e.Action)
	}
	return out
}

type grants struct{}

func (grants) Grants(context.Context) (staff.Grants, error) {
	return staff.Grants{{Role: staff.RolePostOperator, Permission: staff.PermLettersPrint}, {Role: staff.RolePostOperator, Permission: staff.PermLettersDispatch}}, nil
}

type sessions struct{ changed []string }

func (s *sessions) AccountChanged(_ context.Context, id string) error {
	s.changed = append(s.changed, id)
	return nil
}

// limiter allows max takes per rule and subject.
type limiter struct{ n map[string]int }

func (l *limiter) Take(_ context.Context, r throttle.Rule, subject string) error {
	if l.n == nil {
		l.n = map[string]int{}
	}
	l.n[r.Name+subject]++
	if l.n[r.Name+subject] > r.Max {
		return problem.New(problem.TooMany, r.Message)
	}
	return nil
}

type notifier struct{ sent []message.Notification }

func (n *notifier) Send(_ context.Context, m message.Notification) error {
	n.sent = append(n.sent, m)
	return nil
}

type links struct{}

func (links) Account() string { return "https://kabinet.example/account" }
func (links) LetterCode(code string) string {
	return "https://kabinet.example/account/letter?code=" + code
}

type regions struct{}

func (regions) HasRegion(code string) bool { return code == "40" || code == "77" }

type env struct {
	st    *memStore
	svc   *letter.Service
	now   time.Time
	sess  *sessions
	notes *notifier
	lim   *limiter
}

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{st: newMem(), now: t0, sess: &sessions{}, notes: &notifier{}, lim: &limiter{}}
	e.st.accounts["acc"] = &account.Account{ID: "acc", Level: account.Standard, Status: account.Active, Name: "Иван", Surname: "Иванов",
		Phone: contact.Phone("+79001234567"), Lang: "ru"}
	e.st.verified["acc"] = person.Identity{Surname: "Иванов", Name: "Иван", Patronymic: "Иванович"}
	n := 0
	e.svc = letter.New(letter.Deps{Store: e.st, Grants: grants{}, Sessions: e.sess, Limiter: e.lim, Notifier: e.notes, Links: links{},
		Hasher: otp.NewHasher(bytes.Repeat([]byte{7}, 32)), Regions: regions{}, Site: "kabinet.example",
		Now: func() time.Time { return e.now }, Rand: rand.Reader,
		NewID: func() (string, error) { n++; return fmt.Sprintf("id%d", n), nil }})
	return e
}

var home = address.Address{Region: "40", Locality: "Калуга", Street: "ул. Кирова", House: "1", Flat: "5", Postcode: "248000"}

var postOperator = staff.Actor{Member: &staff.Member{ID: "post1", Roles: []string{staff.RolePostOperator}}, IP: "10.0.0.9", RequestID: "r1"}

var citizen = session.Client{IP: "10.0.0.1", RequestID: "req"}

func kind(err error) problem.Kind { return problem.KindOf(err) }

func messageID(err error) string {
	p, ok := problem.As(err)
	if !ok {
		return ""
	}
	if len(p.Fields) > 0 {
		return p.Fields[0].Message.ID
	}
	return p.Message.ID
}

// print prints the waiting letters and returns the code of the account's.
func (e *env) print(t *testing.T, accountID string) string {
	t.Helper()
	_, sheets, err := e.svc.Print(context.Background(), postOperator, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sheets {
		if s.Letter.AccountID == accountID {
			return s.Code
		}
	}
	t.Fatalf("no sheet for %s", accountID)
	return ""
}

// TestLetterJourney: a standard citizen orders a letter; it waits until a
// post operator prints it with a code that only the sheet carries; the
// batch is sent; the code, typed loosely, confirms the account, records
// the method, refreshes the sessions, tells the citizen and audits every
// step; the letter cannot be used again.
func TestLetterJourney(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	l, err := e.svc.Order(ctx, "acc", home, citizen)
	if err != nil {
		t.Fatal(err)
	}
	if l.Status != letter.Ordered || l.Recipient != "Иванов Иван Иванович" || l.Address.Street != "ул. Кирова" || l.CodeHash != nil {
		t.Fatalf("ordered: %+v", l)
	}
	if err := e.svc.EnterCode(ctx, "acc", "ACEF-GHJK-MN", citizen); messageID(err) != "letter.not_printed" {
		t.Fatalf("a code before printing: %v", err)
	}
	if n, err := e.svc.Pending(ctx, postOperator); err != nil || n != 1 {
		t.Fatalf("pending %d %v", n, err)
	}
	e.now = e.now.Add(time.Hour)
	b, sheets, err := e.svc.Print(ctx, postOperator, 100)
	if err != nil || len(sheets) != 1 || b.Letters != 1 {
		t.Fatalf("print: %+v %v %v", b, sheets, err)
	}
	sheet := sheets[0]
	if len(sheet.Code) != letter.CodeLen+2 || !strings.HasSuffix(sheet.Link, sheet.Code) || sheet.Letter.Status != letter.Printed ||
		!sheet.Letter.ExpiresAt.Equal(e.now.Add(letter.DefaultValidity)) {
		t.Fatalf("sheet: %+v", sheet)
	}
	stored, _ := e.st.Letter(ctx, l.ID)
	if bytes.Contains(stored.CodeHash, []byte(strings.ReplaceAll(sheet.Code, "-", ""))) || len(stored.CodeHash) != 32 {
		t.Fatal("the code is kept in the clear")
	}
	if _, _, err := e.svc.Print(ctx, postOperator, 100); messageID(err) != "letter.nothing_to_print" {
		t.Fatalf("printing again: %v", err)
	}
	if _, err := e.svc.MarkSent(ctx, postOperator, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.MarkSent(ctx, postOperator, b.ID); messageID(err) != "letter.batch_sent" {
		t.Fatalf("sent twice: %v", err)
	}
	e.now = e.now.Add(14 * 24 * time.Hour)
	typed := strings.ToLower(strings.ReplaceAll(sheet.Code, "-", " ")) // as people type it
	if err := e.svc.EnterCode(ctx, "acc", typed, citizen); err != nil {
		t.Fatal(err)
	}
	if e.st.accounts["acc"].Level != account.Confirmed || e.st.confirmed["acc"] != letter.MethodLetter || !slices.Equal(e.sess.changed, []string{"acc"}) {
		t.Fatalf("after the code: level %s, method %q, sessions %v", e.st.accounts["acc"].Level, e.st.confirmed["acc"], e.sess.changed)
	}
	if len(e.notes.sent) != 1 || e.notes.sent[0].Data.Template() != "confirmed_by_letter" {
		t.Fatalf("told: %+v", e.notes.sent)
	}
	if err := e.svc.EnterCode(ctx, "acc", sheet.Code, citizen); messageID(err) != "letter.already_confirmed" {
		t.Fatalf("the code again: %v", err)
	}
	want := []string{"letter.ordered", "letter.printed", "letters.batch_printed", "letters.batch_sent", "letter.confirmed"}
	if got := e.st.actions(); !slices.Equal(got, want) {
		t.Fatalf("audit %q, want %q", got, want)
	}
	if ev := e.st.audit[1]; ev.ActorKind != audit.ActorStaff || ev.ActorRole != staff.RolePostOperator || ev.SubjectAccountID != "acc" {
		t.Errorf("printing audited as %+v", ev)
	}
}

// TestWrongCodes: wrong codes count against the letter and lock it at
// MaxWrong; a code of the wrong form is not counted; an expired code
// does not work.
func TestWrongCodes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.Order(ctx, "acc", home, citizen); err != nil {
		t.Fatal(err)
	}
	code := e.print(t, "acc")
	for _, bad := range []string{"", "123", "ACEF-GHJK-M0", "АБВГДЕЖЗИК"} {
		if err := e.svc.EnterCode(ctx, "acc", bad, citizen); messageID(err) != "letter.code_format" {
			t.Errorf("%q: %v", bad, err)
		}
	}
	wrong := "ACEF-GHJK-MN"
	if wrong == code {
		wrong = "ACEF-GHJK-MP"
	}
	for i := 1; i <= letter.MaxWrong; i++ {
		err := e.svc.EnterCode(ctx, "acc", wrong, citizen)
		p, _ := problem.As(err)
		if p == nil || p.Kind != problem.Invalid || p.Fields[0].Field != "code" || p.Fields[0].Message.ID != "letter.code_wrong" {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	if err := e.svc.EnterCode(ctx, "acc", code, citizen); messageID(err) != "letter.locked" {
		t.Fatalf("the right code after locking: %v", err)
	}
	if e.st.accounts["acc"].Level != account.Standard {
		t.Fatal("confirmed by a locked letter")
	}

	// The next day a new letter; its code expires after the validity.
	e.now = e.now.Add(25 * time.Hour)
	if _, err := e.svc.Order(ctx, "acc", home, citizen); err != nil {
		t.Fatal(err)
	}
	code = e.print(t, "acc")
	e.now = e.now.Add(letter.DefaultValidity)
	if err := e.svc.EnterCode(ctx, "acc", code, citizen); messageID(err) != "letter.expired" {
		t.Fatalf("an expired code: %v", err)
	}
}

// TestCodeLimit: entries a day per account are capped whatever the
// letter, before any is compared.
func TestCodeLimit(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.lim.n = map[string]int{"letter.codeacc": letter.CodeLimit.Max}
	if err := e.svc.EnterCode(ctx, "acc", "ACEF-GHJK-MN", citizen); kind(err) != problem.TooMany {
		t.Fatalf("over the daily cap: %v", err)
	}
}

// TestReorder: a new order replaces the letter in play (its code stops
// working); orders are limited to one a day and four in 30 days; the
// citizen can cancel; only a standard account may order.
func TestReorder(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	first, err := e.svc.Order(ctx, "acc", home, citizen)
	if err != nil {
		t.Fatal(err)
	}
	oldCode := e.print(t, "acc")
	if _, err := e.svc.Order(ctx, "acc", home, citizen); kind(err) != problem.TooMany || messageID(err) != "letter.order_rate_limited" {
		t.Fatalf("a second order the same day: %v", err)
	}
	v, err := e.svc.Current(ctx, "acc")
	if err != nil || !v.NextOrder.Equal(first.OrderedAt.Add(24*time.Hour)) || v.Letter.Status != letter.Printed {
		t.Fatalf("current: %+v %v", v, err)
	}
	for i := 1; i <= 3; i++ {
		e.now = e.now.Add(24 * time.Hour)
		if _, err := e.svc.Order(ctx, "acc", home, citizen); err != nil {
			t.Fatalf("order %d: %v", i+1, err)
		}
	}
	e.now = e.now.Add(24 * time.Hour)
	if _, err := e.svc.Order(ctx, "acc", home, citizen); messageID(err) != "letter.order_rate_limited" {
		t.Fatalf("a fifth order in 30 days: %v", err)
	}
	if old, _ := e.st.Letter(ctx, first.ID); old.Status != letter.Replaced {
		t.Fatalf("the first letter: %s", old.Status)
	}
	code := e.print(t, "acc")
	if err := e.svc.EnterCode(ctx, "acc", oldCode, citizen); messageID(err) != "letter.code_wrong" {
		t.Fatalf("the replaced letter's code: %v", err)
	}
	if err := e.svc.Cancel(ctx, "acc", citizen); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.EnterCode(ctx, "acc", code, citizen); messageID(err) != "letter.none" {
		t.Fatalf("a cancelled letter's code: %v", err)
	}
	if err := e.svc.Cancel(ctx, "acc", citizen); messageID(err) != "letter.none" {
		t.Fatalf("cancel with none: %v", err)
	}

	// Confirmed in person meanwhile: the letter in play is voided in that
	// transaction.
	e.now = e.now.Add(30 * 24 * time.Hour)
	if _, err := e.svc.Order(ctx, "acc", home, citizen); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.ConfirmedElsewhere(ctx, "acc", e.now); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.svc.Current(ctx, "acc"); v.Letter != nil {
		t.Fatalf("after confirming elsewhere: %+v", v.Letter)
	}
	if last := e.st.audit[len(e.st.audit)-1]; last.Action != "letter.replaced" || last.Reason != "confirmed" || last.ActorKind != audit.ActorSystem {
		t.Fatalf("audited %+v", last)
	}

	e.st.accounts["simple"] = &account.Account{ID: "simple", Level: account.Simplified, Status: account.Active}
	if _, err := e.svc.Order(ctx, "simple", home, citizen); messageID(err) != "letter.not_verified" {
		t.Fatalf("a simplified account: %v", err)
	}
	if _, err := e.svc.Order(ctx, "acc", address.Address{Region: "99", Locality: ""}, citizen); kind(err) != problem.Invalid {
		t.Fatalf("a bad address: %v", err)
	}
	noPostcode := home
	noPostcode.Postcode = ""
	_, err = e.svc.Order(ctx, "acc", noPostcode, citizen)
	if pe, ok := problem.As(err); !ok || len(pe.Fields) != 1 || pe.Fields[0].Field != "address.postcode" || pe.Fields[0].Message.ID != "letter.postcode_required" {
		t.Fatalf("an address without a postcode: %v", err)
	}
}

// TestReprintAndReturn: a batch not yet sent can be printed again with
// new codes (the old stop working); a sent letter returned tells the
// citizen and its code keeps working; only a post operator may do any of
// it.
func TestReprintAndReturn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.Order(ctx, "acc", home, citizen); err != nil {
		t.Fatal(err)
	}
	b, sheets, err := e.svc.Print(ctx, postOperator, 10)
	if err != nil {
		t.Fatal(err)
	}
	_, again, err := e.svc.Reprint(ctx, postOperator, b.ID)
	if err != nil || len(again) != 1 || again[0].Code == sheets[0].Code {
		t.Fatalf("reprint: %+v %v", again, err)
	}
	if _, err := e.svc.MarkReturned(ctx, postOperator, sheets[0].Letter.ID); messageID(err) != "letter.not_sent" {
		t.Fatalf("returned before sent: %v", err)
	}
	if _, err := e.svc.MarkSent(ctx, postOperator, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.Reprint(ctx, postOperator, b.ID); messageID(err) != "letter.batch_sent" {
		t.Fatalf("reprint after sending: %v", err)
	}
	if _, err := e.svc.MarkReturned(ctx, postOperator, sheets[0].Letter.ID); err != nil {
		t.Fatal(err)
	}
	if len(e.notes.sent) != 1 || e.notes.sent[0].Data.Template() != "letter_returned" {
		t.Fatalf("told: %+v", e.notes.sent)
	}
	if err := e.svc.EnterCode(ctx, "acc", sheets[0].Code, citizen); messageID(err) != "letter.code_wrong" {
		t.Fatalf("the first print's code: %v", err)
	}
	if err := e.svc.EnterCode(ctx, "acc", again[0].Code, citizen); err != nil {
		t.Fatalf("the returned letter's code: %v", err)
	}

	if bs, err := e.svc.Batches(ctx, postOperator, 10); err != nil || len(bs) != 1 || bs[0].ID != b.ID || bs[0].SentAt.IsZero() {
		t.Fatalf("batches: %+v %v", bs, err)
	}
	if _, ls, err := e.svc.BatchLetters(ctx, postOperator, b.ID); err != nil || len(ls) != 1 || ls[0].Recipient != "Иванов Иван Иванович" {
		t.Fatalf("batch letters: %+v %v", ls, err)
	}
	operator := staff.Actor{Member: &staff.Member{ID: "op", Roles: []string{staff.RoleOperator}}}
	if _, _, err := e.svc.Print(ctx, operator, 10); kind(err) != problem.Forbidden {
		t.Fatalf("a center operator printing: %v", err)
	}
	if _, err := e.svc.MarkSent(ctx, operator, b.ID); kind(err) != problem.Forbidden {
		t.Fatalf("a center operator sending: %v", err)
	}
	if _, err := e.svc.Batches(ctx, operator, 10); kind(err) != problem.Forbidden {
		t.Fatalf("a center operator listing batches: %v", err)
	}
	if _, _, err := e.svc.BatchLetters(ctx, operator, b.ID); kind(err) != problem.Forbidden {
		t.Fatalf("a center operator viewing a batch: %v", err)
	}
}

// TestCodes: codes are CodeLen characters of the alphabet, formatted in
// three groups, read back from what people type.
func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c, err := letter.NewCode(rand.Reader)
		if err != nil || len(c) != letter.CodeLen || strings.Trim(c, letter.CodeAlphabet) != "" {
			t.Fatalf("code %q %v", c, err)
		}
		seen[c] = true
		if got, ok := letter.NormalizeCode(strings.ToLower(letter.FormatCode(c))); !ok || got != c {
			t.Fatalf("%q read back as %q %v", letter.FormatCode(c), got, ok)
		}
	}
	if len(seen) < 200 {
		t.Fatal("codes repeat")
	}
	for in, want := range map[string]string{
		"7KQ4-M9TX-2P":   "", // Q is not in the alphabet
		"ACEF GHJK MN":   "ACEFGHJKMN",
		"асеf-ghjk-mn":   "ACEFGHJKMN", // Cyrillic а, с, е
		" 3467 9ACE FG ": "34679ACEFG",
		"34679ACEFGH":    "",
	} {
		got, ok := letter.NormalizeCode(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeCode(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}
