package sso

import (
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/profile"
)

// Person is what kabinet holds verified of a citizen: what a site may
// receive. Data a citizen typed and nobody checked — addresses, the OMS
// policy, an INN typed rather than found — is not here: it is never
// released (issue 15 §2: verified data only).
type Person struct {
	Level account.Level
	// Data is the personal data the registries (the Social Fund, the
	// Ministry of Internal Affairs) confirmed at DataVerifiedAt; nil
	// before.
	Data           *profile.Data
	DataVerifiedAt time.Time
	// Phone and Email are the account's contacts, each confirmed by a code
	// sent to it.
	Phone contact.Phone
	Email contact.Email
	// INN is the one the Tax Service found for the citizen, at
	// INNVerifiedAt; "" when none was found.
	INN           document.INN
	INNVerifiedAt time.Time
}

// Trust frameworks of verified_claims: what checked the data.
const (
	TrustRegistries = "kabinet_registries" // the Social Fund and the Ministry of Internal Affairs
	TrustTaxService = "kabinet_fns"        // the Tax Service
)

// Release returns the claims of the scopes a site was granted that the
// person has verified, and the scopes whose data it released. The data
// comes in verified_claims (OpenID Connect for Identity Assurance), each
// group with what checked it and when; the contacts, confirmed by a code,
// are the standard email and phone_number with their _verified flags.
func Release(scopes []string, p Person) (map[string]any, []string) {
	claims := map[string]any{}
	var released []string
	asked := map[string]bool{}
	for _, s := range scopes {
		asked[s] = true
	}
	if d := p.Data; d != nil {
		id := map[string]any{}
		if asked["fullname"] {
			id["family_name"], id["given_name"] = d.Identity.Surname, d.Identity.Name
			if d.Identity.Patronymic != "" {
				id["middle_name"] = d.Identity.Patronymic
			}
			released = append(released, "fullname")
		}
		if asked["birthdate"] {
			id["birthdate"] = d.Identity.BirthDate.Format(time.DateOnly)
			released = append(released, "birthdate")
		}
		if asked["gender"] && d.Identity.Gender != "" {
			id["gender"] = string(d.Identity.Gender)
			released = append(released, "gender")
		}
		if asked["birthplace"] && d.Identity.BirthPlace != "" {
			id["place_of_birth"] = map[string]any{"locality": d.Identity.BirthPlace}
			released = append(released, "birthplace")
		}
		if asked["snils"] && d.SNILS != "" {
			id["snils"] = d.SNILS.String()
			released = append(released, "snils")
		}
		if asked["id_doc"] && d.Passport.Number != "" {
			id["id_doc"] = map[string]any{"type": profile.PassportRF, "series": d.Passport.Series, "number": d.Passport.Number,
				"issue_date": d.Passport.IssueDate.Format(time.DateOnly), "issued_by": d.Passport.IssuedBy, "division_code": d.Passport.DivisionCode}
			released = append(released, "id_doc")
		}
		if len(id) > 0 {
			claims["verified_claims"] = append(verified(claims), map[string]any{
				"verification": map[string]any{"trust_framework": TrustRegistries, "time": p.DataVerifiedAt.UTC().Format(time.RFC3339),
					"assurance_level": ACR(p.Level)},
				"claims": id})
		}
	}
	if asked["inn"] && p.INN != "" {
		claims["verified_claims"] = append(verified(claims), map[string]any{
			"verification": map[string]any{"trust_framework": TrustTaxService, "time": p.INNVerifiedAt.UTC().Format(time.RFC3339)},
			"claims":       map[string]any{"inn": string(p.INN)}})
		released = append(released, "inn")
	}
	if asked["email"] && p.Email != "" {
		claims["email"], claims["email_verified"] = string(p.Email), true
		released = append(released, "email")
	}
	if asked["mobile"] && p.Phone != "" {
		claims["phone_number"], claims["phone_number_verified"] = string(p.Phone), true
		released = append(released, "mobile")
	}
	return claims, released
}

func verified(claims map[string]any) []map[string]any {
	v, _ := claims["verified_claims"].([]map[string]any)
	return v
}
