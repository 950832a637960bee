// Package session owns signed-in sessions: issuing a token at sign-in,
// authenticating a request by it, the citizen's list of active sessions with
// "end this one" and "end all others", and the sign-in history.
//
// Sessions live in the database so that several kabinet nodes share them.
// The token (in a cookie for browsers, in Authorization: Bearer for API
// clients) is 256 random bits; only its SHA-256 is stored, so a copy of the
// database does not let anyone in. Each session has a public ID, distinct
// from the token, used to name it in the list.
//
// session imports account and problem.
package session

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/problem"
)

// Client is who is at the other end of a request, as far as the network
// tells: shown in the session list and the sign-in history, and recorded in
// the audit log.
type Client struct {
	IP        string
	UserAgent string
	RequestID string
	// Holds is the session the client signed in with before, if any (a
	// browser's cookie). Issuing a new session ends it in the same
	// transaction, so the session ID changes at every sign-in.
	Holds Ref
}

// Ref names one session of one account.
type Ref struct{ AccountID, ID string }

// Session is one signed-in browser or API client.
type Session struct {
	ID         string
	TokenHash  []byte
	AccountID  string
	Method     string // how the user signed in: "password", "password+sms", "registration", …
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	EndedAt    time.Time // zero while active
	EndReason  string
	// PasswordAt is when the session last proved the password: when it was
	// issued (every sign-in, registration and recovery involves it) or
	// re-authenticated. Sensitive changes want it recent.
	PasswordAt time.Time
}

// Outcomes of a sign-in attempt, as kept in the history.
const (
	OutcomeSuccess       = "success"
	OutcomeWrongPassword = "wrong_password"
	OutcomeLocked        = "locked"
	OutcomeWrongCode     = "wrong_code"
)

// SignIn is one entry of an account's sign-in history.
type SignIn struct {
	ID        string
	AccountID string
	At        time.Time
	IP        string
	UserAgent string
	Method    string
	Outcome   string
}

// Reasons a session ended.
const (
	EndedSignOut   = "sign_out"
	EndedByUser    = "ended_by_user"
	EndedRecovery  = "password_recovery"
	EndedPwdChange = "password_change"
	EndedReplaced  = "replaced" // by the session issued at the client's next sign-in
	EndedDeleted   = "account_deleted"
	// EndedContactUndo: the owner of a replaced phone or e-mail undid the
	// change (a takeover, perhaps): every session ends.
	EndedContactUndo = "contact_undo"
	// EndedLapsed: its lifetime or idle time passed; the end is recorded
	// afterwards (EndLapsed), for single sign-on.
	EndedLapsed = "lapsed"
)

// Store is what sessions need from storage.
type Store interface {
	CreateSession(ctx context.Context, s *Session) error
	// SessionByToken returns the session with this token hash and its
	// account, or a NotFound problem.
	SessionByToken(ctx context.Context, tokenHash []byte) (*Session, *account.Account, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	// SetSessionPasswordAt records a re-authentication of an active
	// session of the account (NotFound when there is none).
	SetSessionPasswordAt(ctx context.Context, accountID, id string, at time.Time) error
	// ListSessions returns the account's sessions active at now, newest first.
	ListSessions(ctx context.Context, accountID string, now time.Time) ([]Session, error)
	// EndSession ends one active session of the account; false when there is none.
	EndSession(ctx context.Context, accountID, id, reason string, at time.Time) (bool, error)
	// EndLapsedSessions records the end (EndedLapsed) of at most limit
	// open sessions that made sign-ins at other sites still standing and
	// that expired at or before now or were last used before idleBefore,
	// and returns them.
	EndLapsedSessions(ctx context.Context, now, idleBefore time.Time, limit int) ([]Ref, error)
	// EndSessions ends every active session of the account except one
	// (may be ""), returning the IDs of those it ended.
	EndSessions(ctx context.Context, accountID, exceptID, reason string, at time.Time) ([]string, error)
	RecordSignIn(ctx context.Context, s *SignIn) error
	ListSignIns(ctx context.Context, accountID string, limit int) ([]SignIn, error)
	// AnnounceSessionsChanged tells other nodes that an account's sessions
	// changed, once the caller's transaction commits (a no-op on a
	// single-node database).
	AnnounceSessionsChanged(ctx context.Context, accountID string) error
	// AfterCommit runs fn once the transaction in ctx commits (at once
	// without one; never after a rollback).
	AfterCommit(ctx context.Context, fn func())
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AppendAudit(ctx context.Context, e *audit.Event) error
}

// Service issues and checks sessions.
type Service struct {
	store      Store
	now        func() time.Time
	rand       io.Reader
	lifetime   time.Duration
	idle       time.Duration
	touchEvery time.Duration
	cache      *cache
	onEnd      Ended
}

// End is an end of sessions, as OnEnd hears of it.
type End struct {
	AccountID string
	IDs       []string // the sessions that ended now
	Reason    string
	// Others: every session of the account but Kept ("" for none) has
	// ended (EndOthers) — a security action, whatever sessions had ended
	// before.
	Others bool
	Kept   string
}

// Ended is told, in the transaction that ends them, which sessions of an
// account ended and why: single sign-on ends the sign-ins at other sites
// they made.
type Ended func(ctx context.Context, e End) error

// OnEnd sets what is told when sessions end (one listener; set before
// serving).
func (s *Service) OnEnd(f Ended) { s.onEnd = f }

func (s *Service) ended(ctx context.Context, e End) error {
	if s.onEnd == nil || len(e.IDs) == 0 && !e.Others {
		return nil
	}
	return s.onEnd(ctx, e)
}

// TouchEvery returns how often last-seen is written for an idle timeout:
// a hundredth of it, so that a session ends within 1% of the setting after
// its last use (never later), but at most once a second and at least once
// a minute. Writing on every request would cost a write per page.
func TouchEvery(idle time.Duration) time.Duration {
	return min(max(idle/100, time.Second), time.Minute)
}

// NewService returns a session service. lifetime is the absolute session
// length, idle the inactivity limit.
func NewService(st Store, now func() time.Time, rand io.Reader, lifetime, idle time.Duration) *Service {
	return &Service{store: st, now: now, rand: rand, lifetime: lifetime, idle: idle, touchEvery: TouchEvery(idle)}
}

// Idle returns the inactivity limit.
func (s *Service) Idle() time.Duration { return s.idle }

// Lifetime returns the absolute session length.
func (s *Service) Lifetime() time.Duration { return s.lifetime }

// IdleEnd returns when a session ends if it is not used again: its
// last-seen time plus the inactivity limit, or its absolute end if sooner.
func (s *Service) IdleEnd(x *Session) time.Time {
	end := x.LastSeenAt.Add(s.idle)
	if x.ExpiresAt.Before(end) {
		return x.ExpiresAt
	}
	return end
}

// CacheFor keeps authenticated sessions in memory for ttl (0: never), for
// at most max sessions. See cache for what keeps it exact.
func (s *Service) CacheFor(ttl time.Duration, max int) { s.cache = newCache(ttl, max) }

// Forget drops the account's cached sessions: called when another node
// announces that they changed.
func (s *Service) Forget(accountID string) { s.cache.dropAccount(accountID) }

// ForgetAll drops every cached session: called when announcements from
// other nodes may have been missed.
func (s *Service) ForgetAll() { s.cache.flush() }

// AccountChanged must be called, in the transaction, by anything that
// changes an account in a way a signed-in request must see at once (its
// level, its status, its contacts): it drops the cached copies everywhere.
func (s *Service) AccountChanged(ctx context.Context, accountID string) error {
	return s.changed(ctx, accountID)
}

// changed drops the account's cached sessions here, once the caller's
// transaction has committed, and tells other nodes. A drop before the
// commit alone would not do: a request between it and the commit reads the
// old rows (the session still active) and caches them again. The early drop
// only spares this node's own requests inside the transaction a stale copy.
func (s *Service) changed(ctx context.Context, accountID string) error {
	s.cache.dropAccount(accountID)
	s.store.AfterCommit(ctx, func() { s.cache.dropAccount(accountID) })
	return s.store.AnnounceSessionsChanged(ctx, accountID)
}

// HashToken returns the stored form of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// NewID returns a random 128-bit identifier in lower-case base32 (26
// characters), fit for URLs and primary keys.
func NewID(r io.Reader) (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", fmt.Errorf("session: no randomness: %w", err)
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

// Issue starts a session for an account and returns its token. Called
// inside the transaction of the step that signs the user in; the session
// the client held before, if any, ends in it.
func (s *Service) Issue(ctx context.Context, accountID, method string, c Client) (string, *Session, error) {
	raw := make([]byte, 32)
	if _, err := io.ReadFull(s.rand, raw); err != nil {
		return "", nil, fmt.Errorf("session: no randomness: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	id, err := NewID(s.rand)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	sess := &Session{
		ID: id, TokenHash: HashToken(token), AccountID: accountID, Method: method,
		IP: c.IP, UserAgent: truncate(c.UserAgent, 300),
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.lifetime), PasswordAt: now,
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", nil, fmt.Errorf("session: create: %w", err)
	}
	if h := c.Holds; h.ID != "" {
		if err := s.end(ctx, h.AccountID, h.ID, EndedReplaced); err != nil && problem.KindOf(err) != problem.NotFound {
			return "", nil, err
		}
	}
	return token, sess, nil
}

// Authenticate returns the active session for a token and its account,
// and counts the request as activity. An unknown, ended, expired or idle
// session, or a blocked account, is an Unauthorized problem whose message
// says why when the citizen should be told (see the Ended* message IDs).
func (s *Service) Authenticate(ctx context.Context, token string) (*Session, *account.Account, error) {
	return s.authenticate(ctx, token, false)
}

// Peek is Authenticate without counting the request as activity: a page
// asking how long its session has left must not extend it.
func (s *Service) Peek(ctx context.Context, token string) (*Session, *account.Account, error) {
	return s.authenticate(ctx, token, true)
}

// Message IDs of the Unauthorized problems that say why a session ended.
const (
	MsgEndedIdle      = "session.ended.idle"      // not used for the inactivity limit
	MsgEndedLifetime  = "session.ended.lifetime"  // the absolute lifetime ran out
	MsgEndedElsewhere = "session.ended.elsewhere" // ended from another session
	MsgEndedPassword  = "session.ended.password"  // the password was changed or recovered
)

func (s *Service) authenticate(ctx context.Context, token string, peek bool) (*Session, *account.Account, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, unauthorized()
	}
	hash := HashToken(token)
	key := string(hash)
	now := s.now()
	gen := s.cache.generation() // before the database is read: see cache
	sess, acc, hit := s.cache.get(key, now)
	if hit && s.check(sess, acc, now) != nil {
		// The copy may be stale: another node may have seen the session
		// used since, or unblocked the account. Ask the database before
		// refusing.
		s.cache.drop(key)
		hit = false
	}
	if !hit {
		var err error
		sess, acc, err = s.store.SessionByToken(ctx, hash)
		if err != nil {
			if problem.KindOf(err) == problem.NotFound {
				return nil, nil, unauthorized()
			}
			return nil, nil, err
		}
	}
	// The same checks on every request, cached or not.
	if err := s.check(sess, acc, now); err != nil {
		return nil, nil, err
	}
	if !peek && now.Sub(sess.LastSeenAt) >= s.touchEvery {
		if err := s.store.TouchSession(ctx, sess.ID, now); err != nil {
			return nil, nil, fmt.Errorf("session: touch: %w", err)
		}
		sess.LastSeenAt = now
		hit = false // store the new last-seen time
	}
	if !hit {
		s.cache.put(key, sess, acc, now, gen)
	}
	return sess, acc, nil
}

// check says whether a session may be used at now, and if not, why.
func (s *Service) check(x *Session, acc *account.Account, now time.Time) error {
	switch {
	case !x.EndedAt.IsZero() && x.EndReason != EndedLapsed:
		switch x.EndReason {
		case EndedByUser:
			return problem.New(problem.Unauthorized, MsgEndedElsewhere)
		case EndedRecovery, EndedPwdChange:
			return problem.New(problem.Unauthorized, MsgEndedPassword)
		}
		return unauthorized()
	case !now.Before(x.ExpiresAt):
		return problem.New(problem.Unauthorized, MsgEndedLifetime, "Lifetime", s.lifetime)
	case now.Sub(x.LastSeenAt) > s.idle:
		return problem.New(problem.Unauthorized, MsgEndedIdle, "Count", IdleMinutes(s.idle))
	case acc.Status != account.Active || !x.EndedAt.IsZero():
		return unauthorized()
	}
	return nil
}

// lapseBatch is how many lapsed sessions one transaction of EndLapsed
// ends.
const lapseBatch = 200

// EndLapsed records the end of the sessions that lapsed — their lifetime
// or idle time passed — without a sign-out while sign-ins they made at
// other sites stand, in batches, each in one transaction with what OnEnd
// does (single sign-on ends those sign-ins and tells the sites). Other
// lapsed sessions need nothing: a lapsed session is refused anyway, with
// the message of why. Returns how many it ended.
func (s *Service) EndLapsed(ctx context.Context) (int, error) {
	now, total := s.now(), 0
	for {
		var n int
		err := s.store.Transact(ctx, func(ctx context.Context) error {
			refs, err := s.store.EndLapsedSessions(ctx, now, now.Add(-s.idle), lapseBatch)
			if err != nil {
				return err
			}
			n = len(refs)
			byAccount := map[string][]string{}
			var order []string
			for _, r := range refs {
				if _, seen := byAccount[r.AccountID]; !seen {
					order = append(order, r.AccountID)
				}
				byAccount[r.AccountID] = append(byAccount[r.AccountID], r.ID)
			}
			for _, acc := range order {
				if err := s.ended(ctx, End{AccountID: acc, IDs: byAccount[acc], Reason: EndedLapsed}); err != nil {
					return err
				}
			}
			return nil
		})
		total += n
		if err != nil || n < lapseBatch {
			return total, err
		}
	}
}

// IdleMinutes is the inactivity limit in whole minutes (rounded up), as
// the messages name it: "30 минут".
func IdleMinutes(idle time.Duration) int { return int((idle + time.Minute - 1) / time.Minute) }

// PasswordChecked records that the session the client holds has just
// proved the password again (a re-authentication before a sensitive
// change), in the caller's transaction, and drops its cached copies.
func (s *Service) PasswordChecked(ctx context.Context, c Client) error {
	if err := s.store.SetSessionPasswordAt(ctx, c.Holds.AccountID, c.Holds.ID, s.now()); err != nil {
		return err
	}
	return s.changed(ctx, c.Holds.AccountID)
}

// PasswordRecent reports whether the session proved the password within
// the last d.
func (s *Service) PasswordRecent(x *Session, d time.Duration) bool {
	return !x.PasswordAt.IsZero() && s.now().Sub(x.PasswordAt) <= d
}

// StaySignedIn records the session as used now, whatever its last-seen
// time: the citizen said "stay signed in". The session must have passed
// Authenticate in this request.
func (s *Service) StaySignedIn(ctx context.Context, x *Session) error {
	now := s.now()
	if err := s.store.TouchSession(ctx, x.ID, now); err != nil {
		return fmt.Errorf("session: touch: %w", err)
	}
	if now.After(x.LastSeenAt) {
		x.LastSeenAt = now
	}
	// The cached copy's last-seen would be a little old; dropping it is
	// cheaper than finding it by session ID.
	s.cache.drop(string(x.TokenHash))
	return nil
}

func unauthorized() error { return problem.New(problem.Unauthorized, "session.required") }

// List returns the account's active sessions, newest first.
func (s *Service) List(ctx context.Context, accountID string) ([]Session, error) {
	all, err := s.store.ListSessions(ctx, accountID, s.now())
	if err != nil {
		return nil, err
	}
	idleCut := s.now().Add(-s.idle)
	out := all[:0]
	for _, x := range all {
		if !x.LastSeenAt.Before(idleCut) {
			out = append(out, x)
		}
	}
	return out, nil
}

// end ends one of the account's sessions; NotFound when it has no such
// active session.
func (s *Service) end(ctx context.Context, accountID, id, reason string) error {
	ok, err := s.store.EndSession(ctx, accountID, id, reason, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return problem.New(problem.NotFound, "session.not_found")
	}
	if err := s.ended(ctx, End{AccountID: accountID, IDs: []string{id}, Reason: reason}); err != nil {
		return err
	}
	return s.changed(ctx, accountID)
}

// SignOut ends the session the client holds, and audits it, in one
// transaction.
func (s *Service) SignOut(ctx context.Context, c Client) error {
	return s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.end(ctx, c.Holds.AccountID, c.Holds.ID, EndedSignOut); err != nil {
			return err
		}
		return s.audit(ctx, "signout", c.Holds.AccountID, c.Holds.ID, c)
	})
}

// EndByUser ends one of the account's sessions at its owner's request (the
// list of sessions), and audits it, in one transaction; NotFound when the
// account has no such active session.
func (s *Service) EndByUser(ctx context.Context, accountID, id string, c Client) error {
	return s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.end(ctx, accountID, id, EndedByUser); err != nil {
			return err
		}
		return s.audit(ctx, "session.ended", accountID, id, c)
	})
}

// EndOthersByUser ends every session of the account but the one the
// client holds, at its owner's request, and audits it.
func (s *Service) EndOthersByUser(ctx context.Context, c Client) (int, error) {
	var n int
	err := s.store.Transact(ctx, func(ctx context.Context) error {
		var err error
		if n, err = s.EndOthers(ctx, c.Holds.AccountID, c.Holds.ID, EndedByUser); err != nil {
			return err
		}
		return s.audit(ctx, "session.ended_others", c.Holds.AccountID, "", c)
	})
	return n, err
}

// EndOthers ends every session of the account except the one given, for a
// feature that audits why in its own transaction (password recovery).
func (s *Service) EndOthers(ctx context.Context, accountID, keepID, reason string) (int, error) {
	ids, err := s.store.EndSessions(ctx, accountID, keepID, reason, s.now())
	if err != nil {
		return 0, err
	}
	if err := s.ended(ctx, End{AccountID: accountID, IDs: ids, Reason: reason, Others: true, Kept: keepID}); err != nil {
		return 0, err
	}
	return len(ids), s.changed(ctx, accountID)
}

func (s *Service) audit(ctx context.Context, action, accountID, sessionID string, c Client) error {
	e := &audit.Event{At: s.now(), Action: action, ActorKind: audit.ActorCitizen, ActorID: accountID, SubjectAccountID: accountID,
		IP: c.IP, RequestID: c.RequestID}
	if sessionID != "" {
		e.Details = map[string]string{"session": sessionID}
	}
	return s.store.AppendAudit(ctx, e)
}

// RecordSignIn adds an entry to the account's sign-in history.
func (s *Service) RecordSignIn(ctx context.Context, accountID, method, outcome string, c Client) error {
	id, err := NewID(s.rand)
	if err != nil {
		return err
	}
	return s.store.RecordSignIn(ctx, &SignIn{ID: id, AccountID: accountID, At: s.now(), IP: c.IP, UserAgent: truncate(c.UserAgent, 300), Method: method, Outcome: outcome})
}

// History returns the account's latest sign-ins, newest first.
func (s *Service) History(ctx context.Context, accountID string, limit int) ([]SignIn, error) {
	return s.store.ListSignIns(ctx, accountID, limit)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	// Cut on a rune boundary.
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}
