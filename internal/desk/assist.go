package desk

import (
	"context"
	"encoding/base64"
	"io"
	"strings"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/person"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

// RegisterInput is a citizen who came in person without an account: their
// names and mobile phone, as typed by the operator.
type RegisterInput struct {
	Surname, Name, Phone string
	Lang                 string // the citizen's language for messages ("" → ru)
}

// Register creates a simplified account for a citizen who came in person.
// The account gets a password nobody knows; the citizen is sent an SMS
// telling them to set their own through password recovery (a code to the
// same phone, in their own browser), so no password or link travels
// through the operator. A phone that already has an account is Invalid
// "desk.phone_taken" on "phone" — all the operator needs to know (they can
// then find it by phone); names and phone are checked as at registration.
// Audited staff.citizen_registered.
func (s *Service) Register(ctx context.Context, a staff.Actor, in RegisterInput) (*Card, error) {
	g, err := s.authorize(ctx, a, staff.PermCitizensRegister)
	if err != nil {
		return nil, err
	}
	var f problem.Fields
	surname, err := person.NormalizeName(in.Surname)
	f.Add("surname", err)
	name, err := person.NormalizeName(in.Name)
	f.Add("name", err)
	phone, err := contact.ParsePhone(in.Phone)
	f.Add("phone", err)
	if err := f.Err(); err != nil {
		return nil, err
	}
	lang := in.Lang
	if lang != "en" {
		lang = "ru"
	}
	id, err := s.d.NewID()
	if err != nil {
		return nil, err
	}
	// A password nobody knows: the account cannot be signed in to until
	// its owner sets one by recovery.
	hash, err := s.d.Hasher.Hash(ctx, unknowable(s.d.Rand))
	if err != nil {
		return nil, err
	}
	var card *Card
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		if _, err := s.d.Store.AccountByPhone(ctx, phone); err == nil {
			return problem.InvalidField("phone", problem.M("desk.phone_taken"))
		} else if problem.KindOf(err) != problem.NotFound {
			return err
		}
		now := s.d.Now()
		acc := &account.Account{ID: id, Level: account.Simplified, Status: account.Active, Surname: surname, Name: name, Phone: phone,
			PasswordHash: hash, PasswordChangedAt: now, Lang: lang, CreatedAt: now, UpdatedAt: now}
		if err := s.d.Store.CreateAccount(ctx, acc); err != nil {
			if problem.KindOf(err) == problem.Conflict {
				return problem.InvalidField("phone", problem.M("desk.phone_taken"))
			}
			return err
		}
		if err := s.tell(ctx, acc, message.RegisteredInPerson{Site: s.d.Site, Name: name, Center: s.centerName(ctx, a.CenterID), Link: s.d.Links.Recovery()}); err != nil {
			return err
		}
		card = &Card{AccountID: id, Level: account.Simplified, Surname: surname, Name: name, Phone: phone.Masked()}
		e := a.Event(g, staff.PermCitizensRegister, "staff.citizen_registered", id, now)
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return nil, err
	}
	return card, nil
}

// unknowable is a password nobody is told: 32 random bytes.
func unknowable(r io.Reader) string {
	b := make([]byte, 32)
	if _, err := io.ReadFull(r, b); err != nil {
		panic("desk: randomness: " + err.Error()) // crypto/rand does not fail
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// RestoreInput is an in-person restore of access: the passport in hand and
// the citizen's new mobile phone or e-mail address (exactly one).
type RestoreInput struct {
	AccountID      string
	Series, Number string
	Phone, Email   string
}

// Restore gives back access to a citizen who lost their phone or e-mail:
// after the typed passport matches the verified one (as Confirm compares
// it, counted against ConfirmLimit; a mismatch is audited
// staff.identity_mismatch and Invalid on "series" and "number"), the new
// contact replaces the old one of its kind, every session ends, the
// password locks are released, the new contact is told to set a new
// password by recovery and the old one (if any) is told what happened.
// Only an account with verified data can be restored this way (Conflict
// "desk.not_verified"); a contact another account holds is Invalid
// "desk.contact_taken". Audited staff.access_restored. The caller checks
// the fresh code first.
func (s *Service) Restore(ctx context.Context, a staff.Actor, in RestoreInput) (*Card, error) {
	g, err := s.authorize(ctx, a, staff.PermAccessRestore)
	if err != nil {
		return nil, err
	}
	var f problem.Fields
	series, number := passportFields(&f, in.Series, in.Number)
	ch, value := contact.ChannelSMS, ""
	switch phone, email := strings.TrimSpace(in.Phone), strings.TrimSpace(in.Email); {
	case phone != "" && email != "":
		f.Add("phone", problem.M("desk.contact_one"))
	case phone != "":
		p, err := contact.ParsePhone(phone)
		f.Add("phone", err)
		value = string(p)
	case email != "":
		e, err := contact.ParseEmail(email)
		f.Add("email", err)
		ch, value = contact.ChannelEmail, string(e)
	default:
		f.Add("phone", problem.M("desk.contact_one"))
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	if err := s.d.Limiter.Take(ctx, ConfirmLimit, in.AccountID); err != nil {
		return nil, err
	}
	field := "phone"
	if ch == contact.ChannelEmail {
		field = "email"
	}
	var (
		card     *Card
		mismatch bool
	)
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		mismatch = false
		acc, c, err := s.activeCard(ctx, in.AccountID)
		if err != nil {
			return err
		}
		card = c
		if card.Verified == nil {
			return problem.New(problem.Conflict, "desk.not_verified")
		}
		now := s.d.Now()
		if !samePassport(card.Verified.Passport, series, number) {
			mismatch = true
			e := a.Event(g, staff.PermAccessRestore, "staff.identity_mismatch", acc.ID, now)
			e.Details = map[string]string{"for": "access_restore"}
			return s.d.Store.AppendAudit(ctx, &e)
		}
		old := string(acc.Phone)
		if ch == contact.ChannelEmail {
			old = string(acc.Email)
		}
		if err := s.d.Store.SetContact(ctx, acc.ID, ch, value, now); err != nil {
			if problem.KindOf(err) == problem.Conflict {
				return problem.InvalidField(field, problem.M("desk.contact_taken"))
			}
			return err
		}
		if _, err := s.d.Sessions.EndOthers(ctx, acc.ID, "", "access_restored"); err != nil {
			return err
		}
		if err := s.d.Locks.Release(ctx, string(acc.Phone), string(acc.Email), value); err != nil {
			return err
		}
		msg := message.AccessRestored{Site: s.d.Site, Name: acc.Name, Center: s.centerName(ctx, a.CenterID), Link: s.d.Links.Recovery()}
		if old != "" && old != value {
			told := msg
			if err := s.d.Notifier.Send(ctx, message.Notification{AccountID: acc.ID, Channel: ch, To: old, Lang: acc.Lang, Data: told}); err != nil {
				return err
			}
		}
		msg.New = true
		if err := s.d.Notifier.Send(ctx, message.Notification{AccountID: acc.ID, Channel: ch, To: value, Lang: acc.Lang, Data: msg}); err != nil {
			return err
		}
		if ch == contact.ChannelEmail {
			card.Email = contact.Email(value).Masked()
		} else {
			card.Phone = contact.Phone(value).Masked()
		}
		e := a.Event(g, staff.PermAccessRestore, "staff.access_restored", acc.ID, now)
		e.Details = map[string]string{"channel": string(ch)}
		return s.d.Store.AppendAudit(ctx, &e)
	})
	if err != nil {
		return card, err
	}
	if mismatch {
		return card, passportMismatch()
	}
	return card, nil
}
