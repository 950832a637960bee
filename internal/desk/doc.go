// Package desk owns what a service-center operator does for a citizen who
// came in person (issue 12 §3, SPEC §5.1): find the citizen's account by
// SNILS, mobile phone or passport — an exact match through the blind
// indexes, never a list — and open their card (one audit record
// staff.citizen_viewed, with the reason, in the transaction of the read);
// confirm their identity against the passport in hand (a standard account
// becomes confirmed, with a confirmation record, the session cache told,
// the citizen notified and the audit record staff.identity_confirmed; a
// mismatch is staff.identity_mismatch, limited per citizen per day).
//
// Every action is authorised by staff.Grants.Authorize for the operator's
// center and recorded with staff.Actor.Event.
//
// desk imports account, audit, contact, document, message, profile, staff,
// throttle and problem.
package desk
