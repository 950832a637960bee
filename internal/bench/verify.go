package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/jobs"
	"github.com/kabinet/kabinet/internal/loadgen"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/profile"
	"github.com/kabinet/kabinet/internal/session"
)

// snilsOf is a valid SNILS made from n (distinct n, distinct SNILS), above
// the numbers issued without a checksum.
func snilsOf(n int) document.SNILS {
	nine := fmt.Sprintf("%09d", 200_000_000+n%700_000_000)
	sum := 0
	for i, d := range nine {
		sum += int(d-'0') * (9 - i)
	}
	switch {
	case sum < 100:
	case sum == 100 || sum == 101:
		sum = 0
	default:
		if sum %= 101; sum == 100 {
			sum = 0
		}
	}
	return document.SNILS(nine + fmt.Sprintf("%02d", sum))
}

// prepareSNILSLogins gives every registered account verified personal data
// with a SNILS of its own, stored as a passed verification would store it,
// and the sign-in body that uses the SNILS as the login.
func (b *benchRun) prepareSNILSLogins(ctx context.Context) error {
	st := b.env.app.Store
	for i := range b.accounts {
		a := &b.accounts[i]
		acc, err := st.Accounts().AccountByPhone(ctx, contact.Phone(a.phone))
		if err != nil {
			return fmt.Errorf("bench: account %s: %w", a.phone, err)
		}
		s := snilsOf(i)
		if err := st.Profiles().SaveVerified(ctx, acc.ID, benchPerson(s, i), time.Now()); err != nil {
			return err
		}
		a.snilsLogin, _ = json.Marshal(map[string]string{"login": s.String(), "password": a.password})
	}
	return nil
}

// benchPerson is a citizen whom the demo's registry simulator takes as
// matching (it knows them not), with SNILS s and a passport numbered n.
func benchPerson(s document.SNILS, n int) profile.Data {
	return profile.Data{
		Identity: person.Identity{Surname: "Иванова", Name: "Анна", Patronymic: "Петровна", Gender: person.Female,
			BirthDate: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), BirthPlace: "г. Калуга", Citizenship: person.Russia},
		Passport: document.Passport{Series: "2910", Number: fmt.Sprintf("%06d", n%1_000_000), IssueDate: time.Date(2010, 2, 1, 0, 0, 0, 0, time.UTC),
			IssuedBy: "УМВД России по Калужской области", DivisionCode: "400-001"},
		SNILS: s,
	}
}

// signinSNILSOp is signinOp with the SNILS as the login.
func (b *benchRun) signinSNILSOp() loadgen.Op {
	url := b.env.baseURL + "/api/v1/sessions"
	return func(ctx context.Context, w *loadgen.Worker) error {
		a := &b.accounts[w.Global%int64(len(b.accounts))]
		return do(ctx, b.hc, request{method: "POST", url: url, route: "/api/v1/sessions", body: a.snilsLogin, xff: b.addrs.next(), want: http.StatusCreated}, nil)
	}
}

// completions tells waiters when the jobs they wait for have completed,
// from the runner's event stream. A job may complete before its waiter
// asks (a check finishes before Submit has returned): it is remembered.
type completions struct {
	mu      sync.Mutex
	waiters map[string]chan struct{}
	early   map[string]bool
	cancel  func()
}

func newCompletions(r *jobs.Runner) *completions {
	c := &completions{waiters: map[string]chan struct{}{}, early: map[string]bool{}}
	events, cancel := r.SubscribeCompleted()
	c.cancel = cancel
	go func() {
		for e := range events {
			var args struct {
				VerificationID string `json:"verification_id"`
				ID             string `json:"id"`
			}
			if json.Unmarshal(e.Args, &args) != nil {
				continue
			}
			id := args.VerificationID + args.ID
			c.mu.Lock()
			if ch, ok := c.waiters[id]; ok {
				close(ch)
				delete(c.waiters, id)
			} else {
				c.early[id] = true
			}
			c.mu.Unlock()
		}
	}()
	return c
}

// wait returns once the job of this verification or no-op ID has completed.
func (c *completions) wait(ctx context.Context, id string) error {
	c.mu.Lock()
	if c.early[id] {
		delete(c.early, id)
		c.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	c.waiters[id] = ch
	c.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.waiters, id)
		c.mu.Unlock()
		return ctx.Err()
	case <-time.After(time.Minute):
		return fmt.Errorf("job %s not completed within a minute", id)
	}
}

// verifyPool is the accounts the verify phase submits for, in turn: one
// account's next submission comes len(ids) operations later, when its last
// has long finished (a submission while one is pending would supersede
// it), and each may submit profile.SubmitLimit.Max a day.
type verifyPool struct {
	ids    []string
	serial atomic.Int64
}

// prepareVerify creates n accounts (directly in the store: the phase
// measures verification, not registration).
func (b *benchRun) prepareVerify(ctx context.Context, n int) (*verifyPool, error) {
	st := b.env.app.Store
	pool := &verifyPool{}
	now := time.Now()
	err := st.Transact(ctx, func(ctx context.Context) error {
		for i := range n {
			id := "bench-verify-" + strconv.Itoa(i)
			a := &account.Account{ID: id, Level: account.Simplified, Status: account.Active, Surname: "Иванова", Name: "Анна",
				Phone: contact.Phone(b.phones.next()), PasswordHash: "unused", Lang: "ru", PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
			if err := st.Accounts().CreateAccount(ctx, a); err != nil {
				return err
			}
			pool.ids = append(pool.ids, id)
		}
		return nil
	})
	return pool, err
}

// verifyOp submits personal data for a verification with both checks (a
// SNILS and a passport never seen before) and waits until its job has
// completed: the verification has passed, end to end through the queue,
// the simulator over HTTP (both registries) and the outcome's transaction.
func (b *benchRun) verifyOp(pool *verifyPool, done *completions) loadgen.Op {
	return func(ctx context.Context, w *loadgen.Worker) error {
		// A context of its own: the workers share theirs, and the store
		// tells a transaction's context from others by identity.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		n := pool.serial.Add(1)
		if n > int64(len(pool.ids)*profile.SubmitLimit.Max) {
			return errors.New("the verify phase's accounts have used up their submissions for the day: give fewer -queued or a shorter -duration")
		}
		id := pool.ids[n%int64(len(pool.ids))]
		out, err := b.env.app.Profile.Submit(ctx, profile.Submission{AccountID: id, Input: benchInput(int(n)), Client: session.Client{IP: b.addrs.next()}})
		if err != nil {
			return err
		}
		if !out.Started || len(out.Verification.Checks) != 2 {
			return fmt.Errorf("submission %d started %v with %d checks", n, out.Started, len(out.Verification.Checks))
		}
		if err := done.wait(ctx, out.Verification.ID); err != nil {
			return err
		}
		// Passed, not superseded nor failed: a verification that did not
		// run its checks must not count.
		rec, err := b.env.app.Profile.Get(ctx, id)
		if err != nil {
			return err
		}
		if rec.Latest == nil || rec.Latest.ID != out.Verification.ID || rec.Latest.State != profile.Passed {
			return fmt.Errorf("verification %s did not pass: %+v", out.Verification.ID, rec.Latest)
		}
		return nil
	}
}

// benchInput is benchPerson as the form types it.
func benchInput(n int) profile.Input {
	d := benchPerson(snilsOf(1_000_000+n), n)
	return profile.Input{
		IdentityInput: person.IdentityInput{Surname: d.Identity.Surname, Name: d.Identity.Name, Patronymic: d.Identity.Patronymic,
			Gender: string(d.Identity.Gender), BirthDate: d.Identity.BirthDate.Format("2006-01-02"), BirthPlace: d.Identity.BirthPlace,
			Citizenship: d.Identity.Citizenship},
		DocumentType: profile.PassportRF,
		Passport: document.PassportInput{Series: d.Passport.Series, Number: d.Passport.Number, IssueDate: d.Passport.IssueDate.Format("2006-01-02"),
			IssuedBy: d.Passport.IssuedBy, DivisionCode: d.Passport.DivisionCode},
		SNILS: d.SNILS.String(),
	}
}

// noopOp inserts a job that does nothing into the checks' queue and waits
// until it has completed: River's own throughput there.
func (b *benchRun) noopOp(done *completions) loadgen.Op {
	var serial atomic.Int64
	return func(ctx context.Context, w *loadgen.Worker) error {
		id := "noop-" + strconv.FormatInt(serial.Add(1), 10)
		if err := b.env.app.Jobs().Insert(ctx, jobs.NoopArgs{ID: id}); err != nil {
			return err
		}
		return done.wait(ctx, id)
	}
}
