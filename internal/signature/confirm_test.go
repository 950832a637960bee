package signature_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/signature"
)

// TestConfirmEachAlgorithm: a good signature of each algorithm over the
// current statement confirms the account — trusting the head CA, or the
// accredited CA alone — records the method, uses the statement, voids a
// letter in play (Elsewhere), refreshes the sessions, tells the citizen,
// and leaves one audit record.
func TestConfirmEachAlgorithm(t *testing.T) {
	for _, c := range []struct{ alg, trust, wantAlg string }{
		{"gost256", "inter", "gost2012-256"},
		{"gost512", "root", "gost2012-512"},
		{"rsa2048", "root", "rsa"},
		{"ecdsaP256", "inter", "ecdsa"},
	} {
		t.Run(c.alg, func(t *testing.T) {
			e := newEnv(t, c.alg, c.trust)
			ctx := context.Background()
			st := e.statement(t)
			res, err := e.svc.Confirm(ctx, "acc", e.p.sign(t, "good", st.Bytes()), citizen)
			if err != nil {
				t.Fatal(err)
			}
			if res.Holder != "Иванов Иван Иванович" || res.Issuer != "Тестовый УЦ 2" || res.Algorithm != c.wantAlg || res.Serial == "" ||
				!res.ConfirmedAt.Equal(e.now) || !res.NotAfter.After(e.now) || !res.NotBefore.Before(e.now) {
				t.Errorf("result %+v", res)
			}
			if e.st.accounts["acc"].Level != account.Confirmed || e.st.confirmed["acc"] != signature.MethodSignature {
				t.Fatalf("level %s, method %q", e.st.accounts["acc"].Level, e.st.confirmed["acc"])
			}
			if !slices.Equal(e.else_.calls, []string{"acc"}) || !slices.Equal(e.sess.changed, []string{"acc"}) {
				t.Errorf("elsewhere %v, sessions %v", e.else_.calls, e.sess.changed)
			}
			if len(e.notes.sent) != 1 || e.notes.sent[0].Data.Template() != "confirmed_by_signature" || e.notes.sent[0].To != "+79001234567" {
				t.Errorf("told %+v", e.notes.sent)
			}
			if got := e.st.actions("signature."); !slices.Equal(got, []string{"signature.confirmed"}) {
				t.Fatalf("audit %q", got)
			}
			ev := e.st.last("signature.confirmed")
			if ev.ActorKind != audit.ActorCitizen || ev.SubjectAccountID != "acc" || ev.IP != citizen.IP ||
				ev.Details["serial"] != res.Serial || ev.Details["issuer"] != "Тестовый УЦ 2" || ev.Details["algorithm"] != c.wantAlg {
				t.Errorf("audited %+v", ev)
			}
			if last, _ := e.st.LatestStatement(ctx, "acc"); !last.Used() {
				t.Error("the statement is not marked used")
			}
			if _, err := e.svc.Confirm(ctx, "acc", e.p.sign(t, "good", st.Bytes()), citizen); messageID(err) != "signature.already_confirmed" {
				t.Errorf("again: %v", err)
			}
			if _, err := e.svc.Statement(ctx, "acc"); messageID(err) != "signature.already_confirmed" {
				t.Errorf("a statement once confirmed: %v", err)
			}
		})
	}
}

// TestRejections: each signature kabinet must refuse, with a reason the
// citizen can act on, audited signature.rejected with that reason; the
// account stays standard and no letter is voided.
func TestRejections(t *testing.T) {
	tamper := func(b []byte) []byte {
		b = bytes.Clone(b)
		i := bytes.Index(b, []byte("СНИЛС 112")) + len("СНИЛС 11")
		b[i] = '9'
		return b
	}
	type tc struct {
		name   string
		signer string
		// content and upload make the statement signed and the upload
		// from the current statement's bytes and the signature (nil: as is).
		content func([]byte) []byte
		upload  func([]byte) []byte
		before  func(*env)             // before the statement is issued
		setup   func(*testing.T, *env) // after the upload is made
		kind    problem.Kind
		id      string
		reason  string // audited; "" for the ID's last part
	}
	cases := []tc{
		{name: "tampered statement", signer: "good", content: tamper, kind: problem.Invalid, id: "signature.reason.content_mismatch"},
		{name: "another text signed", signer: "good", content: func([]byte) []byte { return []byte("Заявление\n") }, kind: problem.Invalid, id: "signature.reason.content_mismatch"},
		{name: "another person's certificate", signer: "other", kind: problem.Invalid, id: "signature.snils_mismatch"},
		{name: "wrong SNILS", signer: "wrongsnils", kind: problem.Invalid, id: "signature.snils_mismatch"},
		{name: "no SNILS", signer: "nosnils", kind: problem.Invalid, id: "signature.snils_mismatch"},
		{name: "wrong name", signer: "wrongname", kind: problem.Invalid, id: "signature.name_mismatch"},
		{name: "expired certificate", signer: "expired", kind: problem.Invalid, id: "signature.reason.expired"},
		{name: "revoked certificate", signer: "revoked", kind: problem.Invalid, id: "signature.reason.revoked"},
		{name: "untrusted CA", signer: "evil", kind: problem.Invalid, id: "signature.reason.untrusted"},
		{name: "CRL cannot be fetched, none uploaded", signer: "good", setup: func(_ *testing.T, e *env) { e.fetch.down = true },
			kind: problem.Unavailable, id: "signature.reason.crl_unavailable"},
		{name: "stale CRL at the distribution point, none uploaded", signer: "good",
			before: func(e *env) { e.now = e.p.t0.AddDate(0, 0, 31) },
			kind:   problem.Unavailable, id: "signature.reason.crl_unavailable"},
		{name: "garbage", signer: "good", upload: func([]byte) []byte { return []byte("<html>не подпись</html>") }, kind: problem.Invalid, id: "signature.reason.malformed"},
		{name: "truncated", signer: "good", upload: func(b []byte) []byte { return b[:len(b)*2/3] }, kind: problem.Invalid, id: "signature.reason.malformed"},
		{name: "empty", signer: "good", upload: func([]byte) []byte { return nil }, kind: problem.Invalid, id: "signature.empty", reason: "empty"},
		{name: "too large", signer: "good", upload: func(b []byte) []byte { return append(b, make([]byte, signature.MaxUpload)...) },
			kind: problem.Invalid, id: "signature.too_large", reason: "too_large"},
		{name: "expired statement", signer: "good", setup: func(_ *testing.T, e *env) { e.now = e.now.Add(signature.StatementValidity) },
			kind: problem.Conflict, id: "signature.statement_expired"},
		{name: "verified data changed since", signer: "good", setup: func(_ *testing.T, e *env) {
			p := ivanov
			p.Patronymic = "Петрович"
			e.st.verified["acc"] = p
		}, kind: problem.Conflict, id: "signature.statement_outdated"},
		{name: "no trusted CA", signer: "good", setup: func(t *testing.T, e *env) {
			for _, ca := range e.st.cas {
				if err := e.svc.RemoveCA(context.Background(), admin, ca.ID); err != nil {
					t.Fatal(err)
				}
			}
		}, kind: problem.Unavailable, id: "signature.unavailable", reason: "unavailable"},
	}
	for _, alg := range algorithms {
		t.Run(alg, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					e := newEnv(t, alg, "root")
					ctx := context.Background()
					if c.before != nil {
						c.before(e)
					}
					st := e.statement(t)
					content := st.Bytes()
					if c.content != nil {
						content = c.content(content)
					}
					upload := e.p.sign(t, c.signer, content)
					if c.upload != nil {
						upload = c.upload(upload)
					}
					if c.setup != nil {
						c.setup(t, e)
					}
					_, err := e.svc.Confirm(ctx, "acc", upload, citizen)
					if kind(err) != c.kind || messageID(err) != c.id {
						t.Fatalf("Confirm: %v; want %s %s", err, c.kind, c.id)
					}
					if e.st.accounts["acc"].Level != account.Standard || len(e.else_.calls) != 0 || len(e.notes.sent) != 0 {
						t.Fatal("a refused signature changed the account")
					}
					want := c.reason
					if want == "" {
						want = c.id[strings.LastIndexByte(c.id, '.')+1:]
					}
					ev := e.st.last("signature.rejected")
					if got := e.st.actions("signature."); len(got) != 1 || ev.Details["reason"] != want || ev.SubjectAccountID != "acc" || ev.IP != citizen.IP {
						t.Fatalf("audit %q %+v; want one signature.rejected with reason %s", got, ev, want)
					}
				})
			}
		})
	}
}

// TestUploadedCRL: when the CA's distribution point cannot be reached,
// the CRL an administrator uploaded is used while it is valid; garbage,
// a CRL of an untrusted CA, a stale one and an older one are refused.
func TestUploadedCRL(t *testing.T) {
	e := newEnv(t, "ecdsaP256", "inter")
	ctx := context.Background()
	e.fetch.down = true
	st := e.statement(t)
	upload := e.p.sign(t, "good", st.Bytes())
	if _, err := e.svc.Confirm(ctx, "acc", upload, citizen); messageID(err) != "signature.reason.crl_unavailable" {
		t.Fatalf("no CRL anywhere: %v", err)
	}
	for _, c := range []struct {
		name string
		who  func() error
		kind problem.Kind
		id   string
	}{
		{"garbage", func() error { _, err := e.svc.UploadCRL(ctx, admin, []byte("garbage")); return err }, problem.Invalid, "trust.crl_unreadable"},
		{"empty", func() error { _, err := e.svc.UploadCRL(ctx, admin, nil); return err }, problem.Invalid, "trust.crl_unreadable"},
		{"the head CA's, not trusted", func() error { _, err := e.svc.UploadCRL(ctx, admin, e.p.rootCRL); return err }, problem.Invalid, "trust.crl_untrusted"},
		{"by an operator", func() error { _, err := e.svc.UploadCRL(ctx, operator, e.p.interCRL); return err }, problem.Forbidden, "staff.forbidden"},
	} {
		if err := c.who(); kind(err) != c.kind || messageID(err) != c.id {
			t.Errorf("%s: %v, want %s %s", c.name, err, c.kind, c.id)
		}
	}
	crl, err := e.svc.UploadCRL(ctx, admin, e.p.interCRL)
	if err != nil {
		t.Fatal(err)
	}
	if crl.Issuer != "Тестовый УЦ 2" || crl.Entries != 1 || crl.CAID == "" || crl.UploadedBy != "adm1" || !crl.NextUpdate.After(e.now) {
		t.Errorf("uploaded %+v", crl)
	}
	if _, err := e.svc.UploadCRL(ctx, admin, e.p.interCRL); kind(err) != problem.Conflict || messageID(err) != "trust.crl_not_newer" {
		t.Errorf("the same CRL again: %v", err)
	}
	if list, err := e.svc.CRLs(ctx, admin); err != nil || len(list) != 1 || list[0].IssuerKey != crl.IssuerKey {
		t.Errorf("CRLs: %+v %v", list, err)
	}
	if ev := e.st.last("trust.crl_uploaded"); ev == nil || ev.ActorRole != "administrator" || ev.Details["entries"] != "1" || ev.Details["issuer"] != "Тестовый УЦ 2" {
		t.Errorf("audited %+v", ev)
	}
	if _, err := e.svc.Confirm(ctx, "acc", upload, citizen); err != nil {
		t.Fatalf("with the uploaded CRL: %v", err)
	}

	// The distribution point answers with something that is no CRL (a
	// proxy's error page): the uploaded CRL is used.
	e3 := newEnv(t, "rsa2048", "inter")
	e3.fetch.byCN["Тестовый УЦ 2"] = []byte("<html>502 Bad Gateway</html>")
	if _, err := e3.svc.UploadCRL(ctx, admin, e3.p.interCRL); err != nil {
		t.Fatal(err)
	}
	st = e3.statement(t)
	if _, err := e3.svc.Confirm(ctx, "acc", e3.p.sign(t, "good", st.Bytes()), citizen); err != nil {
		t.Fatalf("a garbled CRL at the distribution point, a good one uploaded: %v", err)
	}

	// Once the uploaded CRL is stale it is no longer used, nor accepted.
	e2 := newEnv(t, "ecdsaP256", "inter")
	if _, err := e2.svc.UploadCRL(ctx, admin, e2.p.interCRL); err != nil {
		t.Fatal(err)
	}
	e2.fetch.down = true
	e2.now = e2.p.t0.AddDate(0, 0, 31)
	st = e2.statement(t)
	if _, err := e2.svc.Confirm(ctx, "acc", e2.p.sign(t, "good", st.Bytes()), citizen); messageID(err) != "signature.reason.crl_unavailable" {
		t.Fatalf("with a stale uploaded CRL: %v", err)
	}
	if _, err := e2.svc.UploadCRL(ctx, admin, e2.p.interCRL); messageID(err) != "trust.crl_stale" {
		t.Fatalf("uploading a stale CRL: %v", err)
	}
}

// TestStatement: the same statement, byte for byte, until it expires or
// the verified data changes; then a new one with a new nonce. Its text
// names the person, SNILS, nonce, date and site, Russian then English.
func TestStatement(t *testing.T) {
	e := newEnv(t, "ecdsaP256")
	ctx := context.Background()
	first := e.statement(t)
	b := first.Bytes()
	e.now = e.now.Add(time.Hour)
	again := e.statement(t)
	if again.Nonce != first.Nonce || !bytes.Equal(again.Bytes(), b) || !bytes.Equal(first.Bytes(), b) {
		t.Fatal("the statement changed between downloads")
	}
	text := string(b)
	for _, want := range []string{"ЗАЯВЛЕНИЕ\n", "Я, Иванов Иван Иванович, СНИЛС 112-233-445 95, подтверждаю", "на портале kabinet.example",
		"Код заявления: " + first.Nonce + "\n", "Дата: " + first.IssuedAt.In(time.FixedZone("MSK", 3*3600)).Format("02.01.2006") + "\n",
		"\nSTATEMENT\n", "I, Иванов Иван Иванович, SNILS 112-233-445 95, confirm", "Statement code: " + first.Nonce + "\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("the statement lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "\r") || strings.Index(text, "STATEMENT") < strings.Index(text, "ЗАЯВЛЕНИЕ") || !strings.HasSuffix(text, "\n") {
		t.Errorf("line endings or order:\n%q", text)
	}
	if len(first.Nonce) < 26 || strings.Trim(first.Nonce, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") != "" {
		t.Errorf("nonce %q: want at least 128 bits, printable", first.Nonce)
	}
	if name := first.FileName(); name != "statement-"+strings.ToLower(first.Nonce[:8])+".txt" {
		t.Errorf("file name %q", name)
	}

	// The verified data changes: the stored statement keeps its bytes (it
	// is a snapshot); the next download is a new statement.
	changed := ivanov
	changed.Surname = "Иванова-Петрова"
	e.st.verified["acc"] = changed
	stored, err := e.st.LatestStatement(ctx, "acc")
	if err != nil || !bytes.Equal(stored.Bytes(), b) {
		t.Fatal("the verified data's change changed the statement's bytes")
	}
	renewed := e.statement(t)
	if renewed.Nonce == first.Nonce || !strings.Contains(string(renewed.Bytes()), "Иванова-Петрова Иван Иванович") {
		t.Fatalf("after the change: %s", renewed.Bytes())
	}
	// Expired: a new one.
	e.now = e.now.Add(signature.StatementValidity)
	if next := e.statement(t); next.Nonce == renewed.Nonce || !next.ExpiresAt.Equal(e.now.Add(signature.StatementValidity)) {
		t.Fatalf("after expiry: %+v", next)
	}
	if n := len(e.st.statements); n != 3 {
		t.Errorf("%d statements issued, want 3", n)
	}
}

// TestEligibility: only a standard account with verified data may have a
// statement or confirm; a statement must exist before an upload; uploads
// are limited per day.
func TestEligibility(t *testing.T) {
	e := newEnv(t, "ecdsaP256", "root")
	ctx := context.Background()
	e.st.accounts["simple"] = &account.Account{ID: "simple", Level: account.Simplified, Status: account.Active}
	e.st.accounts["unverified"] = &account.Account{ID: "unverified", Level: account.Standard, Status: account.Active}
	e.st.accounts["done"] = &account.Account{ID: "done", Level: account.Confirmed, Status: account.Active}
	for _, c := range []struct{ acc, id string }{
		{"simple", "signature.not_verified"}, {"unverified", "signature.not_verified"}, {"done", "signature.already_confirmed"},
	} {
		if _, err := e.svc.Statement(ctx, c.acc); kind(err) != problem.Conflict || messageID(err) != c.id {
			t.Errorf("Statement(%s): %v, want %s", c.acc, err, c.id)
		}
		if _, err := e.svc.Confirm(ctx, c.acc, []byte("x"), citizen); kind(err) != problem.Conflict || messageID(err) != c.id {
			t.Errorf("Confirm(%s): %v, want %s", c.acc, err, c.id)
		}
	}
	// No statement downloaded yet.
	upload := e.p.sign(t, "good", []byte("что-то\n"))
	if _, err := e.svc.Confirm(ctx, "acc", upload, citizen); kind(err) != problem.Conflict || messageID(err) != "signature.no_statement" {
		t.Errorf("no statement: %v", err)
	}
	// The daily limit, before anything is read.
	for i := 1; i < signature.UploadLimit.Max; i++ {
		if _, err := e.svc.Confirm(ctx, "acc", nil, citizen); messageID(err) != "signature.empty" {
			t.Fatalf("upload %d: %v", i+1, err)
		}
	}
	if _, err := e.svc.Confirm(ctx, "acc", upload, citizen); kind(err) != problem.TooMany || messageID(err) != "signature.upload_rate_limited" {
		t.Fatalf("over the limit: %v", err)
	}
	if n := len(e.st.actions("signature.rejected")); n != signature.UploadLimit.Max {
		t.Errorf("%d rejections audited, want %d (the limited upload is not one)", n, signature.UploadLimit.Max)
	}
}

// TestNameMatching: surname and given names compared without regard to
// case, ё and runs of spaces; the common name only without them.
func TestNameMatching(t *testing.T) {
	p := getPKI(t, "rsa2048")
	for _, c := range []struct {
		signer string
		who    signature.Person
		ok     bool
	}{
		{"good", ivanov, true},
		{"upper", ivanov, true},
		{"cnonly", ivanov, true},
		{"wrongname", ivanov, false},
		{"good", signature.Person{Surname: "Иванов", Name: "Иван", SNILS: wantSNILS}, false}, // no patronymic verified
		{"good", signature.Person{Surname: "ИВАНОВ", Name: "иван", Patronymic: "ИВАНОВИЧ", SNILS: wantSNILS}, true},
	} {
		e := newEnv(t, "rsa2048", "root")
		e.st.verified["acc"] = c.who
		st := e.statement(t)
		_, err := e.svc.Confirm(context.Background(), "acc", p.sign(t, c.signer, st.Bytes()), citizen)
		if (err == nil) != c.ok || (err != nil && messageID(err) != "signature.name_mismatch") {
			t.Errorf("%s as %+v: %v, want match %v", c.signer, c.who, err, c.ok)
		}
	}
	for _, c := range []struct{ a, b string }{{"Семёнов", "СЕМЕНОВ"}, {"Семе\u0308нов", "семенов"}, {" Анна  Мария ", "анна мария"}} {
		if !signature.FoldForTest(c.a, c.b) {
			t.Errorf("%q and %q differ", c.a, c.b)
		}
	}
}

// TestStatementNotReused: once a new statement is issued, a signature
// over the one before does not confirm; one over the new one does.
func TestStatementNotReused(t *testing.T) {
	e := newEnv(t, "ecdsaP256", "root")
	ctx := context.Background()
	old := e.statement(t)
	e.now = e.now.Add(signature.StatementValidity + time.Minute)
	fresh := e.statement(t)
	if _, err := e.svc.Confirm(ctx, "acc", e.p.sign(t, "good", old.Bytes()), citizen); messageID(err) != "signature.reason.content_mismatch" {
		t.Fatalf("a signature over the expired statement: %v", err)
	}
	if _, err := e.svc.Confirm(ctx, "acc", e.p.sign(t, "good", fresh.Bytes()), citizen); err != nil {
		t.Fatalf("over the fresh one: %v", err)
	}
}
