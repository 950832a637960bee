package flow

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/internal/export"
)

// ExportStore is what the data export reads of flows.
type ExportStore interface {
	// PendingFlows returns the account's flows neither done nor expired
	// at now, newest first (kind, state, channel and times only).
	PendingFlows(ctx context.Context, accountID string, now time.Time) ([]Flow, error)
}

// ExportPart is the account's flows in progress for the data export: what
// each is and where it stands, never its codes, link tokens or data.
func ExportPart(st ExportStore, now func() time.Time) export.Part {
	return export.Part{Name: "pending_flows", Title: "export.pending_flows.title", Empty: "export.pending_flows.empty",
		Columns: []string{"kind", "state", "channel", "created_at", "expires_at"},
		Collect: func(ctx context.Context, accountID string) ([]export.Record, error) {
			list, err := st.PendingFlows(ctx, accountID, now())
			if err != nil {
				return nil, err
			}
			out := make([]export.Record, 0, len(list))
			for _, f := range list {
				out = append(out, export.Record{export.Term("export.flow_kind", string(f.Kind)), export.Term("export.flow_state", string(f.State)),
					export.Term("export.channel", string(f.Channel)), export.Time(f.CreatedAt), export.Time(f.ExpiresAt)})
			}
			return out, nil
		}}
}
