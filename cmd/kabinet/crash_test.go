package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
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
	bin := buildKabinet(t)
	mail := testenv.StartMailpit(t)
	t.Run("sqlite", func(t *testing.T) { crashRun(t, bin, mail, "") })
	t.Run("postgres", func(t *testing.T) { crashRun(t, bin, mail, testenv.NewPostgresDatabase(t)) })
}

// buildKabinet compiles this command into a temporary directory.
func buildKabinet(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	testenv.Need(t, "the go command (to build kabinet)", err)
	bin := filepath.Join(t.TempDir(), "kabinet")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// node is one kabinet process.
type node struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once Wait returns
}

type crashEnv struct {
	t        *testing.T
	bin      string
	env      []string
	base     string
	logPath  string
	dbURL    string
	dataDir  string
	client   *http.Client
	restarts []time.Time
}

func crashRun(t *testing.T, bin string, mail *testenv.Mailpit, dbURL string) {
	began := time.Now()
	// The gateway answers 50 ms after it records a message, so a kill lands
	// between "delivered" and "recorded as sent" now and then, as in production.
	sim := smssim.New(smssim.Config{Token: "gw", ReplyDelay: 50 * time.Millisecond})
	gw := httptest.NewServer(sim)
	t.Cleanup(gw.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dataDir := t.TempDir()
	e := &crashEnv{t: t, bin: bin, base: "http://" + addr, logPath: filepath.Join(dataDir, "kabinet.log"), dbURL: dbURL, dataDir: dataDir,
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	e.env = append(os.Environ(),
		"KABINET_ADDR="+addr,
		"KABINET_DATA_DIR="+dataDir,
		"KABINET_DATABASE_URL="+dbURL,
		"KABINET_SECRET_KEY=MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=",
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
		"KABINET_LOG_LEVEL=warn",
	)
	defer func() {
		if t.Failed() {
			if b, err := os.ReadFile(e.logPath); err == nil {
				t.Logf("kabinet's log (end):\n%s", tail(string(b), 60))
			}
		}
	}()

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

// start runs kabinet and waits until it answers /readyz.
func (e *crashEnv) start() *node {
	e.t.Helper()
	log, err := os.OpenFile(e.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	defer log.Close()
	fmt.Fprintf(log, "--- start %d at %s\n", len(e.restarts)+1, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(e.bin, "serve")
	cmd.Env, cmd.Stdout, cmd.Stderr = e.env, log, log
	started := time.Now()
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	n := &node{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(n.exited)
	}()
	e.t.Cleanup(func() { e.kill(n) })
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := e.client.Get(e.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-n.exited:
			e.t.Fatalf("kabinet exited during start: %v", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("kabinet not ready within a minute: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.restarts = append(e.restarts, started)
	return n
}

// kill sends SIGKILL and waits until the process is gone.
func (e *crashEnv) kill(n *node) {
	_ = n.cmd.Process.Signal(syscall.SIGKILL) // an error: it has exited already
	<-n.exited
	e.client.CloseIdleConnections()
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

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(len(all)-lines, 0):], "\n")
}
