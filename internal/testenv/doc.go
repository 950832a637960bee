// Package testenv gives test suites what they need from the machine: a
// PostgreSQL server and fresh databases on it, a real SMTP server with an
// HTTP API (mailpit), the SMS gateway simulator, and Chromium.
//
// The rule for a missing dependency is Need's: the test is skipped with a
// reason that says what to install, unless the environment has CI=true, in
// which case the test fails. A suite therefore never passes in CI by quietly
// testing nothing.
//
// Where things come from:
//
//   - PostgreSQL: $KABINET_TEST_DATABASE_URL; else the server at
//     postgres://postgres@127.0.0.1:5432/postgres if it answers; else a
//     throwaway cluster (initdb + pg_ctl, run as user postgres when the tests
//     run as root) started once per test process. Packages that use it should
//     stop that cluster from TestMain with Main (or Shutdown); a watchdog stops
//     it anyway shortly after the test process exits.
//   - mailpit: $KABINET_MAILPIT, else <repo>/bin/mailpit (built by
//     scripts/test.sh from tools/go.mod), else mailpit on PATH.
//   - Chromium: $KABINET_CHROMIUM, else /usr/bin/chromium, else chromium on PATH.
//
// testenv is imported by tests only. It may import the standard library,
// internal/smssim and github.com/jackc/pgx/v5; nothing imports it from
// production code.
package testenv
