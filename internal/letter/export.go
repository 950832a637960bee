package letter

import (
	"context"

	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/export"
)

// ExportPart is the account's letters in "download my data": where each
// went, to whom and what became of it — never its code, which kabinet does
// not keep. line writes an address as one line.
func ExportPart(list func(ctx context.Context, accountID string) ([]*Letter, error), line func(address.Address) string) export.Part {
	return export.Part{Name: "letters", Title: "export.letters.title", Empty: "export.letters.empty",
		Columns: []string{"status", "recipient", "address", "ordered_at", "printed_at", "sent_at", "returned_at", "used_at", "closed_at", "expires_at"},
		Collect: func(ctx context.Context, accountID string) ([]export.Record, error) {
			ls, err := list(ctx, accountID)
			if err != nil {
				return nil, err
			}
			out := make([]export.Record, 0, len(ls))
			for _, l := range ls {
				out = append(out, export.Record{export.Term("export.letter_status", string(l.Status)), export.Text(l.Recipient),
					export.Text(line(l.Address)), export.Time(l.OrderedAt), export.Time(l.PrintedAt), export.Time(l.SentAt),
					export.Time(l.ReturnedAt), export.Time(l.UsedAt), export.Time(l.ClosedAt), export.Time(l.ExpiresAt)})
			}
			return out, nil
		}}
}
