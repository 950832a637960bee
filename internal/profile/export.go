package profile

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/internal/export"
	"github.com/kabinet/kabinet/internal/registry"
)

// dataColumns are the columns of the personal data in both export parts.
var dataColumns = []string{"surname", "name", "patronymic", "gender", "birth_date", "birth_place", "citizenship",
	"passport_series", "passport_number", "passport_issue_date", "passport_issued_by", "passport_division_code", "snils"}

// dataValues is the personal data as export values, in dataColumns'
// order. Days are written YYYY-MM-DD: a date of birth has no time.
func dataValues(d Data) export.Record {
	id, p := d.Identity, d.Passport
	day := func(t time.Time) export.Value {
		if t.IsZero() {
			return export.Text("")
		}
		return export.Text(t.Format(time.DateOnly))
	}
	gender := export.Text("")
	if id.Gender != "" {
		gender = export.Term("export.gender", string(id.Gender))
	}
	return export.Record{export.Text(id.Surname), export.Text(id.Name), export.Text(id.Patronymic), gender, day(id.BirthDate),
		export.Text(id.BirthPlace), export.Text(id.Citizenship), export.Text(p.Series), export.Text(p.Number), day(p.IssueDate),
		export.Text(p.IssuedBy), export.Text(p.DivisionCode), export.Text(d.SNILS.String())}
}

// ExportParts are the personal data for the data export: the verified
// data with when it was verified, and the latest submission with where it
// and each registry's check stand.
func ExportParts(get func(ctx context.Context, accountID string) (*Record, error)) []export.Part {
	verified := export.Part{Name: "personal_data", Title: "export.personal_data.title", Empty: "export.personal_data.empty", One: true,
		Columns: append(append([]string{}, dataColumns...), "verified_at"),
		Collect: func(ctx context.Context, accountID string) ([]export.Record, error) {
			rec, err := get(ctx, accountID)
			if err != nil || rec.Verified == nil {
				return nil, err
			}
			return []export.Record{append(dataValues(*rec.Verified), export.Time(rec.VerifiedAt))}, nil
		}}
	latest := export.Part{Name: "verification", Title: "export.verification.title", Empty: "export.verification.empty", One: true,
		Columns: append([]string{"state", "submitted_at", "finished_at", "sfr_check", "mvd_check"}, dataColumns...),
		Collect: func(ctx context.Context, accountID string) ([]export.Record, error) {
			rec, err := get(ctx, accountID)
			if err != nil || rec.Latest == nil {
				return nil, err
			}
			v := rec.Latest
			check := func(id registry.ID) export.Value {
				if c, ok := v.Check(id); ok {
					return export.Term("export.check_state", string(c.State))
				}
				return export.Term("export.check_state", "none") // this part of the data did not change
			}
			r := export.Record{export.Term("export.check_state", string(v.State)), export.Time(v.SubmittedAt), export.Time(v.FinishedAt),
				check(registry.SFR), check(registry.MVD)}
			return []export.Record{append(r, dataValues(v.Data)...)}, nil
		}}
	return []export.Part{verified, latest}
}
