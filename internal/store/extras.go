package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/extras"
)

// Extras is the storage of the additional data (internal/extras): one
// additional_data row per account, with the audit log.
type Extras struct {
	transactions
	*AuditLog
}

// Extras returns the additional data repository.
func (s *Store) Extras() *Extras {
	return &Extras{transactions: transactions{st: s}, AuditLog: s.AuditLog()}
}

var _ extras.Store = (*Extras)(nil)

// sealedExtras is the additional data as stored, sealed as one JSON value
// under names of its own, so that the domain's types can change without
// rewriting rows.
type sealedExtras struct {
	Registration  *sealedAddress `json:"registration,omitempty"`
	Residence     *sealedAddress `json:"residence,omitempty"`
	ResidenceSame bool           `json:"residence_same,omitempty"`
	HomePhone     string         `json:"home_phone,omitempty"`
	INN           string         `json:"inn,omitempty"`
	INNSource     string         `json:"inn_source,omitempty"`
	OMS           string         `json:"oms,omitempty"`
}

type sealedAddress struct {
	Region   string `json:"region"`
	Locality string `json:"locality"`
	Street   string `json:"street,omitempty"`
	House    string `json:"house"`
	Building string `json:"building,omitempty"`
	Flat     string `json:"flat,omitempty"`
	Postcode string `json:"postcode,omitempty"`
}

func sealAddress(a *address.Address) *sealedAddress {
	if a == nil {
		return nil
	}
	s := sealedAddress(*a)
	return &s
}

func openAddress(s *sealedAddress) *address.Address {
	if s == nil {
		return nil
	}
	a := address.Address(*s)
	return &a
}

// AdditionalData returns the account's additional data, the zero Data when
// it has none.
func (x *Extras) AdditionalData(ctx context.Context, accountID string) (extras.Data, error) {
	var ct []byte
	var at sql.NullInt64
	err := x.transactions.st.queryRow(ctx, `SELECT data, updated_at FROM additional_data WHERE account_id = ?`, accountID).Scan(&ct, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return extras.Data{}, nil
	}
	if err != nil {
		return extras.Data{}, fmt.Errorf("store: additional data: %w", err)
	}
	context := sealedColumn("additional_data", "data").context(accountID)
	pt, err := x.transactions.st.keys.Open(ct, context)
	if err != nil {
		return extras.Data{}, fmt.Errorf("store: %s: %w", context, err)
	}
	var s sealedExtras
	if err := json.Unmarshal(pt, &s); err != nil {
		return extras.Data{}, fmt.Errorf("store: %s: %w", context, err)
	}
	return extras.Data{Registration: openAddress(s.Registration), Residence: openAddress(s.Residence), ResidenceSame: s.ResidenceSame,
		HomePhone: contact.Phone(s.HomePhone), INN: document.INN(s.INN), INNSource: extras.INNSource(s.INNSource), OMS: document.OMS(s.OMS),
		UpdatedAt: fromMS(at)}, nil
}

// SaveAdditionalData replaces the account's additional data.
func (x *Extras) SaveAdditionalData(ctx context.Context, accountID string, d extras.Data) error {
	pt, err := json.Marshal(sealedExtras{Registration: sealAddress(d.Registration), Residence: sealAddress(d.Residence), ResidenceSame: d.ResidenceSame,
		HomePhone: string(d.HomePhone), INN: string(d.INN), INNSource: string(d.INNSource), OMS: string(d.OMS)})
	if err != nil {
		return err
	}
	ct := x.transactions.st.keys.Seal(pt, sealedColumn("additional_data", "data").context(accountID))
	if _, err := x.transactions.st.exec(ctx, `INSERT INTO additional_data (account_id, data, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`, accountID, ct, ms(d.UpdatedAt)); err != nil {
		return fmt.Errorf("store: save additional data: %w", err)
	}
	return nil
}
