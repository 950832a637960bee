// Package smssim is a simulated SMS gateway: a real HTTP server that speaks
// the contract kabinet's transport.SMSGateway uses (SPEC §9) and records what
// it receives, so that tests and the demo can read the texts back.
//
// The contract: POST /send with a JSON body {"to":"+7…","text":"…","id":"…"}
// and "Authorization: Bearer <token>". The answers are
//
//	202 {"id":…,"status":"accepted"}  recorded
//	200 {"id":…,"status":"accepted"}  the id was seen before; not recorded
//	                                  again, but counted as a repeat
//	400 malformed JSON, unknown or missing fields
//	401 missing or wrong bearer token
//	422 "to" is not E.164 (a plus and 8–15 digits)
//	503 (or another status) injected failure, see below
//
// Errors are JSON {"error":"…"}. Failures can be injected so that kabinet's
// retry logic can be tested: Config.FailRate answers a random share of sends
// with 503, Config.Delay slows every send, Config.ReplyDelay delays the
// answer to a send already recorded (so a sender that gives up has delivered
// without knowing it), and POST /control
// {"fail_next":N,"status":503} fails the next N valid sends with that status.
//
// Recorded messages are read with GET /messages?to=+7…[&since=RFC3339]
// (newest first), GET /messages/latest?to=… (404 when none), cleared with
// DELETE /messages, and listed for people at GET /. GET /status answers
// {"messages":N,"repeats":N,"repeated":{id:N}}: the repeats are sends of an
// id already delivered, which a deduplicating gateway drops and tests count
// as duplicates. The mutating endpoints
// (/send, /control, DELETE /messages) need the bearer token; the read-only
// ones do not. In-process users call Server.Messages and Server.WaitFor.
//
// smssim imports only the standard library. Nothing in kabinet's production
// code path imports it: cmd/sms-sim, the demo and internal/testenv do.
package smssim
