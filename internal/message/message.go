package message

import (
	"context"
	"time"

	"github.com/kabinet/kabinet/internal/contact"
)

// Data is the content of one message: a struct whose fields are what its
// template uses. Template names the template, e.g. "signin_code".
type Data interface {
	Template() string
}

// Notification is a request to tell someone something.
type Notification struct {
	AccountID string // empty when not (yet) tied to an account
	Channel   contact.Channel
	To        string // E.164 phone or e-mail address
	Lang      string
	Data      Data
}

// Notifier queues a notification in the caller's transaction: nothing is
// sent if that transaction rolls back, and nothing is lost once it commits.
type Notifier interface {
	Send(ctx context.Context, n Notification) error
}

// RegistrationCode carries the code (and, by e-mail, the link) that confirms
// a contact during registration.
type RegistrationCode struct {
	Site    string
	Code    string
	Name    string
	Minutes int       // how long the code is valid
	Link    string    // opens the flow with the code filled in
	Until   time.Time // the expiry; the template writes it out in the reader's language
}

// RegistrationTaken tells a contact's owner that someone tried to register
// with it.
type RegistrationTaken struct {
	Site         string
	SignInLink   string
	RecoveryLink string
}

// RecoveryCode carries the code (and, by e-mail, the link) that proves
// ownership of a contact during password recovery.
type RecoveryCode struct {
	Site    string
	Code    string
	Name    string
	Minutes int
	Link    string
	Until   time.Time
}

// RecoveryUnknown tells an e-mail address without an account that someone
// tried to recover an account with it.
type RecoveryUnknown struct {
	Site         string
	RegisterLink string
}

// PasswordChanged tells an account's owner that its password was changed.
type PasswordChanged struct {
	Site         string
	Name         string
	Support      string // the support desk's phone number
	RecoveryLink string
}

// PasswordChangedByOwner tells an account's owner that the password was
// changed by someone signed in to the account, and whether the other
// sessions were ended with it.
type PasswordChangedByOwner struct {
	Site         string
	Name         string
	OthersEnded  bool
	Support      string
	RecoveryLink string
}

// DeletionRequested tells an account's owner when the account will be
// erased and how to stop it.
type DeletionRequested struct {
	Site        string
	Name        string
	EffectiveAt time.Time
	SignInLink  string // signing in cancels the deletion
	Support     string
}

// DeletionCancelled tells an account's owner that a pending deletion was
// cancelled, by the button or by signing in.
type DeletionCancelled struct {
	Site         string
	Name         string
	BySignIn     bool
	Support      string
	RecoveryLink string
}

// SignInCode carries the second-step code of a sign-in.
type SignInCode struct {
	Site         string
	Name         string
	Code         string
	Minutes      int
	Until        time.Time
	RecoveryLink string
}

// SignInLocked tells an account's owner that password checks are locked
// until a time.
type SignInLocked struct {
	Site         string
	Name         string
	Until        time.Time // when the lock ends
	RecoveryLink string
}

// SignInSuspended tells an account's owner that password sign-in is
// suspended until they recover the account.
type SignInSuspended struct {
	Site         string
	Name         string
	Support      string
	RecoveryLink string
}

// Template implements Data.
func (RegistrationCode) Template() string { return "registration_code" }

// Template implements Data.
func (RegistrationTaken) Template() string { return "registration_taken" }

// Template implements Data.
func (RecoveryCode) Template() string { return "recovery_code" }

// Template implements Data.
func (RecoveryUnknown) Template() string { return "recovery_unknown" }

// Template implements Data.
func (PasswordChanged) Template() string { return "password_changed" }

// Template implements Data.
func (SignInCode) Template() string { return "signin_code" }

// Template implements Data.
func (SignInLocked) Template() string { return "signin_locked" }

// Template implements Data.
func (SignInSuspended) Template() string { return "signin_suspended" }

// Template implements Data.
func (PasswordChangedByOwner) Template() string { return "password_changed_by_owner" }

// Template implements Data.
func (DeletionRequested) Template() string { return "deletion_requested" }

// Template implements Data.
func (DeletionCancelled) Template() string { return "deletion_cancelled" }

// ContactCode carries the code (and, by e-mail, the link) that confirms a
// new phone or e-mail of a signed-in account.
type ContactCode struct {
	Site    string
	Code    string
	Name    string
	Minutes int
	Link    string
	Until   time.Time
}

// ContactTaken tells a contact's owner that someone tried to put it on
// another account.
type ContactTaken struct {
	Site         string
	SignInLink   string
	RecoveryLink string
}

// ContactChanged tells a replaced phone or e-mail that the account now has
// another one, with a link that undoes the change until a time.
type ContactChanged struct {
	Site     string
	Name     string
	New      string // the new contact, masked
	UndoLink string
	Until    time.Time
	Support  string
}

// ContactUndone tells a restored contact that the change was undone and
// every session ended, and to recover the password.
type ContactUndone struct {
	Site         string
	Name         string
	RecoveryLink string
	Support      string
}

// Template implements Data.
func (ContactCode) Template() string { return "contact_code" }

// Template implements Data.
func (ContactTaken) Template() string { return "contact_taken" }

// Template implements Data.
func (ContactChanged) Template() string { return "contact_changed" }

// Template implements Data.
func (ContactUndone) Template() string { return "contact_undone" }

// VerificationPassed tells a citizen that the registries confirmed their
// personal data; Raised when the account became standard by it.
type VerificationPassed struct {
	Site   string
	Name   string
	Raised bool
	Link   string // the personal-data page
}

// VerificationFailed tells a citizen that a registry did not confirm their
// personal data: SNILS when the Social Fund did not, Passport when the
// Ministry of Internal Affairs did not. The page says exactly why.
type VerificationFailed struct {
	Site     string
	Name     string
	SNILS    bool
	Passport bool
	Link     string
}

// Template implements Data.
func (VerificationPassed) Template() string { return "verification_passed" }

// Template implements Data.
func (VerificationFailed) Template() string { return "verification_failed" }

// IdentityConfirmed tells a citizen that an operator confirmed their
// identity in person: the account is confirmed. Center is the service
// center's ID (its name once the directory is wired in).
type IdentityConfirmed struct {
	Site   string
	Name   string
	Center string
	Link   string // the account page
}

// Template implements Data.
func (IdentityConfirmed) Template() string { return "identity_confirmed" }

// ConfirmedByLetter tells a citizen that the code of their registered
// letter confirmed their identity: the account is confirmed.
type ConfirmedByLetter struct {
	Site string
	Name string
	Link string // the account page
}

// Template implements Data.
func (ConfirmedByLetter) Template() string { return "confirmed_by_letter" }

// ConfirmedBySignature tells a citizen that their qualified electronic
// signature confirmed their identity: the account is confirmed.
type ConfirmedBySignature struct {
	Site string
	Name string
	Link string // the account page
}

// Template implements Data.
func (ConfirmedBySignature) Template() string { return "confirmed_by_signature" }

// LetterReturned tells a citizen that the post returned their letter with
// a code undelivered: they may order it again or choose another method.
type LetterReturned struct {
	Site string
	Name string
	Link string // the account page, where the methods are
}

// Template implements Data.
func (LetterReturned) Template() string { return "letter_returned" }

// RegisteredInPerson tells a citizen that an operator registered their
// account at a service center, and where to set their password (password
// recovery with this phone).
type RegisteredInPerson struct {
	Site   string
	Name   string
	Center string
	Link   string // the password recovery page
}

// Template implements Data.
func (RegisteredInPerson) Template() string { return "registered_in_person" }

// AccessRestored tells a citizen that an operator restored their access
// at a service center: to the new contact (New) where to set a new
// password, to the replaced one what happened.
type AccessRestored struct {
	Site   string
	Name   string
	Center string
	New    bool
	Link   string // the password recovery page
}

// Template implements Data.
func (AccessRestored) Template() string { return "access_restored" }
