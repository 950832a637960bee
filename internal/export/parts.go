package export

import (
	"context"

	"github.com/kabinet/kabinet/internal/audit"
)

// EventSource reads the audit log's events about an account.
type EventSource interface {
	// EventsAbout returns the latest events about the account, newest first.
	EventsAbout(ctx context.Context, accountID string, limit int) ([]audit.Event, error)
}

// SecurityEvents is the audit log's events about the account: what
// happened (in words on the page), when and from which address. Their
// details (session IDs, masked contacts) are left out.
func SecurityEvents(src EventSource) Part {
	return Part{Name: "security_events", Title: "export.security_events.title", Empty: "export.security_events.empty",
		Columns: []string{"at", "action", "ip"},
		Collect: func(ctx context.Context, accountID string) ([]Record, error) {
			list, err := src.EventsAbout(ctx, accountID, 1000)
			if err != nil {
				return nil, err
			}
			out := make([]Record, 0, len(list))
			for _, e := range list {
				out = append(out, Record{Time(e.At), Term("export.action", e.Action), Text(e.IP)})
			}
			return out, nil
		}}
}

// RememberedDevices is the devices that may sign in past a login's lock.
// kabinet keeps no list of them: the mark is a token held by the browser,
// checked by its signature. The part is there to say so.
func RememberedDevices() Part {
	return Part{Name: "remembered_devices", Title: "export.remembered_devices.title", Empty: "export.remembered_devices.none",
		Columns: []string{"device"},
		Collect: func(context.Context, string) ([]Record, error) { return nil, nil }}
}
