package session

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/internal/export"
)

// ExportStore is what the data export reads of sessions.
type ExportStore interface {
	// AllSessions returns the account's sessions, ended ones included,
	// newest first.
	AllSessions(ctx context.Context, accountID string, limit int) ([]Session, error)
	ListSignIns(ctx context.Context, accountID string, limit int) ([]SignIn, error)
}

// exportLimit caps each list of the export: far above what the retention
// sweep leaves of an account.
const exportLimit = 1000

// ExportParts are the account's sessions (active and ended, with how each
// ended) and its sign-in history, for the data export. Token hashes are
// never exported.
func ExportParts(st ExportStore, now func() time.Time) []export.Part {
	return []export.Part{
		{Name: "sessions", Title: "export.sessions.title", Empty: "export.sessions.empty",
			Columns: []string{"status", "device", "ip", "method", "created_at", "last_seen_at", "expires_at", "ended_at", "end_reason", "user_agent"},
			Collect: func(ctx context.Context, accountID string) ([]export.Record, error) {
				list, err := st.AllSessions(ctx, accountID, exportLimit)
				if err != nil {
					return nil, err
				}
				t := now()
				out := make([]export.Record, 0, len(list))
				for _, x := range list {
					status := "active"
					switch {
					case x.EndReason == EndedLapsed, x.EndedAt.IsZero() && !x.ExpiresAt.After(t):
						status = "expired" // idle or past its lifetime, whether or not recorded yet
					case !x.EndedAt.IsZero():
						status = "ended"
					}
					out = append(out, export.Record{export.Term("export.session_status", status), export.Text(Device(x.UserAgent)), export.Text(x.IP),
						export.Term("export.method", x.Method), export.Time(x.CreatedAt), export.Time(x.LastSeenAt), export.Time(x.ExpiresAt),
						export.Time(x.EndedAt), export.Term("export.end_reason", x.EndReason), export.Text(x.UserAgent)})
				}
				return out, nil
			}},
		{Name: "sign_ins", Title: "export.sign_ins.title", Empty: "export.sign_ins.empty",
			Columns: []string{"at", "outcome", "ip", "device", "method", "user_agent"},
			Collect: func(ctx context.Context, accountID string) ([]export.Record, error) {
				list, err := st.ListSignIns(ctx, accountID, exportLimit)
				if err != nil {
					return nil, err
				}
				out := make([]export.Record, 0, len(list))
				for _, x := range list {
					out = append(out, export.Record{export.Time(x.At), export.Term("history.outcome", x.Outcome), export.Text(x.IP),
						export.Text(Device(x.UserAgent)), export.Term("export.method", x.Method), export.Text(x.UserAgent)})
				}
				return out, nil
			}},
	}
}
