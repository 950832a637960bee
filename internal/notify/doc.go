// Package notify tells people things: it renders the domain's messages
// (message.Data, one type per template) as SMS and e-mail from templates in
// Russian and English, writes them to a durable outbox in the transaction of
// the change that caused them, and delivers them in a River job with
// retries, recording each message's status. The transports that hand a
// rendered message to the outside world are in notify/transport. Templates
// write times with i18n.Until, the same formatter the pages use.
//
// notify imports message, contact, i18n, notify/transport, River and the
// standard library (text/template, html/template).
package notify
