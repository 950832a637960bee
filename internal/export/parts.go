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
// details (session IDs, masked contacts) are left out, and so are the
// staff's accesses: StaffAccesses lists those without the staff's address.
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
				if e.ActorKind == audit.ActorStaff {
					continue
				}
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

// maxStaffAccesses bounds the accesses an export lists.
const maxStaffAccesses = 1000

// StaffAccesses is «Кто смотрел мои данные»: every staff access to the
// account's data (at most the latest 1000), with the role, the center's
// name and the reason, never the staff member (audit.Access).
func StaffAccesses(list func(ctx context.Context, accountID string, cursor audit.Cursor, limit int) (audit.AccessPage, error)) Part {
	return Part{Name: "data_access", Title: "export.data_access.title", Empty: "export.data_access.empty",
		Columns: []string{"at", "action", "role", "center", "reason", "reference"},
		Collect: func(ctx context.Context, accountID string) ([]Record, error) {
			var out []Record
			var cursor audit.Cursor
			for len(out) < maxStaffAccesses {
				p, err := list(ctx, accountID, cursor, audit.MaxPageSize)
				if err != nil {
					return nil, err
				}
				for _, a := range p.Accesses {
					out = append(out, Record{Time(a.At), Term("audit.action", a.Action), Term("audit.role", a.Role), Text(a.Center),
						Term("audit.reason", a.Reason), Text(a.Reference)})
				}
				if p.Next == 0 {
					break
				}
				cursor = p.Next
			}
			if len(out) > maxStaffAccesses {
				out = out[:maxStaffAccesses]
			}
			return out, nil
		}}
}
