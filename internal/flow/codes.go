package flow

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/otp"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/throttle"
)

// CodeStore counts attempts atomically, before a code is compared.
type CodeStore interface {
	// CountCodeAttempt adds one to the attempts at the current code if the
	// flow is still at the given version (a Conflict problem otherwise) and
	// returns the new count.
	CountCodeAttempt(ctx context.Context, id string, version int, at time.Time) (int, error)
	// FlowVersion returns the flow's saved version.
	FlowVersion(ctx context.Context, id string) (int, error)
}

// CodePolicy is how codes behave; it comes from configuration.
type CodePolicy struct {
	SMSTTL      time.Duration // 300 s in the user's documents
	EmailTTL    time.Duration // the e-mailed link and code
	Cooldown    time.Duration // before a new code may be requested
	MaxAttempts int           // entries per code
	PerDay      int           // codes to one destination per 24 h
	PerIPDay    int           // codes requested from one address per 24 h
}

// Codes issues and checks the one-time codes of flows.
type Codes struct {
	policy  CodePolicy
	hasher  otp.Hasher
	store   CodeStore
	limiter *throttle.Limiter
	rand    io.Reader
}

// NewCodes returns the code mechanics shared by every flow kind.
func NewCodes(p CodePolicy, h otp.Hasher, st CodeStore, l *throttle.Limiter, rand io.Reader) *Codes {
	return &Codes{policy: p, hasher: h, store: st, limiter: l, rand: rand}
}

// Policy returns the code policy in force.
func (c *Codes) Policy() CodePolicy { return c.policy }

func (c *Codes) perDestination() throttle.Rule {
	return throttle.Rule{Name: "codes.destination", Max: c.policy.PerDay, Window: 24 * time.Hour, Message: "code.daily_limit"}
}

func (c *Codes) perIP() throttle.Rule {
	return throttle.Rule{Name: "codes.ip", Max: c.policy.PerIPDay, Window: 24 * time.Hour, Message: "code.ip_limit"}
}

// TTL is the lifetime of a code sent over a channel.
func (c *Codes) TTL(ch contact.Channel) time.Duration {
	if ch == contact.ChannelEmail {
		return c.policy.EmailTTL
	}
	return c.policy.SMSTTL
}

// Issue gives the flow a new code (and, for e-mail, a link token), after
// checking the resend cooldown and the daily caps for the destination and
// the requesting address. It returns the secrets to send; only their hashes
// stay on the flow. The previous code stops working.
func (c *Codes) Issue(ctx context.Context, f *Flow, sourceIP string, now time.Time) (code, token string, err error) {
	if f.Sends > 0 {
		if at := f.ResendAt(c.policy.Cooldown, c.policy.MaxAttempts); now.Before(at) {
			return "", "", problem.TooManyUntil("code.resend_wait", now, at)
		}
	}
	if err := c.limiter.Take(ctx, c.perDestination(), f.Destination); err != nil {
		return "", "", err
	}
	if sourceIP != "" {
		if err := c.limiter.Take(ctx, c.perIP(), sourceIP); err != nil {
			return "", "", err
		}
	}
	if code, err = otp.Generate(c.rand); err != nil {
		return "", "", fmt.Errorf("flow: code: %w", err)
	}
	f.CodeHash = c.hasher.Hash(string(f.Kind)+".code", f.ID, code)
	f.LinkHash = nil
	if f.Channel == contact.ChannelEmail {
		if token, err = otp.NewToken(c.rand); err != nil {
			return "", "", fmt.Errorf("flow: token: %w", err)
		}
		f.LinkHash = c.hasher.Hash(string(f.Kind)+".link", f.ID, token)
	}
	f.CodeSentAt = now
	f.CodeExpiresAt = now.Add(c.TTL(f.Channel))
	f.CodeAttempts = 0
	f.Sends++
	f.UpdatedAt = now
	// The flow lives at least as long as its code.
	if f.ExpiresAt.Before(f.CodeExpiresAt) {
		f.ExpiresAt = f.CodeExpiresAt
	}
	return code, token, nil
}

// Verify counts an attempt and then checks a typed code. Failures are
// problems: Invalid on field "code" (a malformed or wrong code, with the
// attempts left), Expired ("code.expired"), TooMany ("code.attempts": this
// code is used up; ask for a new one).
func (c *Codes) Verify(ctx context.Context, f *Flow, input string, now time.Time) error {
	code, err := otp.Normalize(input)
	if err != nil {
		return problem.InvalidField("code", err)
	}
	return c.check(ctx, f, now, func() bool { return c.hasher.Equal(f.CodeHash, string(f.Kind)+".code", f.ID, code) }, "code")
}

// VerifyLink checks the token from an e-mailed link, under the same
// counters as the code.
func (c *Codes) VerifyLink(ctx context.Context, f *Flow, token string, now time.Time) error {
	if token == "" || len(token) > 100 {
		return problem.New(problem.NotFound, "link.invalid")
	}
	return c.check(ctx, f, now, func() bool { return c.hasher.Equal(f.LinkHash, string(f.Kind)+".link", f.ID, token) }, "link")
}

func (c *Codes) check(ctx context.Context, f *Flow, now time.Time, match func() bool, what string) error {
	if f.CodeAttempts >= c.policy.MaxAttempts {
		return problem.New(problem.TooMany, "code.attempts", "Max", c.policy.MaxAttempts)
	}
	if f.CodeExpired(now) {
		return problem.New(problem.Expired, what+".expired")
	}
	n, err := c.store.CountCodeAttempt(ctx, f.ID, f.Stored.Version, now)
	if err != nil {
		return err
	}
	f.CodeAttempts = n
	if n > c.policy.MaxAttempts {
		// Out of attempts: because of guesses, or because many copies of
		// one request arrived at once and another of them completed the
		// step (then this one lost a race, and says so).
		if v, err := c.store.FlowVersion(ctx, f.ID); err == nil && v != f.Stored.Version {
			return problem.New(problem.Conflict, "flow.conflict")
		}
		return problem.New(problem.TooMany, "code.attempts", "Max", c.policy.MaxAttempts)
	}
	if !match() {
		left := c.policy.MaxAttempts - n
		if left <= 0 {
			return problem.New(problem.TooMany, "code.attempts", "Max", c.policy.MaxAttempts)
		}
		if what == "link" {
			return problem.New(problem.NotFound, "link.invalid")
		}
		return problem.InvalidField("code", problem.M("code.wrong", "Count", left))
	}
	// A code works once.
	f.CodeHash, f.LinkHash = nil, nil
	f.UpdatedAt = now
	return nil
}
