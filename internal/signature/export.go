package signature

import (
	"context"

	"github.com/kabinet/kabinet/internal/export"
)

// ExportPart is the account's confirmation statements in "download my
// data": when each was issued, its code, and whether it confirmed the
// account. The name and SNILS a statement holds are the verified data's,
// which the export shows in its own part.
func ExportPart(list func(ctx context.Context, accountID string) ([]*Statement, error)) export.Part {
	return export.Part{Name: "signature_statements", Title: "export.signature_statements.title", Empty: "export.signature_statements.empty",
		Columns: []string{"nonce", "issued_at", "expires_at", "used_at"},
		Collect: func(ctx context.Context, accountID string) ([]export.Record, error) {
			ss, err := list(ctx, accountID)
			if err != nil {
				return nil, err
			}
			out := make([]export.Record, 0, len(ss))
			for _, s := range ss {
				out = append(out, export.Record{export.Text(s.Nonce), export.Time(s.IssuedAt), export.Time(s.ExpiresAt), export.Time(s.UsedAt)})
			}
			return out, nil
		}}
}
