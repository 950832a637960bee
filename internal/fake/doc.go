// Package fake holds in-memory stand-ins for the domain services' tests:
// one Store that satisfies the Store interfaces of registration, signin,
// recovery, flow, throttle and lockout; a settable Clock; a Notifier and
// Sessions that record what they are asked to do.
//
// The fakes keep the contracts the services rely on — a flow save is a
// compare-and-set on its revision, a code attempt is counted at a version,
// a transaction that fails leaves nothing behind — and nothing more: the
// real storage is tested on both engines by the store conformance suite.
// Only tests import fake.
//
// fake imports the domain packages it stands in for.
package fake
