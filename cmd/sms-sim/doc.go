// Command sms-sim runs the simulated SMS gateway (internal/smssim) on its own,
// for the demo and for trying kabinet's SMS settings by hand:
//
//	sms-sim -addr 127.0.0.1:9090 -token dev-token
//
// kabinet then sends to http://127.0.0.1:9090/send with that token, and the
// received texts are listed at http://127.0.0.1:9090/. The token defaults to
// $SMSSIM_TOKEN, else "dev-token". SIGINT or SIGTERM stops it gracefully.
//
// It imports internal/smssim and the standard library only.
package main
