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
	"github.com/kabinet/kabinet/internal/problem"
)

// Client is who is at the other end of a request, as far as the network
// tells: shown in the session list and the sign-in history, and recorded in
// the audit log.
type Client struct {
	IP        string
	UserAgent string
	RequestID string
}

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
)

// Store is what sessions need from storage.
type Store interface {
	CreateSession(ctx context.Context, s *Session) error
	// SessionByToken returns the session with this token hash and its
	// account, or a NotFound problem.
	SessionByToken(ctx context.Context, tokenHash []byte) (*Session, *account.Account, error)
	TouchSession(ctx context.Context, id string, at time.Time) error
	// ListSessions returns the account's sessions active at now, newest first.
	ListSessions(ctx context.Context, accountID string, now time.Time) ([]Session, error)
	// EndSession ends one active session of the account; false when there is none.
	EndSession(ctx context.Context, accountID, id, reason string, at time.Time) (bool, error)
	// EndSessions ends every active session of the account except one (may be "").
	EndSessions(ctx context.Context, accountID, exceptID, reason string, at time.Time) (int, error)
	RecordSignIn(ctx context.Context, s *SignIn) error
	ListSignIns(ctx context.Context, accountID string, limit int) ([]SignIn, error)
	// AnnounceSessionsChanged tells other nodes that an account's sessions
	// changed, once the caller's transaction commits (a no-op on a
	// single-node database).
	AnnounceSessionsChanged(ctx context.Context, accountID string) error
}

// Service issues and checks sessions.
type Service struct {
	store    Store
	now      func() time.Time
	rand     io.Reader
	lifetime time.Duration
	idle     time.Duration
	cache    *cache
}

// touchEvery limits writes on the hot path: last-seen is refreshed at most
// this often, which is also the precision of the idle timeout.
const touchEvery = time.Minute

// NewService returns a session service. lifetime is the absolute session
// length, idle the inactivity limit.
func NewService(st Store, now func() time.Time, rand io.Reader, lifetime, idle time.Duration) *Service {
	return &Service{store: st, now: now, rand: rand, lifetime: lifetime, idle: idle}
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

// changed drops the account's cached sessions here and tells other nodes.
func (s *Service) changed(ctx context.Context, accountID string) error {
	s.cache.dropAccount(accountID)
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
// inside the transaction of the step that signs the user in.
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
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.lifetime),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", nil, fmt.Errorf("session: create: %w", err)
	}
	return token, sess, nil
}

// Authenticate returns the active session for a token and its account. An
// unknown, ended, expired or idle session, or a blocked account, is an
// Unauthorized problem.
func (s *Service) Authenticate(ctx context.Context, token string) (*Session, *account.Account, error) {
	if token == "" || len(token) > 100 {
		return nil, nil, unauthorized()
	}
	hash := HashToken(token)
	key := string(hash)
	now := s.now()
	sess, acc, hit := s.cache.get(key, now)
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
	if !sess.EndedAt.IsZero() || !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.idle+touchEvery || acc.Status != account.Active {
		return nil, nil, unauthorized()
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(ctx, sess.ID, now); err != nil {
			return nil, nil, fmt.Errorf("session: touch: %w", err)
		}
		sess.LastSeenAt = now
		hit = false // store the new last-seen time
	}
	if !hit {
		s.cache.put(key, sess, acc, now)
	}
	return sess, acc, nil
}

func unauthorized() error { return problem.New(problem.Unauthorized, "session.required") }

// List returns the account's active sessions, newest first.
func (s *Service) List(ctx context.Context, accountID string) ([]Session, error) {
	all, err := s.store.ListSessions(ctx, accountID, s.now())
	if err != nil {
		return nil, err
	}
	idleCut := s.now().Add(-s.idle - touchEvery)
	out := all[:0]
	for _, x := range all {
		if x.LastSeenAt.After(idleCut) {
			out = append(out, x)
		}
	}
	return out, nil
}

// End ends one of the account's sessions; NotFound when it has no such
// active session.
func (s *Service) End(ctx context.Context, accountID, id, reason string) error {
	ok, err := s.store.EndSession(ctx, accountID, id, reason, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return problem.New(problem.NotFound, "session.not_found")
	}
	return s.changed(ctx, accountID)
}

// EndOthers ends every session of the account except the one given.
func (s *Service) EndOthers(ctx context.Context, accountID, keepID, reason string) (int, error) {
	n, err := s.store.EndSessions(ctx, accountID, keepID, reason, s.now())
	if err != nil {
		return 0, err
	}
	return n, s.changed(ctx, accountID)
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
