package account

import (
	"context"

	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/problem"
)

// ByContact finds accounts by a phone or an e-mail address (the store's
// look-ups by blind index).
type ByContact interface {
	AccountByPhone(ctx context.Context, p contact.Phone) (*Account, error)
	AccountByEmail(ctx context.Context, e contact.Email) (*Account, error)
}

// Owner returns the account that holds the phone (E.164) or e-mail dest
// on channel ch, or nil when none does.
func Owner(ctx context.Context, st ByContact, ch contact.Channel, dest string) (*Account, error) {
	var (
		a   *Account
		err error
	)
	if ch == contact.ChannelEmail {
		a, err = st.AccountByEmail(ctx, contact.Email(dest))
	} else {
		a, err = st.AccountByPhone(ctx, contact.Phone(dest))
	}
	if problem.KindOf(err) == problem.NotFound {
		return nil, nil
	}
	return a, err
}
