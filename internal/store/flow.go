package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/problem"
)

// Flows is the flows table: registrations, sign-ins and recoveries in
// progress, saved by compare-and-set on their state and version, with the
// attempts at their current code counted atomically.
type Flows struct{ st *Store }

// Flows returns the flows repository.
func (s *Store) Flows() *Flows { return &Flows{st: s} }

var (
	_ flow.CodeStore = (*Flows)(nil)
	_ flow.StepStore = (*Flows)(nil)
)

const flowColumns = `id, kind, state, binding, account_id, channel, destination, data, code_hash, link_hash,
	code_sent_at, code_expires_at, code_attempts, sends, lang, created_at, updated_at, expires_at, decoy, code_after, version`

func (fl *Flows) sealFlow(f *flow.Flow) (dest, data []byte, err error) {
	v := []byte(f.Data)
	if len(v) == 0 {
		v = []byte("{}")
	}
	return fl.st.seal("flows", "destination", f.ID, f.Destination), fl.st.keys.Seal(v, sealedColumn("flows", "data").context(f.ID)), nil
}

// legacyFlowData is what rows written before migration 0005 kept in data
// besides the feature's fields.
type legacyFlowData struct {
	Decoy     bool      `json:"decoy"`
	CodeAfter time.Time `json:"code_after"`
}

// CreateFlow inserts a new flow.
func (fl *Flows) CreateFlow(ctx context.Context, f *flow.Flow) error {
	dest, data, err := fl.sealFlow(f)
	if err != nil {
		return err
	}
	_, err = fl.st.exec(ctx, `INSERT INTO flows (`+flowColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)`,
		f.ID, string(f.Kind), string(f.State), f.Binding, nullString(f.AccountID), string(f.Channel), dest, data,
		f.CodeHash, f.LinkHash, ms(f.CodeSentAt), ms(f.CodeExpiresAt), f.CodeAttempts, f.Sends, f.Lang,
		ms(f.CreatedAt), ms(f.UpdatedAt), ms(f.ExpiresAt), boolInt(f.Decoy), ms(f.CodeAfter))
	if err != nil {
		return fmt.Errorf("store: create flow: %w", err)
	}
	f.Stored = flow.Revision{State: f.State, Version: 0, Sends: f.Sends}
	return nil
}

// UpdateFlow saves a flow if the row still holds the revision the flow was
// read at (compare-and-set on state and version), and returns a Conflict
// problem otherwise: another request acted on the flow first. The attempt
// counter is never written back (only CountCodeAttempt adds to it), except
// that a new code starts it at zero.
func (fl *Flows) UpdateFlow(ctx context.Context, f *flow.Flow) error {
	dest, data, err := fl.sealFlow(f)
	if err != nil {
		return err
	}
	reset := 0
	if f.NewCode() {
		reset = 1
	}
	res, err := fl.st.exec(ctx, `UPDATE flows SET state = ?, binding = ?, account_id = ?, channel = ?, destination = ?, data = ?,
		code_hash = ?, link_hash = ?, code_sent_at = ?, code_expires_at = ?,
		code_attempts = CASE WHEN ? = 1 THEN 0 ELSE code_attempts END, sends = ?, lang = ?,
		updated_at = ?, expires_at = ?, decoy = ?, code_after = ?, version = version + 1 WHERE id = ? AND state = ? AND version = ?`,
		string(f.State), f.Binding, nullString(f.AccountID), string(f.Channel), dest, data, f.CodeHash, f.LinkHash,
		ms(f.CodeSentAt), ms(f.CodeExpiresAt), reset, f.Sends, f.Lang, ms(f.UpdatedAt), ms(f.ExpiresAt), boolInt(f.Decoy), ms(f.CodeAfter),
		f.ID, string(f.Stored.State), f.Stored.Version)
	if err != nil {
		return fmt.Errorf("store: update flow: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: update flow: %w", err)
	}
	if n != 1 {
		return problem.New(problem.Conflict, "flow.conflict")
	}
	f.Stored = flow.Revision{State: f.State, Version: f.Stored.Version + 1, Sends: f.Sends}
	return nil
}

// Flow returns a flow of the given kind, or a NotFound problem.
func (fl *Flows) Flow(ctx context.Context, kind flow.Kind, id string) (*flow.Flow, error) {
	var (
		f                                       flow.Flow
		kindS, state, channel                   string
		accountID                               sql.NullString
		dest, data                              []byte
		codeSent, codeExp, created, upd, expire sql.NullInt64
		decoy                                   int
		codeAfter                               sql.NullInt64
	)
	err := fl.st.queryRow(ctx, `SELECT `+flowColumns+` FROM flows WHERE id = ? AND kind = ?`, id, string(kind)).Scan(
		&f.ID, &kindS, &state, &f.Binding, &accountID, &channel, &dest, &data, &f.CodeHash, &f.LinkHash,
		&codeSent, &codeExp, &f.CodeAttempts, &f.Sends, &f.Lang, &created, &upd, &expire, &decoy, &codeAfter, &f.Stored.Version)
	if err != nil {
		return nil, notFound(err, "flow.not_found")
	}
	f.Stored.State, f.Stored.Sends = flow.State(state), f.Sends
	f.Kind, f.State, f.Channel, f.AccountID = flow.Kind(kindS), flow.State(state), contact.Channel(channel), accountID.String
	f.CodeSentAt, f.CodeExpiresAt, f.CreatedAt, f.UpdatedAt, f.ExpiresAt = fromMS(codeSent), fromMS(codeExp), fromMS(created), fromMS(upd), fromMS(expire)
	f.Decoy, f.CodeAfter = decoy != 0, fromMS(codeAfter)
	if f.Destination, err = fl.st.unseal("flows", "destination", f.ID, dest); err != nil {
		return nil, fmt.Errorf("store: flow %s: %w", f.ID, err)
	}
	v, err := fl.st.keys.Open(data, sealedColumn("flows", "data").context(f.ID))
	if err != nil {
		return nil, fmt.Errorf("store: flow %s: %w", f.ID, err)
	}
	var legacy legacyFlowData
	if err := json.Unmarshal(v, &legacy); err != nil {
		return nil, fmt.Errorf("store: flow %s: %w", f.ID, err)
	}
	f.Data = v
	f.Decoy = f.Decoy || legacy.Decoy
	if f.CodeAfter.IsZero() {
		f.CodeAfter = legacy.CodeAfter
	}
	return &f, nil
}

// CountCodeAttempt adds one to the attempts at the flow's current code,
// atomically, and returns the new count. It runs before the code is
// compared, and only while the flow is still at the version the caller
// read: once a step has moved the flow on (or a new code replaced the old),
// it is a Conflict.
func (fl *Flows) CountCodeAttempt(ctx context.Context, id string, version int, at time.Time) (int, error) {
	var n int
	err := fl.st.writeRow(ctx, `UPDATE flows SET code_attempts = code_attempts + 1, updated_at = ? WHERE id = ? AND version = ? RETURNING code_attempts`,
		ms(at), id, version).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, problem.New(problem.Conflict, "flow.conflict")
	}
	if err != nil {
		return 0, fmt.Errorf("store: count code attempt: %w", err)
	}
	return n, nil
}

// FlowVersion returns a flow's saved version.
func (fl *Flows) FlowVersion(ctx context.Context, id string) (int, error) {
	var v int
	if err := fl.st.queryRow(ctx, `SELECT version FROM flows WHERE id = ?`, id).Scan(&v); err != nil {
		return 0, notFound(err, "flow.not_found")
	}
	return v, nil
}

// PendingFlows returns the account's flows that are neither done nor
// expired at now, newest first, for its data export: their kind, state,
// channel and times, and nothing of their codes, tokens or data.
func (fl *Flows) PendingFlows(ctx context.Context, accountID string, now time.Time) ([]flow.Flow, error) {
	rows, err := fl.st.query(ctx, `SELECT id, kind, state, channel, created_at, expires_at FROM flows
		WHERE account_id = ? AND state <> ? AND expires_at > ? AND decoy = 0 ORDER BY created_at DESC, id LIMIT 100`, accountID, string(flow.Done), ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: pending flows: %w", err)
	}
	defer rows.Close()
	var out []flow.Flow
	for rows.Next() {
		var (
			f                    flow.Flow
			kind, state, channel string
			created, expires     sql.NullInt64
		)
		if err := rows.Scan(&f.ID, &kind, &state, &channel, &created, &expires); err != nil {
			return nil, err
		}
		f.AccountID, f.Kind, f.State, f.Channel = accountID, flow.Kind(kind), flow.State(state), contact.Channel(channel)
		f.CreatedAt, f.ExpiresAt = fromMS(created), fromMS(expires)
		out = append(out, f)
	}
	return out, rows.Err()
}
