package flow

import (
	"context"
	"fmt"
	"io"
	"strings"
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
	Cooldown    time.Duration // before a new code may be requested in a flow
	MaxAttempts int           // entries per code
	// Interval and PerHour limit the codes one phone or address receives:
	// at least Interval apart, whichever flow sends them, and at most
	// PerHour in any hour, counted apart for codes that anybody can ask for
	// (registration, recovery) and codes that only the password's holder
	// can (the second sign-in step), so a stranger's requests never use up
	// the owner's sign-in codes. (A stranger can make the owner wait one
	// Interval, at most PerHour times an hour: each of their codes takes
	// its place in the interval only if their hourly budget allows it.)
	Interval  time.Duration
	PerHour   int
	PerIP5Min int // codes requested from one network address per 5 minutes
	PerIPDay  int // codes requested from one network address per 24 hours
	SMS       SMSBudget
}

// SMSBudget caps the SMS the whole deployment sends, against SMS pumping
// (toll fraud through premium-rate and foreign numbers).
type SMSBudget struct {
	PerMinute, PerHour int // every SMS with a code; 0: no cap
	// Prefixes are budgets for number ranges, the longest matching prefix
	// deciding ("+" matches every number). Max 0 refuses the range.
	Prefixes []PrefixBudget
	// Reached is told the name of a budget whenever it refuses an SMS, for
	// a metric and an alert in the log. May be nil.
	Reached func(budget string)
}

// PrefixBudget is the SMS budget of one range of numbers.
type PrefixBudget struct {
	Prefix    string        // "+7", "+979", "+"
	Unlimited bool          // no budget of its own ("none")
	Max       int           // SMS per Window to the whole range
	Window    time.Duration //
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

// audience names who can make a flow of this kind send a code: anybody
// who types a phone number, or only the holder of the account's password.
// A kind without a spec counts with anybody's.
func audience(k Kind) Audience {
	if s, ok := SpecOf(k); ok {
		return s.Audience
	}
	return Anyone
}

// limits returns the rules a code to dest must pass, with their subjects.
func (c *Codes) limits(f *Flow, sourceIP string) []limit {
	aud := audience(f.Kind)
	l := []limit{
		{throttle.Rule{Name: "codes.hour." + string(aud), Max: c.policy.PerHour, Window: time.Hour, Message: "code.hourly_limit"}, f.Destination},
		{throttle.Rule{Name: "codes.interval", Max: 1, Window: c.policy.Interval, Message: "code.interval"}, f.Destination},
	}
	if sourceIP != "" {
		l = append(l,
			limit{throttle.Rule{Name: "codes.ip.5m", Max: c.policy.PerIP5Min, Window: 5 * time.Minute, Message: "code.ip_burst"}, sourceIP},
			limit{throttle.Rule{Name: "codes.ip", Max: c.policy.PerIPDay, Window: 24 * time.Hour, Message: "code.ip_limit"}, sourceIP})
	}
	return l
}

type limit struct {
	rule    throttle.Rule
	subject string
}

// smsBudgets takes an SMS from the deployment's budgets: the range's, then
// the per-minute and per-hour ones. Exhausting them is the deployment's
// problem, not the user's: 503 with a time to come back.
func (c *Codes) smsBudgets(ctx context.Context, to string) error {
	b := c.policy.SMS
	if pb, ok := matchPrefix(b.Prefixes, to); ok && !pb.Unlimited {
		if pb.Max == 0 {
			return problem.New(problem.Forbidden, "code.range_blocked")
		}
		r := throttle.Rule{Name: "sms.prefix." + pb.Prefix, Max: pb.Max, Window: pb.Window, Message: "code.busy"}
		if err := c.budget(ctx, r, "prefix "+pb.Prefix); err != nil {
			return err
		}
	}
	for _, r := range []throttle.Rule{
		{Name: "sms.minute", Max: b.PerMinute, Window: time.Minute, Message: "code.busy"},
		{Name: "sms.hour", Max: b.PerHour, Window: time.Hour, Message: "code.busy"},
	} {
		if r.Max <= 0 {
			continue
		}
		if err := c.budget(ctx, r, r.Name); err != nil {
			return err
		}
	}
	return nil
}

func (c *Codes) budget(ctx context.Context, r throttle.Rule, name string) error {
	err := c.limiter.Take(ctx, r, "")
	p, ok := problem.As(err)
	if !ok || p.Kind != problem.TooMany {
		return err
	}
	if c.policy.SMS.Reached != nil {
		c.policy.SMS.Reached(name)
	}
	p.Kind = problem.Unavailable
	return p
}

// matchPrefix returns the budget of the longest prefix of an E.164 number.
func matchPrefix(list []PrefixBudget, to string) (PrefixBudget, bool) {
	var (
		best  PrefixBudget
		found bool
	)
	for _, pb := range list {
		if strings.HasPrefix(to, pb.Prefix) && (!found || len(pb.Prefix) > len(best.Prefix)) {
			best, found = pb, true
		}
	}
	return best, found
}

// ResendAt is when the flow may have a new code: its own cooldown (at once
// for an expired or used-up code), but never sooner than the interval
// every phone or address keeps between two codes.
func (c *Codes) ResendAt(f *Flow) time.Time {
	if f.Sends == 0 {
		return f.CodeAfter // a flow still waiting for its first code
	}
	at := f.ResendAt(c.policy.Cooldown, c.policy.MaxAttempts)
	if least := f.CodeSentAt.Add(c.policy.Interval); at.Before(least) {
		return least
	}
	return at
}

// IsInterval reports whether err is the refusal of a code because the
// destination received one less than the interval ago.
func IsInterval(err error) bool {
	p, ok := problem.As(err)
	return ok && p.Kind == problem.TooMany && p.Message.ID == "code.interval"
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
		if at := c.ResendAt(f); now.Before(at) {
			return "", "", problem.TooManyUntil("code.resend_wait", now, at)
		}
	}
	// Called in the transaction that sends the code: if anything fails
	// later, the counts roll back with it.
	for _, l := range c.limits(f, sourceIP) {
		if err := c.limiter.Take(ctx, l.rule, l.subject); err != nil {
			return "", "", err
		}
	}
	if f.Channel == contact.ChannelSMS {
		if err := c.smsBudgets(ctx, f.Destination); err != nil {
			return "", "", err
		}
	}
	if code, err = otp.Generate(c.rand); err != nil {
		return "", "", fmt.Errorf("flow: code: %w", err)
	}
	if f.CodeHash != nil {
		// The code this one replaces, unused: remember it, to tell
		// someone who types it that a newer code went out.
		if err := f.setReplaced(f.CodeHash); err != nil {
			return "", "", err
		}
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
// attempts left; "code.replaced" for the code a resend replaced), Expired
// ("code.expired"), TooMany ("code.attempts": this code is used up; ask
// for a new one).
func (c *Codes) Verify(ctx context.Context, f *Flow, input string, now time.Time) error {
	code, err := otp.Normalize(input)
	if err != nil {
		return problem.InvalidField("code", err)
	}
	purpose := string(f.Kind) + ".code"
	err = c.check(ctx, f, now, func() bool { return c.hasher.Equal(f.CodeHash, purpose, f.ID, code) }, "code")
	if p, ok := problem.As(err); ok && p.Kind == problem.Invalid && !f.Decoy && c.hasher.Equal(f.replaced(), purpose, f.ID, code) {
		// The attempt counted all the same: a replaced code is no key.
		return problem.InvalidField("code", problem.M("code.replaced"))
	}
	return err
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
	if f.Sends == 0 {
		return problem.InvalidField("code", problem.M("code.not_sent"))
	}
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
	// A decoy's code is compared all the same, so that it takes as long
	// as a real one, and never matches.
	if matched := match(); !matched || f.Decoy {
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
