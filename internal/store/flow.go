package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/flow"
)

const flowColumns = `id, kind, state, binding, account_id, channel, destination, data, code_hash, link_hash,
	code_sent_at, code_expires_at, code_attempts, sends, lang, created_at, updated_at, expires_at`

func (s *Store) sealFlow(f *flow.Flow) (dest, data []byte, err error) {
	v, err := json.Marshal(f.Values)
	if err != nil {
		return nil, nil, err
	}
	return s.keys.SealString(f.Destination, "flows.destination/"+f.ID), s.keys.Seal(v, "flows.data/"+f.ID), nil
}

// CreateFlow inserts a new flow.
func (s *Store) CreateFlow(ctx context.Context, f *flow.Flow) error {
	dest, data, err := s.sealFlow(f)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO flows (`+flowColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		f.ID, string(f.Kind), string(f.State), f.Binding, nullString(f.AccountID), string(f.Channel), dest, data,
		f.CodeHash, f.LinkHash, ms(f.CodeSentAt), ms(f.CodeExpiresAt), f.CodeAttempts, f.Sends, f.Lang,
		ms(f.CreatedAt), ms(f.UpdatedAt), ms(f.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create flow: %w", err)
	}
	return nil
}

// UpdateFlow writes every mutable field of a flow back.
func (s *Store) UpdateFlow(ctx context.Context, f *flow.Flow) error {
	dest, data, err := s.sealFlow(f)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, `UPDATE flows SET state = ?, binding = ?, account_id = ?, channel = ?, destination = ?, data = ?,
		code_hash = ?, link_hash = ?, code_sent_at = ?, code_expires_at = ?, code_attempts = ?, sends = ?, lang = ?,
		updated_at = ?, expires_at = ? WHERE id = ?`,
		string(f.State), f.Binding, nullString(f.AccountID), string(f.Channel), dest, data, f.CodeHash, f.LinkHash,
		ms(f.CodeSentAt), ms(f.CodeExpiresAt), f.CodeAttempts, f.Sends, f.Lang, ms(f.UpdatedAt), ms(f.ExpiresAt), f.ID)
	if err != nil {
		return fmt.Errorf("store: update flow: %w", err)
	}
	return expectOne(res, "flow.not_found")
}

// Flow returns a flow of the given kind, or a NotFound problem.
func (s *Store) Flow(ctx context.Context, kind flow.Kind, id string) (*flow.Flow, error) {
	var (
		f                                       flow.Flow
		kindS, state, channel                   string
		accountID                               sql.NullString
		dest, data                              []byte
		codeSent, codeExp, created, upd, expire sql.NullInt64
	)
	err := s.queryRow(ctx, `SELECT `+flowColumns+` FROM flows WHERE id = ? AND kind = ?`, id, string(kind)).Scan(
		&f.ID, &kindS, &state, &f.Binding, &accountID, &channel, &dest, &data, &f.CodeHash, &f.LinkHash,
		&codeSent, &codeExp, &f.CodeAttempts, &f.Sends, &f.Lang, &created, &upd, &expire)
	if err != nil {
		return nil, notFound(err, "flow.not_found")
	}
	f.Kind, f.State, f.Channel, f.AccountID = flow.Kind(kindS), flow.State(state), contact.Channel(channel), accountID.String
	f.CodeSentAt, f.CodeExpiresAt, f.CreatedAt, f.UpdatedAt, f.ExpiresAt = fromMS(codeSent), fromMS(codeExp), fromMS(created), fromMS(upd), fromMS(expire)
	if f.Destination, err = s.keys.OpenString(dest, "flows.destination/"+f.ID); err != nil {
		return nil, fmt.Errorf("store: flow %s: %w", f.ID, err)
	}
	v, err := s.keys.Open(data, "flows.data/"+f.ID)
	if err != nil {
		return nil, fmt.Errorf("store: flow %s: %w", f.ID, err)
	}
	if err := json.Unmarshal(v, &f.Values); err != nil {
		return nil, fmt.Errorf("store: flow %s: %w", f.ID, err)
	}
	return &f, nil
}

// CountCodeAttempt adds one to the flow's code attempts, atomically, and
// returns the new count. It runs before the code is compared.
func (s *Store) CountCodeAttempt(ctx context.Context, id string, at time.Time) (int, error) {
	var n int
	err := s.writeRow(ctx, `UPDATE flows SET code_attempts = code_attempts + 1, updated_at = ? WHERE id = ? RETURNING code_attempts`, ms(at), id).Scan(&n)
	if err != nil {
		return 0, notFound(err, "flow.not_found")
	}
	return n, nil
}

// DeleteExpiredFlows removes flows that expired before the given time.
func (s *Store) DeleteExpiredFlows(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM flows WHERE expires_at < ?`, ms(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
