package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/letter"
	"github.com/kabinet/kabinet/internal/otp"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/profile"
)

// The demo citizen with a registered letter on its way: a standard
// account whose letter was printed and handed to the post five days before
// the demo started. Its code is no secret here — the demo banner shows it,
// as if the newcomer held the letter — so the code step can be walked at
// once; the whole path (order, print, type the code from the PDF) is open
// to the standard demo citizen.
const (
	LetterPhone = "+79000000004"
	LetterSNILS = document.SNILS("17459382612")
	// LetterCode is the code printed in the demo letter.
	LetterCode = "7KC4M9TX3P"
)

// Letter is the letter citizen's verified personal data (nobody in the
// registry simulator's file has it either).
func Letter() profile.Data {
	return profile.Data{
		Identity: person.Identity{Surname: "Кузнецов", Name: "Андрей", Patronymic: "Петрович", Gender: person.Male,
			BirthDate: time.Date(1991, 6, 2, 0, 0, 0, 0, time.UTC), BirthPlace: "г. Обнинск", Citizenship: person.Russia},
		Passport: document.Passport{Series: "2911", Number: "604215", IssueDate: time.Date(2016, 6, 20, 0, 0, 0, 0, time.UTC),
			IssuedBy: "ОУФМС России по Калужской области в г. Обнинске", DivisionCode: "400-008"},
		SNILS: LetterSNILS,
	}
}

// LetterAddress is where the demo letter went.
var LetterAddress = address.Address{Region: "40", Locality: "Обнинск", Street: "пр-т Ленина", House: "127", Flat: "14", Postcode: "249037"}

// LetterStore is what seeding the letter citizen needs.
type LetterStore interface {
	Store
	CreateLetter(ctx context.Context, l *letter.Letter) error
	UpdateLetter(ctx context.Context, l *letter.Letter) error
	CreateBatch(ctx context.Context, b *letter.Batch) error
	UpdateBatch(ctx context.Context, b *letter.Batch) error
}

// SeedLetter creates the letter citizen, with its letter sent, unless its
// phone is registered already; it reports whether it did. codes is the
// letters' code hasher, validity how long codes work.
func SeedLetter(ctx context.Context, st LetterStore, h *password.Hasher, codes otp.Hasher, validity time.Duration, now time.Time,
	newID func() (string, error)) (bool, error) {
	if _, err := st.AccountByPhone(ctx, LetterPhone); err == nil {
		return false, nil
	} else if problem.KindOf(err) != problem.NotFound {
		return false, err
	}
	hash, err := h.Hash(ctx, Password)
	if err != nil {
		return false, err
	}
	var ids [3]string
	for i := range ids {
		if ids[i], err = newID(); err != nil {
			return false, err
		}
	}
	d := Letter()
	a := &account.Account{ID: ids[0], Level: account.Standard, Status: account.Active, Surname: d.Identity.Surname, Name: d.Identity.Name,
		Phone: LetterPhone, PasswordHash: hash, PasswordChangedAt: now, Lang: "ru", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateAccount(ctx, a); err != nil {
		if problem.KindOf(err) == problem.Conflict {
			return false, nil // another node seeded it a moment ago
		}
		return false, fmt.Errorf("demo: seed the letter citizen: %w", err)
	}
	if err := st.SaveVerified(ctx, a.ID, d, now); err != nil {
		return false, fmt.Errorf("demo: seed personal data: %w", err)
	}
	ordered, sent := now.Add(-9*24*time.Hour), now.Add(-5*24*time.Hour)
	b := &letter.Batch{ID: ids[1], StaffID: "demo-seed", Letters: 1, PrintedAt: sent}
	l := &letter.Letter{ID: ids[2], AccountID: a.ID, Recipient: d.Identity.Surname + " " + d.Identity.Name + " " + d.Identity.Patronymic,
		Address: LetterAddress, Status: letter.Ordered, OrderedAt: ordered}
	if err := st.CreateLetter(ctx, l); err != nil {
		return false, fmt.Errorf("demo: seed the letter: %w", err)
	}
	if err := st.CreateBatch(ctx, b); err != nil {
		return false, fmt.Errorf("demo: seed the letter's batch: %w", err)
	}
	b.SentAt = sent
	if err := st.UpdateBatch(ctx, b); err != nil {
		return false, fmt.Errorf("demo: seed the letter's batch: %w", err)
	}
	l.Status, l.BatchID, l.PrintedAt, l.SentAt, l.ExpiresAt = letter.Sent, b.ID, sent, sent, sent.Add(validity)
	l.CodeHash = codes.Hash(letter.CodePurpose, l.ID, LetterCode)
	if err := st.UpdateLetter(ctx, l); err != nil {
		return false, fmt.Errorf("demo: seed the letter: %w", err)
	}
	return true, nil
}
