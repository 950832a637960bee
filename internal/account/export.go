package account

import (
	"context"

	"github.com/kabinet/kabinet/internal/export"
)

// ExportPart is the account itself for the data export: level, status,
// names, contacts, language and dates. The password hash is never
// exported, only when the password last changed.
func ExportPart(byID func(ctx context.Context, id string) (*Account, error)) export.Part {
	return export.Part{Name: "account", Title: "export.account.title", One: true,
		Columns: []string{"level", "status", "surname", "name", "phone", "email", "lang", "created_at", "password_changed_at"},
		Collect: func(ctx context.Context, id string) ([]export.Record, error) {
			a, err := byID(ctx, id)
			if err != nil {
				return nil, err
			}
			return []export.Record{{export.Term("level", string(a.Level)), export.Term("export.account_status", string(a.Status)),
				export.Text(a.Surname), export.Text(a.Name), export.Text(string(a.Phone)), export.Text(string(a.Email)),
				export.Term("export.lang", a.Lang), export.Time(a.CreatedAt), export.Time(a.PasswordChangedAt)}}, nil
		}}
}
