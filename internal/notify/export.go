package notify

import (
	"context"

	"github.com/kabinet/kabinet/internal/export"
)

// ExportStore is what the data export reads of the outbox.
type ExportStore interface {
	// NotificationsOf returns the account's notifications, newest first.
	NotificationsOf(ctx context.Context, accountID string, limit int) ([]Record, error)
}

// ExportPart is the notifications sent to the account for the data
// export: channel, recipient, which message, when and its delivery
// status. Their subjects and texts are left out: they carried codes and
// links, which must not outlive the message.
func ExportPart(st ExportStore) export.Part {
	return export.Part{Name: "notifications", Title: "export.notifications.title", Empty: "export.notifications.empty",
		Columns: []string{"created_at", "channel", "recipient", "template", "status", "sent_at"},
		Collect: func(ctx context.Context, accountID string) ([]export.Record, error) {
			list, err := st.NotificationsOf(ctx, accountID, 1000)
			if err != nil {
				return nil, err
			}
			out := make([]export.Record, 0, len(list))
			for _, r := range list {
				out = append(out, export.Record{export.Time(r.CreatedAt), export.Term("export.channel", string(r.Channel)), export.Text(r.To),
					export.Term("export.template", r.Template), export.Term("export.notification_status", string(r.Status)), export.Time(r.SentAt)})
			}
			return out, nil
		}}
}
