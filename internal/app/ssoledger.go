package app

import (
	"context"
	"sync"
	"time"

	"github.com/kabinet/kabinet/internal/sso"
	"github.com/kabinet/kabinet/internal/store"
)

// releaseLedger records the data released at userinfo in «Кто смотрел мои
// данные» (sso.Service.Released, audit sso.data_released) by group
// commit: the releases that arrive while one batch is being written wait
// and are written together in the next transaction — one commit, and on
// PostgreSQL one turn of the audit chain's lock and one WAL flush, for
// them all, where each release used to be an audited transaction of its
// own (at most ~280 a second for the whole deployment on the development
// machine's disk, docs/benchmarks.md). Every release is still recorded,
// each as its own event, and before its data is answered: a caller
// returns once its batch has committed, with the batch's error if it did
// not (the site then gets no data).
type releaseLedger struct {
	st    *store.Store
	rules *sso.Service

	mu   sync.Mutex
	open *releaseBatch // taking releases; nil when none is
	// write is held while a batch is written: the next batch fills
	// meanwhile.
	write sync.Mutex
}

// maxReleaseBatch bounds a transaction's events.
const maxReleaseBatch = 256

// releaseWriteTimeout bounds a batch's transaction, which runs on for the
// batch's other callers when its first caller has gone.
const releaseWriteTimeout = 30 * time.Second

type releaseBatch struct {
	releases []release
	done     chan struct{} // closed once written (err set)
	err      error
}

type release struct {
	accountID, clientID string
	fields              []string
}

func newReleaseLedger(st *store.Store, rules *sso.Service) *releaseLedger {
	return &releaseLedger{st: st, rules: rules}
}

// record records that the site received the citizen's fields; it returns
// once the record has committed. Nothing to record for no fields.
func (l *releaseLedger) record(ctx context.Context, accountID, clientID string, fields []string) error {
	if len(fields) == 0 {
		return nil
	}
	if _, inTx := store.Tx(ctx); inTx {
		// The caller's transaction records it with its own changes.
		return l.rules.Released(ctx, accountID, clientID, fields)
	}
	l.mu.Lock()
	b := l.open
	first := b == nil
	if first {
		b = &releaseBatch{done: make(chan struct{})}
		l.open = b
	}
	b.releases = append(b.releases, release{accountID: accountID, clientID: clientID, fields: fields})
	if len(b.releases) >= maxReleaseBatch {
		l.open = nil // full: the next release starts another
	}
	l.mu.Unlock()
	if !first {
		select {
		case <-b.done:
			return b.err
		case <-ctx.Done():
			return ctx.Err() // the record is written all the same
		}
	}
	// The batch's first caller writes it, once the batch before it has
	// committed; the releases arriving until then join it.
	l.write.Lock()
	l.mu.Lock()
	if l.open == b {
		l.open = nil
	}
	l.mu.Unlock()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseWriteTimeout)
	b.err = l.st.Transact(wctx, func(ctx context.Context) error {
		for _, r := range b.releases {
			if err := l.rules.Released(ctx, r.accountID, r.clientID, r.fields); err != nil {
				return err
			}
		}
		return nil
	})
	cancel()
	l.write.Unlock()
	close(b.done)
	return b.err
}
