package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// ErrOutsideTx is the error of a store call made, while a transaction is
// open, with the context Transact was given instead of the one it passed
// to its callback. Such a call would run outside the transaction: on
// PostgreSQL it would not see the transaction's rows nor roll back with
// them, and on SQLite a write would wait for ever for the single writer
// connection, which the transaction itself holds.
var ErrOutsideTx = errors.New("store: called with the context outside its transaction; use the one Transact passes")

// ErrWriterBusy is the error of a call on SQLite that waited
// Options.WriterWait for the writer connection. A healthy queue for the
// writer is milliseconds long; a wait this long is almost always a call
// that the transaction holding the writer is itself waiting for (made with
// a context derived from the outer one, which ErrOutsideTx does not catch).
var ErrWriterBusy = errors.New("store: the SQLite writer stayed busy: is this call waiting for a transaction that waits for it? Use the context Transact passes")

// defaultWriterWait bounds the wait for the SQLite writer: far beyond a
// healthy queue, well within the HTTP server's write timeout.
const defaultWriterWait = 15 * time.Second

// openTxs remembers the contexts that have an open transaction, so that a
// call made with one of them outside the transaction fails at once.
//
// Only contexts that can be cancelled and are pointers are remembered: a
// request's or a job's context, which one goroutine uses at a time.
// context.Background and its plain value-carrying children are shared by
// every goroutine of a process, so remembering them would fail unrelated
// calls; a mistake made with one of them is left to the bounded writer
// wait (SQLite) instead.
type openTxs struct {
	n  atomic.Int64 // open remembered transactions: the fast path skips the lock when zero
	mu sync.Mutex
	m  map[context.Context]int
}

func rememberable(ctx context.Context) bool {
	return ctx.Done() != nil && reflect.ValueOf(ctx).Kind() == reflect.Pointer
}

// open records ctx and returns the function that forgets it.
func (o *openTxs) open(ctx context.Context) (forget func()) {
	if !rememberable(ctx) {
		return func() {}
	}
	o.mu.Lock()
	if o.m == nil {
		o.m = map[context.Context]int{}
	}
	o.m[ctx]++
	o.mu.Unlock()
	o.n.Add(1)
	return func() {
		o.mu.Lock()
		if o.m[ctx]--; o.m[ctx] <= 0 {
			delete(o.m, ctx)
		}
		o.mu.Unlock()
		o.n.Add(-1)
	}
}

// check returns ErrOutsideTx when ctx carries no transaction but has one
// open.
func (o *openTxs) check(ctx context.Context) error {
	if o.n.Load() == 0 {
		return nil
	}
	if _, inTx := ctx.Value(txKey{}).(*sql.Tx); inTx || !rememberable(ctx) {
		return nil
	}
	o.mu.Lock()
	open := o.m[ctx] > 0
	o.mu.Unlock()
	if open {
		return ErrOutsideTx
	}
	return nil
}

// writerWait returns the context for a call that needs the SQLite writer
// outside a transaction: ctx with the bounded wait. done releases it and
// turns the timeout into ErrWriterBusy. On PostgreSQL and inside a
// transaction it returns ctx unchanged.
func (s *Store) writerWait(ctx context.Context) (context.Context, func(err error) error) {
	if s.dialect != SQLite {
		return ctx, func(err error) error { return err }
	}
	if _, inTx := ctx.Value(txKey{}).(*sql.Tx); inTx {
		return ctx, func(err error) error { return err }
	}
	wctx, cancel := context.WithTimeoutCause(ctx, s.writerWaitFor, ErrWriterBusy)
	return wctx, func(err error) error {
		busy := err != nil && errors.Is(context.Cause(wctx), ErrWriterBusy) && ctx.Err() == nil
		cancel()
		if busy {
			return fmt.Errorf("%w (waited %s): %w", ErrWriterBusy, s.writerWaitFor, err)
		}
		return err
	}
}

// row is a *sql.Row that may instead carry an error found before the query
// ran, and that releases the query's context once scanned.
type row struct {
	*sql.Row
	err  error
	done func(error) error
}

// Scan implements the scanner of *sql.Row.
func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	err := r.Row.Scan(dest...)
	if r.done != nil {
		err = r.done(err)
	}
	return err
}
