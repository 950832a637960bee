// Package message is what the domain may say to a person: one typed struct
// per message (the data its template needs), the Notification that carries
// one to a recipient, and the Notifier a service hands it to.
//
// The template a message is rendered with is named by its type (Template),
// so a template cannot be given the wrong data. A message carries values,
// not text: a deadline is a time.Time, which the template writes out in the
// reader's language (i18n.Until). Rendering, the outbox and delivery live in
// notify; message knows nothing of them.
//
// message imports contact and the standard library.
package message
