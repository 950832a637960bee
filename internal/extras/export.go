package extras

import (
	"context"

	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/export"
)

// ExportPart is the additional data in "download my data": one record, the
// addresses written on one line each (regionName names a region by its
// code), no record when nothing was saved.
func ExportPart(get func(ctx context.Context, accountID string) (Data, error), regionName func(code string) string) export.Part {
	line := func(a *address.Address) export.Value {
		if a == nil {
			return export.Text("")
		}
		return export.Text(Line(*a, regionName(a.Region)))
	}
	return export.Part{Name: "additional_data", Title: "export.additional_data.title", One: true, Empty: "export.additional_data.empty",
		Columns: []string{FieldRegistration, FieldResidence, FieldHomePhone, FieldINN, "inn_source", FieldOMS, "updated_at"},
		Collect: func(ctx context.Context, accountID string) ([]export.Record, error) {
			d, err := get(ctx, accountID)
			if err != nil || d.UpdatedAt.IsZero() {
				return nil, err
			}
			source := export.Text("")
			if d.INNSource != "" {
				source = export.Term("export.inn_source", string(d.INNSource))
			}
			return []export.Record{{line(d.Registration), line(d.ResidenceAddress()), export.Text(string(d.HomePhone)),
				export.Text(string(d.INN)), source, export.Text(string(d.OMS)), export.Time(d.UpdatedAt)}}, nil
		}}
}
