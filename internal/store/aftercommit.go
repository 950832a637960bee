package store

import (
	"context"
	"sync"
)

// afterCommitKey holds the *afterCommit of the transaction Transact opened.
type afterCommitKey struct{}

// afterCommit is the list of functions to run once a transaction commits.
type afterCommit struct {
	mu  sync.Mutex
	fns []func()
}

func (a *afterCommit) add(fn func()) {
	a.mu.Lock()
	a.fns = append(a.fns, fn)
	a.mu.Unlock()
}

// run calls the functions in the order they were added.
func (a *afterCommit) run() {
	a.mu.Lock()
	fns := a.fns
	a.fns = nil
	a.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// AfterCommit runs fn once the transaction in ctx has committed, or at once
// when ctx carries no transaction. fn never runs when the transaction rolls
// back. It is for work that must not be seen before the rows it describes
// are visible to everyone: dropping the session cache is the case in point
// (a request between a drop inside the transaction and the commit would
// cache the old rows again). fn runs on the committing goroutine, after the
// commit and before Transact returns; it must not fail.
func (s *Store) AfterCommit(ctx context.Context, fn func()) {
	if a, ok := ctx.Value(afterCommitKey{}).(*afterCommit); ok {
		a.add(fn)
		return
	}
	fn()
}
