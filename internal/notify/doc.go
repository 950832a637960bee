// Package notify tells people things: it renders SMS and e-mail from
// templates in Russian and English, writes them to a durable outbox in the
// transaction of the change that caused them, and delivers them in a River
// job with retries, recording each message's status.
//
// Transports: SMTP (go-mail) for e-mail; for SMS an HTTP gateway (POST of
// {"to","text","id"} JSON with a bearer token, SPEC §9); and a console sink
// for development. A delivery error that retrying cannot fix is marked
// Permanent and ends the job.
//
// notify imports contact, River, go-mail and the standard library.
package notify
