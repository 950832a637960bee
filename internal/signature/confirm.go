package signature

import (
	"context"
	"errors"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/audit"
	"github.com/kabinet/kabinet/internal/esign"
	"github.com/kabinet/kabinet/internal/message"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/session"
)

// Statement returns the citizen's current statement: the latest, while it
// is unused, unexpired and names them as their verified data does now;
// else a new one, with a new nonce. Only a standard account may (Conflict
// "signature.not_verified" for a simplified one, "signature.already_
// confirmed" for a confirmed one).
func (s *Service) Statement(ctx context.Context, accountID string) (*Statement, error) {
	var out *Statement
	err := s.d.Store.Transact(ctx, func(ctx context.Context) error {
		a, err := s.d.Store.AccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		if err := eligible(a); err != nil {
			return err
		}
		who, ok, err := s.d.Store.VerifiedPerson(ctx, accountID)
		if err != nil {
			return err
		}
		if !ok {
			return problem.New(problem.Conflict, "signature.not_verified")
		}
		now := s.d.Now()
		last, err := s.d.Store.LatestStatement(ctx, accountID)
		switch {
		case problem.KindOf(err) == problem.NotFound:
		case err != nil:
			return err
		case !last.Used() && !last.Expired(now) && last.Person == who:
			out = last
			return nil
		}
		id, err := s.d.NewID()
		if err != nil {
			return err
		}
		nonce, err := newNonce(s.d.Rand)
		if err != nil {
			return err
		}
		out = &Statement{ID: id, AccountID: accountID, Nonce: nonce, Person: who, Site: s.d.Site,
			Format: StatementFormat, IssuedAt: now, ExpiresAt: now.Add(StatementValidity)}
		return s.d.Store.CreateStatement(ctx, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eligible says whether the account may confirm by signature.
func eligible(a *account.Account) error {
	switch {
	case a.Level == account.Confirmed:
		return problem.New(problem.Conflict, "signature.already_confirmed")
	case a.Level != account.Standard:
		return problem.New(problem.Conflict, "signature.not_verified")
	}
	return nil
}

// Confirm checks an uploaded detached signature (DER, PEM or Base64) over
// the citizen's current statement and, when it holds, confirms the
// account. In order: UploadLimit (TooMany); the account (Conflict
// "signature.not_verified", "signature.already_confirmed"); the upload
// (Invalid on "signature": "signature.empty", "signature.too_large"); the
// statement (Conflict "signature.no_statement", "signature.statement_
// expired", "signature.statement_outdated" when the verified data changed
// since); the signature, by esign (Invalid on "signature" with
// "signature.reason.<reason>"; Unavailable for a CRL that cannot be had
// now, and "signature.unavailable" when no CA is trusted); the
// certificate's SNILS and name ("signature.snils_mismatch",
// "signature.name_mismatch").
//
// A refused signature is audited signature.rejected with its reason, in
// a transaction of its own. An accepted one, in one transaction: the
// level raised, the confirmation recorded, the statement used, the
// citizen told, the sessions refreshed, Elsewhere told; audited
// signature.confirmed with the certificate's serial, issuer and algorithm.
func (s *Service) Confirm(ctx context.Context, accountID string, upload []byte, c session.Client) (*Result, error) {
	if err := s.d.Limiter.Take(ctx, UploadLimit, accountID); err != nil {
		return nil, err
	}
	a, err := s.d.Store.AccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if err := eligible(a); err != nil {
		return nil, err
	}
	who, ok, err := s.d.Store.VerifiedPerson(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, problem.New(problem.Conflict, "signature.not_verified")
	}
	st, signer, rej := s.check(ctx, accountID, who, upload)
	if rej != nil {
		if err := s.auditRejection(ctx, accountID, st, signer, rej, c); err != nil {
			return nil, err
		}
		return nil, rej.err
	}
	var res *Result
	err = s.d.Store.Transact(ctx, func(ctx context.Context) error {
		a, err := s.d.Store.AccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		if err := eligible(a); err != nil {
			return err
		}
		// A statement issued meanwhile (another tab) replaced this one.
		if last, err := s.d.Store.LatestStatement(ctx, accountID); err != nil {
			return err
		} else if last.ID != st.ID {
			return problem.New(problem.Conflict, "signature.statement_outdated")
		}
		now := s.d.Now()
		if used, err := s.d.Store.UseStatement(ctx, st.ID, now); err != nil {
			return err
		} else if !used {
			return problem.New(problem.Conflict, "signature.already_confirmed")
		}
		raised, err := s.d.Store.RaiseLevel(ctx, accountID, account.Confirmed, now)
		if err != nil {
			return err
		}
		if !raised {
			return problem.New(problem.Conflict, "signature.already_confirmed")
		}
		if err := s.d.Store.RecordConfirmation(ctx, accountID, MethodSignature, now); err != nil {
			return err
		}
		if err := s.d.Sessions.AccountChanged(ctx, accountID); err != nil {
			return err
		}
		if err := s.tell(ctx, a, message.ConfirmedBySignature{Site: s.d.Site, Name: a.Name, Link: s.d.Links.Account()}); err != nil {
			return err
		}
		if s.d.Elsewhere != nil {
			if err := s.d.Elsewhere.ConfirmedElsewhere(ctx, accountID, now); err != nil {
				return err
			}
		}
		res = &Result{Holder: holder(signer), Issuer: signer.Issuer, Serial: signer.Serial, NotBefore: signer.NotBefore,
			NotAfter: signer.NotAfter, Algorithm: signer.Algorithm, ConfirmedAt: now}
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: now, Action: "signature.confirmed", ActorKind: audit.ActorCitizen, ActorID: accountID,
			SubjectAccountID: accountID, IP: c.IP, RequestID: c.RequestID, Details: map[string]string{"statement": st.ID, "method": MethodSignature,
				"serial": signer.Serial, "issuer": signer.Issuer, "algorithm": signer.Algorithm}})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// rejection is why an upload was refused: reason for the audit log, err
// for the citizen.
type rejection struct {
	reason string
	err    error
}

func refuse(reason string, err error) *rejection { return &rejection{reason: reason, err: err} }

// check reads and verifies the upload against the current statement and
// the verified data who, outside any transaction (fetching a CRL may take
// seconds). It returns the statement and the signer as far as it got.
func (s *Service) check(ctx context.Context, accountID string, who Person, upload []byte) (*Statement, *esign.Signer, *rejection) {
	switch {
	case len(upload) == 0:
		return nil, nil, refuse("empty", problem.InvalidField("signature", problem.M("signature.empty")))
	case len(upload) > MaxUpload:
		return nil, nil, refuse("too_large", problem.InvalidField("signature", problem.M("signature.too_large", "MaxKB", MaxUpload>>10)))
	}
	sig, err := esign.Parse(upload)
	if err != nil {
		return nil, nil, rejected(err)
	}
	st, err := s.d.Store.LatestStatement(ctx, accountID)
	switch {
	case problem.KindOf(err) == problem.NotFound:
		return nil, nil, refuse("no_statement", problem.New(problem.Conflict, "signature.no_statement"))
	case err != nil:
		return nil, nil, &rejection{err: err}
	case st.Used():
		return st, nil, refuse("no_statement", problem.New(problem.Conflict, "signature.no_statement"))
	case st.Expired(s.d.Now()):
		return st, nil, refuse("statement_expired", problem.New(problem.Conflict, "signature.statement_expired"))
	}
	if who != st.Person {
		return st, nil, refuse("statement_outdated", problem.New(problem.Conflict, "signature.statement_outdated"))
	}
	v, err := s.currentVerifier(ctx)
	if problem.KindOf(err) == problem.Unavailable {
		return st, nil, refuse("unavailable", err)
	}
	if err != nil {
		return st, nil, &rejection{err: err}
	}
	signer, err := v.Verify(ctx, st.Bytes(), sig)
	if err != nil {
		return st, nil, rejected(err)
	}
	if !snilsMatches(who, signer) {
		return st, signer, refuse("snils_mismatch", problem.InvalidField("signature", problem.M("signature.snils_mismatch")))
	}
	if !nameMatches(who, signer) {
		return st, signer, refuse("name_mismatch", problem.InvalidField("signature", problem.M("signature.name_mismatch")))
	}
	return st, signer, nil
}

// MaxUpload is the largest upload read (esign's bound): a signature with
// its chain is a few kilobytes, one carrying CRLs more.
const MaxUpload = esign.MaxUpload

// rejected turns esign's error into the citizen's: Invalid on "signature"
// with "signature.reason.<reason>", or Unavailable when revocation cannot
// be checked now (the CA's CRL is out of reach or out of date: not the
// citizen's doing, and they need only try later).
func rejected(err error) *rejection {
	var e *esign.Error
	if !errors.As(err, &e) {
		return &rejection{err: err}
	}
	id := "signature.reason." + string(e.Reason)
	if e.Reason == esign.CRLUnavailable || e.Reason == esign.CRLInvalid {
		return refuse(string(e.Reason), &problem.Error{Kind: problem.Unavailable, Message: problem.M(id), Err: err})
	}
	p := problem.InvalidField("signature", problem.M(id))
	p.Err = err
	return refuse(string(e.Reason), p)
}

// auditRejection records a refused upload in a transaction of its own
// (the confirmation's never began). An error that is no refusal (storage
// failing) is not recorded.
func (s *Service) auditRejection(ctx context.Context, accountID string, st *Statement, signer *esign.Signer, rej *rejection, c session.Client) error {
	if rej.reason == "" {
		return nil
	}
	d := map[string]string{"reason": rej.reason}
	if st != nil {
		d["statement"] = st.ID
	}
	if signer != nil {
		d["serial"], d["issuer"], d["algorithm"] = signer.Serial, signer.Issuer, signer.Algorithm
	}
	return s.d.Store.Transact(ctx, func(ctx context.Context) error {
		return s.d.Store.AppendAudit(ctx, &audit.Event{At: s.d.Now(), Action: "signature.rejected", ActorKind: audit.ActorCitizen, ActorID: accountID,
			SubjectAccountID: accountID, IP: c.IP, RequestID: c.RequestID, Reason: rej.reason, Details: d})
	})
}

// tell sends d to the account's contact for codes, if it has one.
func (s *Service) tell(ctx context.Context, a *account.Account, d message.Data) error {
	ch, to := a.CodeChannel()
	if to == "" {
		return nil
	}
	return s.d.Notifier.Send(ctx, message.Notification{AccountID: a.ID, Channel: ch, To: to, Lang: a.Lang, Data: d})
}
