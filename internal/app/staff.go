package app

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"time"

	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/lockout"
	"github.com/kabinet/kabinet/internal/password"
	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/staff"
	"github.com/kabinet/kabinet/internal/store"
	"github.com/kabinet/kabinet/internal/throttle"
)

// StaffAdmin is what `kabinet staff` works with: the staff service over
// the deployment's database (migrated first), without serving.
type StaffAdmin struct {
	*staff.Service
	Exists staff.CenterCheck
	st     *store.Store
}

// OpenStaff opens the deployment's database with its key ring (staff
// names and secrets are sealed).
func OpenStaff(ctx context.Context, cfg config.Config, log io.Writer) (*StaffAdmin, error) {
	st, keys, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = st.Close()
		}
	}()
	hasher, err := password.NewHasher(password.Params{Memory: cfg.Argon2.MemoryKiB, Time: cfg.Argon2.Time, Threads: cfg.Argon2.Threads, SaltLen: 16, KeyLen: 32}, 0, rand.Reader)
	if err != nil {
		return nil, err
	}
	now := func() time.Time { return time.Now().UTC() }
	limiter := throttle.New(st.RateLimits(), now, keys.Subkeys("throttle/v1")...)
	locks := lockout.New(st.LoginGuards(), limiter, lockoutPolicy(cfg), keys.Subkeys("lockout/v1"), now, rand.Reader)
	svc := staff.New(staff.Deps{Store: st.Staff(), Hasher: hasher, Lockout: locks, Limiter: limiter, Policy: staffPolicy(cfg), Now: now, Rand: rand.Reader})
	ok = true
	return &StaffAdmin{Service: svc, Exists: CenterExists(st), st: st}, nil
}

// openMigrated opens the deployment's database with its key ring and
// migrates it, for a command that works on it without serving.
func openMigrated(ctx context.Context, cfg config.Config, log io.Writer) (*store.Store, *pii.Keyring, error) {
	keys, err := LoadKeys(cfg, rand.Reader, NewLogger(cfg, log))
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.Storage.DatabaseURL, SQLitePath: cfg.Storage.SQLitePath()}, keys)
	if err != nil {
		return nil, nil, err
	}
	jobsDB, err := st.JobsDB(cfg.Storage.SQLitePath())
	if err == nil {
		err = Migrate(ctx, st, jobsDB)
		if jobsDB != st.DB() {
			err = errors.Join(err, jobsDB.Close())
		}
	}
	if err != nil {
		return nil, nil, errors.Join(err, st.Close())
	}
	return st, keys, nil
}

// List returns every member (the command line is trusted as an
// administrator is).
func (s *StaffAdmin) List(ctx context.Context) ([]staff.Member, error) {
	return s.st.Staff().ListStaff(ctx)
}

// Close closes the database.
func (s *StaffAdmin) Close() error { return s.st.Close() }
