// Package e2e holds kabinet's browser tests: whole citizen journeys driven in
// headless Chromium through chromedp against a real app.App on 127.0.0.1,
// with the SMS gateway simulator and a real mailpit behind it, and an
// axe-core accessibility scan of every page a journey reaches.
//
// The package has only tests. It may import internal/app, internal/config,
// internal/password, internal/smssim and internal/testenv, chromedp and
// cdproto; nothing imports it.
//
// What the tests need from the machine, and what happens without it
// (testenv.Need: skip, or fail with CI=true):
//
//   - Chromium: $KABINET_CHROMIUM, /usr/bin/chromium or PATH.
//   - mailpit: $KABINET_MAILPIT, <repo>/bin/mailpit or PATH.
//   - axe-core: e2e/node_modules/axe-core/axe.min.js, installed with
//     `npm ci --prefix e2e` from the committed package-lock.json.
//
// KABINET_E2E_SCREENSHOTS=<dir> makes the journeys save full-page PNGs of
// the main pages there (and one of the page a failing test was on).
package e2e
