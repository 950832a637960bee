package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/bench"
	"github.com/kabinet/kabinet/internal/smssim"
	"github.com/kabinet/kabinet/internal/testenv"
)

// The figures of issue 8 §4 that TestDeliveryAfterKill holds kabinet to.
const (
	crashConcurrency = 200             // phone registrations in flight at once in each wave
	crashWaves       = 4               // a kill ends each wave but the last
	crashEmails      = 10              // e-mail registrations per wave, beside the phones
	deliveryDeadline = 2 * time.Minute // from the last restart
)

// TestDeliveryAfterKill builds the kabinet binary, runs it against the SMS
// gateway simulator and mailpit, and drives waves of 200 concurrent
// registrations (each phone registered once), killing it with SIGKILL
// half-way through each of the first three waves, while registrations and
// deliveries are in flight, and restarting it on the same database. Every registration answered 201 (an acknowledged
// message) must reach the gateway or the mailbox within two minutes of the
// last restart, and the messages sent twice (repeated ids at the gateway,
// repeated Message-IDs in the mailbox) must not outnumber those whose
// delivery attempt was under way at a kill (status "sending"), which are
// fewer than those queued but unsent. On SQLite and PostgreSQL.
func TestDeliveryAfterKill(t *testing.T) {
	t.Parallel() // the verification tests, mostly waiting on timers, overlap it
	bin := buildKabinet(t)
	mail := testenv.StartMailpit(t)
	t.Run("sqlite", func(t *testing.T) { crashRun(t, bin, mail, "") })
	t.Run("postgres", func(t *testing.T) { crashRun(t, bin, mail, testenv.NewPostgresDatabase(t)) })
}

func crashRun(t *testing.T, bin string, mail *testenv.Mailpit, dbURL string) {
	began := time.Now()
	// The gateway answers 50 ms after it records a message, so a kill lands
	// between "delivered" and "recorded as sent" now and then, as in production.
	sim := smssim.New(smssim.Config{Token: "gw", ReplyDelay: 50 * time.Millisecond})
	gw := httptest.NewServer(sim)
	t.Cleanup(gw.Close)

	e := newCrashEnv(t, bin, dbURL,
		"KABINET_SMS_GATEWAY_URL="+gw.URL+"/send",
		"KABINET_SMS_GATEWAY_TOKEN=gw",
		"KABINET_SMTP_URL="+mail.SMTPURL(),
		"KABINET_MAIL_FROM=noreply@kabinet.test",
		// One test process stands for hundreds of clients: lift the
		// per-address and deployment-wide code limits.
		"KABINET_CODES_PER_IP_DAY=100000",
		"KABINET_CODES_PER_IP_5M=100000",
		"KABINET_SMS_BUDGET_PER_MINUTE=0",
		"KABINET_SMS_BUDGET_PER_HOUR=0",
		"KABINET_ARGON2_MEMORY_KIB=8192",
	)

	engine := "sqlite"
	if dbURL != "" {
		engine = "postgres"
	}
	var (
		mu       sync.Mutex
		acked    = map[string]bool{} // phone or e-mail → 201
		allMail  []string
		sending  int // attempts under way at the kills
		unsent   int // queued but unsent at the kills
		perPhone = crashConcurrency
	)
	n := e.start()
	for wave := range crashWaves {
		var wg sync.WaitGroup
		ackedThisWave := make(chan struct{}, perPhone+crashEmails)
		for i := range perPhone + crashEmails {
			body := map[string]any{"surname": "Иванов", "name": "Иван", "accept_terms": true}
			var to string
			if i < perPhone {
				to = bench.Phone(uint64(wave*perPhone + i))
				body["phone"] = to
			} else {
				to = fmt.Sprintf("crash-%s-%d-%d@kabinet.test", engine, wave, i)
				body["email"] = to
				allMail = append(allMail, to)
			}
			wg.Go(func() {
				if e.register(body) {
					mu.Lock()
					acked[to] = true
					mu.Unlock()
					ackedThisWave <- struct{}{}
				}
			})
		}
		if wave == crashWaves-1 {
			wg.Wait()
			break
		}
		// Kill once half the wave is acknowledged: the other half of the
		// requests, and the deliveries of the first, are in flight.
		deadline := time.After(60 * time.Second)
		for range perPhone / 2 {
			select {
			case <-ackedThisWave:
			case <-deadline:
				t.Fatalf("wave %d: fewer than %d registrations acknowledged within a minute", wave, perPhone/2)
			}
		}
		e.kill(n)
		wg.Wait()
		s, u := e.inFlight()
		sending, unsent = sending+s, unsent+u
		t.Logf("kill %d: %d notifications being sent, %d queued but unsent", wave+1, s, u)
		n = e.start()
	}
	lastRestart := e.restarts[len(e.restarts)-1]

	// Every acknowledged message arrives within the deadline.
	var phones, emails []string
	for to := range acked {
		if strings.HasPrefix(to, "+") {
			phones = append(phones, to)
		} else {
			emails = append(emails, to)
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), lastRestart.Add(deliveryDeadline))
	defer cancel()
	var latest time.Time
	for _, to := range phones {
		m, err := sim.WaitFor(ctx, to, time.Time{})
		if err != nil {
			t.Fatalf("acknowledged SMS to %s not delivered within %v of the last restart: %v", to, deliveryDeadline, err)
		}
		if m.Received.After(latest) {
			latest = m.Received
		}
	}
	for _, to := range emails {
		for {
			msgs, err := mail.Messages(ctx, to)
			if err != nil {
				t.Fatalf("acknowledged e-mail to %s not delivered within %v of the last restart: %v", to, deliveryDeadline, err)
			}
			if len(msgs) > 0 {
				if msgs[0].Created.After(latest) {
					latest = msgs[0].Created
				}
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("acknowledged e-mail to %s not delivered within %v of the last restart", to, deliveryDeadline)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	e.kill(n)
	// Count the mail sent twice, acknowledged or not (as the gateway counts
	// every SMS), once nothing is sending any more.
	mailRepeats := 0
	for _, to := range allMail {
		msgs, err := mail.Messages(context.Background(), to)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]int{}
		for _, m := range msgs {
			ids[m.MessageID]++
		}
		if len(ids) > 1 {
			t.Errorf("e-mails to %s carry %d Message-IDs, want one: %v", to, len(ids), ids)
		}
		mailRepeats += max(len(msgs)-1, 0)
	}
	stats := sim.Stats()
	repeats := stats.Repeats + mailRepeats
	logText, _ := os.ReadFile(e.logPath)
	if n := strings.Count(string(logText), "took back a job"); n == 0 && sending > 0 {
		t.Errorf("no job taken back at a restart was logged, though %d deliveries were under way at the kills", sending)
	} else {
		t.Logf("%s: %d jobs taken back at the restarts (logged at warn with their notification)", engine, n)
	}
	t.Logf("%s: %d of %d registrations acknowledged (%d SMS, %d e-mail); all delivered %v after the last restart; "+
		"%d repeats (SMS %d, e-mail %d) against %d attempts under way and %d messages unsent at %d kills; run %v",
		engine, len(acked), crashWaves*(crashConcurrency+crashEmails), len(phones), len(emails), max(latest.Sub(lastRestart), 0).Round(time.Millisecond),
		repeats, stats.Repeats, mailRepeats, sending, unsent, crashWaves-1, time.Since(began).Round(time.Second))
	if repeats > sending {
		t.Errorf("%d messages were sent twice, more than the %d whose attempt was under way at a kill (repeated SMS ids: %v)", repeats, sending, stats.Repeated)
	}
	if sending > unsent {
		t.Errorf("%d attempts under way but only %d messages unsent: the counts are wrong", sending, unsent)
	}
	if len(phones) < crashConcurrency {
		t.Errorf("only %d phone registrations acknowledged; the test did not load kabinet", len(phones))
	}
}

// register posts one registration and reports whether it was acknowledged.
func (e *crashEnv) register(body map[string]any) bool {
	b, _ := json.Marshal(body)
	resp, err := e.client.Post(e.base+"/api/v1/registrations", "application/json", bytes.NewReader(b))
	if err != nil {
		return false // killed mid-request: not acknowledged
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode < 500 {
		var p map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&p)
		e.t.Errorf("registration answered %d: %v", resp.StatusCode, p)
	}
	return resp.StatusCode == http.StatusCreated
}

// inFlight reads the outbox of the stopped process: notifications whose
// delivery attempt was under way (sending) and all that were not yet sent.
func (e *crashEnv) inFlight() (sending, unsent int) {
	e.t.Helper()
	ctx := context.Background()
	st := openStore(e.t, e.dbURL, e.dataDir)
	defer st.Close()
	rows, err := st.DB().QueryContext(ctx, `SELECT status, count(*) FROM notifications GROUP BY status`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			e.t.Fatal(err)
		}
		if status == "sending" {
			sending += n
		}
		if status != "sent" && status != "failed" {
			unsent += n
		}
	}
	if err := rows.Err(); err != nil && err != sql.ErrNoRows {
		e.t.Fatal(err)
	}
	return sending, unsent
}
