package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/store"
)

// within runs f and fails the test if f does not return in time: the
// mistakes these tests make used to hang for ever on SQLite. f reports
// through its returned errors, not t, since a hung f outlives the test.
func within(t *testing.T, d time.Duration, f func() []error) {
	t.Helper()
	done := make(chan []error, 1)
	go func() { done <- f() }()
	select {
	case errs := <-done:
		for _, err := range errs {
			t.Error(err)
		}
	case <-time.After(d):
		t.Fatalf("still waiting after %s: the store call hangs", d)
	}
}

// TestCallWithOuterContext: inside Transact, a store call made with the
// context Transact was given, not the one it passed, fails with
// ErrOutsideTx at once (a read, a write, a RETURNING write and a nested
// Transact); once the transaction has ended the context works again.
func TestCallWithOuterContext(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		within(t, 10*time.Second, func() (errs []error) {
			want := func(what string, err error) {
				if !errors.Is(err, store.ErrOutsideTx) {
					errs = append(errs, fmt.Errorf("%s with the outer context: %v, want ErrOutsideTx", what, err))
				}
			}
			err := s.Transact(ctx, func(tx context.Context) error {
				if err := s.Accounts().CreateAccount(tx, newAccount("in", "+79160000011", "")); err != nil {
					return err
				}
				_, err := s.Accounts().AccountByID(ctx, "in")
				want("read", err)
				want("write", s.Accounts().CreateAccount(ctx, newAccount("out", "+79160000012", "")))
				_, err = s.Flows().CountCodeAttempt(ctx, "nope", 0, t0)
				want("RETURNING write", err)
				_, err = s.Sessions().ListSessions(ctx, "in", t0)
				want("list", err)
				want("Transact", s.Transact(ctx, func(context.Context) error { return nil }))
				_, err = s.Accounts().AccountByID(tx, "in")
				return err
			})
			if err != nil {
				errs = append(errs, fmt.Errorf("Transact = %w", err))
			}
			return errs
		})
		// The transaction committed, without the refused write.
		if _, err := s.Accounts().AccountByID(ctx, "in"); err != nil {
			t.Errorf("after the transaction: %v", err)
		}
		if _, err := s.Accounts().AccountByID(ctx, "out"); problem.KindOf(err) != problem.NotFound {
			t.Errorf("the refused write happened: %v", err)
		}
		// Another context is not affected while a transaction is open.
		other, stop := context.WithCancel(context.Background())
		defer stop()
		err := s.Transact(ctx, func(tx context.Context) error {
			_, err := s.Accounts().AccountByID(other, "in")
			return err
		})
		if err != nil {
			t.Errorf("a read with another context during a transaction: %v", err)
		}
	})
}

// TestWriterWaitIsBounded: a write made with a context derived from the
// outer one (which ErrOutsideTx cannot recognize) waits for the SQLite
// writer only Options.WriterWait, then fails with ErrWriterBusy instead of
// hanging. PostgreSQL has a pool and never waited.
func TestWriterWaitIsBounded(t *testing.T) {
	type key struct{}
	mistake := func(t *testing.T, s *store.Store) error {
		var werr error
		within(t, 10*time.Second, func() []error {
			ctx := context.Background()
			err := s.Transact(ctx, func(tx context.Context) error {
				if err := s.Accounts().CreateAccount(tx, newAccount("in", "+79160000021", "")); err != nil {
					return err
				}
				werr = s.Accounts().CreateAccount(context.WithValue(ctx, key{}, 1), newAccount("derived", "+79160000022", ""))
				return nil
			})
			if err != nil {
				return []error{fmt.Errorf("Transact = %w", err)}
			}
			return nil
		})
		return werr
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s, err := store.Open(context.Background(), store.Options{SQLitePath: filepath.Join(t.TempDir(), "k.db"), WriterWait: 300 * time.Millisecond}, keyring(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := mistake(t, s); !errors.Is(err, store.ErrWriterBusy) {
			t.Errorf("derived-context write: %v, want ErrWriterBusy", err)
		}
		// The writer is free again and a write does not wait.
		if err := s.Accounts().CreateAccount(context.Background(), newAccount("after", "+79160000023", "")); err != nil {
			t.Errorf("after the transaction: %v", err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		s := openPostgres(t)
		if err := mistake(t, s); err != nil {
			t.Errorf("derived-context write: %v", err)
		}
	})
}
