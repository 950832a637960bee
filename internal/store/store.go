// Package store implements every feature's storage interface on SQLite
// (embedded, pure Go) and PostgreSQL, with the same SQL wherever the two
// engines agree and the few differences named in dialect.go.
//
// Each feature gets a repository of its own, a thin type over the shared
// *Store, with a compile-time check against the interface it serves:
// Accounts, Flows, Sessions, RateLimits (throttle), LoginGuards (lockout),
// Notifications (the outbox), AuditLog, Retention (the retention sweeps),
// and Journeys (accounts, flows and the audit log for registration, sign-in
// and recovery, with Transact). Store itself keeps the connections, the
// migrations and the transaction-in-context mechanics they share.
//
// Transact puts the open transaction into the context it hands to its
// callback; every method called with that context joins the transaction, so
// one citizen action commits all its rows, its notifications and its audit
// event together or not at all.
//
// A call made, while the transaction is open, with the context Transact
// was given instead of the one it passed fails with ErrOutsideTx; on SQLite
// any call waits for the writer at most Options.WriterWait (ErrWriterBusy),
// so such a mistake is an error in tests, never a hang.
//
// On SQLite there is one writer connection (SQLite allows one writer at a
// time; queuing in Go avoids busy errors) and a pool of readers in WAL mode.
//
// The store holds no rules and no wording: it maps rows to domain types,
// "no rows" to problem.NotFound and unique violations to problem.Conflict.
// It encrypts and decrypts personal data columns with the pii key ring.
//
// store imports the domain packages it serves, pii, problem and the drivers.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/kabinet/kabinet/internal/pii"
	"github.com/kabinet/kabinet/internal/problem"
)

//go:embed migrations
var migrationsFS embed.FS

// Store is kabinet's database.
type Store struct {
	dialect Dialect
	write   *sql.DB // SQLite: the single writer; PostgreSQL: the pool
	read    *sql.DB // SQLite: readers; PostgreSQL: the same pool
	pool    *pgxpool.Pool
	keys    *pii.Keyring
	rebound sync.Map // query text → PostgreSQL form
	stmts   sync.Map // stmtKey → *sql.Stmt (SQLite only)
	// preparing holds the queries being prepared for use in transactions.
	preparing sync.Map
	// listeners are the pools handed out by ListenerPool.
	listeners []*pgxpool.Pool
	// open are the contexts with an open transaction (see ErrOutsideTx).
	open openTxs
	// writerWaitFor bounds a wait for the SQLite writer (see ErrWriterBusy).
	writerWaitFor time.Duration
}

// Options say which database to open.
type Options struct {
	// URL is postgres://… for PostgreSQL; otherwise SQLitePath is used.
	URL        string
	SQLitePath string
	// MaxConns caps the PostgreSQL pool or the SQLite reader pool (0: a
	// default sized to the machine).
	MaxConns int
	// WriterWait bounds how long a call on SQLite waits for the writer
	// connection before failing with ErrWriterBusy (0: 15 seconds).
	WriterWait time.Duration
}

// Open connects to the database. It does not migrate: call Migrate.
func Open(ctx context.Context, o Options, keys *pii.Keyring) (*Store, error) {
	if strings.HasPrefix(o.URL, "postgres://") || strings.HasPrefix(o.URL, "postgresql://") {
		return openPostgres(ctx, o, keys)
	}
	return openSQLite(ctx, o, keys)
}

func openPostgres(ctx context.Context, o Options, keys *pii.Keyring) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		return nil, fmt.Errorf("store: postgres URL: %w", err)
	}
	// The pool's size: Options.MaxConns, else pool_max_conns in the URL as
	// the operator wrote it, else max(8, 4·GOMAXPROCS) (pgxpool's own
	// default, max(4, NumCPU), leaves requests waiting for a connection
	// while others wait on the network).
	switch {
	case o.MaxConns > 0:
		cfg.MaxConns = int32(o.MaxConns)
	case !strings.Contains(o.URL, "pool_max_conns"):
		cfg.MaxConns = int32(max(8, 4*runtime.GOMAXPROCS(0)))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: postgres: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	// database/sql's pool sits on pgx's: give it the same size. More open
	// connections would wait in pgxpool.Acquire for connections that
	// database/sql itself keeps idle; fewer idle ones (the default is two)
	// would open and close pgx connections under load.
	db.SetMaxOpenConns(int(cfg.MaxConns))
	db.SetMaxIdleConns(int(cfg.MaxConns))
	return &Store{dialect: Postgres, write: db, read: db, pool: pool, keys: keys}, nil
}

// sqliteDSN builds a modernc.org/sqlite DSN: WAL, a busy timeout for the
// moments another process (River's connection) holds the write lock,
// foreign keys on, and IMMEDIATE transactions on the writer so that a
// transaction never fails half-way on a lock upgrade.
func sqliteDSN(path string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(ON)")
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, o Options, keys *pii.Keyring) (*Store, error) {
	if o.SQLitePath == "" {
		return nil, errors.New("store: no SQLite path")
	}
	if dir := filepath.Dir(o.SQLitePath); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
	}
	w, err := sql.Open("sqlite", sqliteDSN(o.SQLitePath, true))
	if err != nil {
		return nil, fmt.Errorf("store: sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Create the file and switch it to WAL before readers open it.
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: sqlite %s: %w", o.SQLitePath, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(o.SQLitePath, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: sqlite: %w", err)
	}
	n := o.MaxConns
	if n <= 0 {
		n = max(4, 2*runtime.GOMAXPROCS(0))
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(0)
	wait := o.WriterWait
	if wait <= 0 {
		wait = defaultWriterWait
	}
	return &Store{dialect: SQLite, write: w, read: r, keys: keys, writerWaitFor: wait}, nil
}

// Dialect reports which engine the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// ListenerPool returns, on PostgreSQL, a small pgx pool of its own for
// River's LISTEN/NOTIFY listener, which holds a connection for good; sharing
// the main pool would leave database/sql waiting for it. Nil on SQLite. The
// store closes it.
func (s *Store) ListenerPool(ctx context.Context) (*pgxpool.Pool, error) {
	if s.pool == nil {
		return nil, nil
	}
	cfg := s.pool.Config().Copy()
	cfg.MaxConns, cfg.MinConns = 2, 0
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: listener pool: %w", err)
	}
	s.listeners = append(s.listeners, p)
	return p, nil
}

// DB returns the connection pool that writes: River and the session
// cleanup use it. On SQLite it has a single connection.
func (s *Store) DB() *sql.DB { return s.write }

// Close closes every connection.
func (s *Store) Close() error {
	var errs []error
	s.stmts.Range(func(k, v any) bool {
		errs = append(errs, v.(*sql.Stmt).Close())
		return true
	})
	errs = append(errs, s.write.Close())
	if s.read != s.write {
		errs = append(errs, s.read.Close())
	}
	for _, p := range s.listeners {
		p.Close()
	}
	if s.pool != nil {
		s.pool.Close()
	}
	return errors.Join(errs...)
}

// Ping checks the database answers, for /readyz.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.read.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Migrate applies kabinet's migrations for the store's engine.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.migrate(ctx)
	return err
}

// MigrationStatus applies nothing and reports (current, latest) versions.
func (s *Store) MigrationStatus(ctx context.Context) (int64, int64, error) {
	p, err := s.provider()
	if err != nil {
		return 0, 0, err
	}
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, 0, err
	}
	srcs := p.ListSources()
	var latest int64
	if len(srcs) > 0 {
		latest = srcs[len(srcs)-1].Version
	}
	return cur, latest, nil
}

func (s *Store) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationsFS, "migrations/"+s.dialect.String())
	if err != nil {
		return nil, err
	}
	d := goose.DialectSQLite3
	if s.dialect == Postgres {
		d = goose.DialectPostgres
	}
	return goose.NewProvider(d, s.write, sub)
}

func (s *Store) migrate(ctx context.Context) ([]*goose.MigrationResult, error) {
	p, err := s.provider()
	if err != nil {
		return nil, fmt.Errorf("store: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return res, fmt.Errorf("store: migrate: %w", err)
	}
	// Records written before the chain existed (migration 0013), or by a
	// node of an older version since, get their links.
	if _, err := s.chainUnchained(ctx); err != nil {
		return res, err
	}
	// The typo index is built in Go (centers.TypoTerms): localities it
	// lacks, all of them after a migration changed its terms, get theirs.
	if err := s.indexLocalities(ctx); err != nil {
		return res, err
	}
	return res, nil
}

type txKey struct{}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Transact runs fn in a transaction. Calls made with the context fn
// receives join it; a nested Transact joins the outer transaction. The
// transaction commits when fn returns nil and rolls back otherwise; the
// functions given to AfterCommit run after the commit.
//
// While fn runs, a store call made with ctx itself, not the context fn
// receives, fails with ErrOutsideTx instead of running outside the
// transaction (or, on SQLite, waiting for ever for the writer the
// transaction holds).
func (s *Store) Transact(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if _, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return fn(ctx)
	}
	if err := s.open.check(ctx); err != nil {
		return err
	}
	hooks := &afterCommit{}
	if err := s.transact(ctx, hooks, fn); err != nil {
		return err
	}
	// Once the transaction is over and its connection released, so that
	// the hooks may use the store like any caller.
	hooks.run() // see AfterCommit
	return nil
}

func (s *Store) transact(ctx context.Context, hooks *afterCommit, fn func(ctx context.Context) error) (err error) {
	tx, release, err := s.begin(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer release()
	defer s.open.open(ctx)()
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	txctx := context.WithValue(context.WithValue(ctx, txKey{}, tx), afterCommitKey{}, hooks)
	pending := &pendingAudit{}
	defer pending.close()
	txctx = context.WithValue(txctx, pendingAuditKey{}, pending)
	if err = fn(txctx); err != nil {
		return err
	}
	// The audit events last: the chain's head is locked only from here
	// to the commit (see AuditLog).
	if err = s.flushAudit(txctx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// begin starts a transaction on the writer. On SQLite it first takes the
// single writer connection, waiting at most writerWaitFor; release gives
// the connection back once the transaction has ended.
func (s *Store) begin(ctx context.Context) (tx *sql.Tx, release func(), err error) {
	if s.dialect != SQLite {
		tx, err := s.write.BeginTx(ctx, nil)
		return tx, func() {}, err
	}
	wctx, done := s.writerWait(ctx)
	conn, err := s.write.Conn(wctx)
	if err = done(err); err != nil {
		return nil, nil, err
	}
	if tx, err = conn.BeginTx(ctx, nil); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return tx, func() { conn.Close() }, nil
}

// Tx returns the transaction a context carries, for River's InsertTx.
func Tx(ctx context.Context) (*sql.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(*sql.Tx)
	return tx, ok
}

// reader returns where reads go: the context's transaction, else the readers.
func (s *Store) reader(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return s.read
}

// writer returns where writes go: the context's transaction, else the writer.
func (s *Store) writer(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return s.write
}

func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if err := s.open.check(ctx); err != nil {
		return nil, err
	}
	wctx, done := s.writerWait(ctx)
	if st := s.prepared(wctx, s.write, q); st != nil {
		res, err := st.ExecContext(wctx, args...)
		return res, done(err)
	}
	res, err := s.writer(ctx).ExecContext(wctx, s.rebind(q), args...)
	return res, done(err)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) row {
	if err := s.open.check(ctx); err != nil {
		return row{err: err}
	}
	if st := s.prepared(ctx, s.read, q); st != nil {
		return row{Row: st.QueryRowContext(ctx, args...)}
	}
	return row{Row: s.reader(ctx).QueryRowContext(ctx, s.rebind(q), args...)}
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if err := s.open.check(ctx); err != nil {
		return nil, err
	}
	if st := s.prepared(ctx, s.read, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.reader(ctx).QueryContext(ctx, s.rebind(q), args...)
}

// writeRow runs a statement with RETURNING on the writer.
func (s *Store) writeRow(ctx context.Context, q string, args ...any) row {
	if err := s.open.check(ctx); err != nil {
		return row{err: err}
	}
	wctx, done := s.writerWait(ctx)
	if st := s.prepared(wctx, s.write, q); st != nil {
		return row{Row: st.QueryRowContext(wctx, args...), done: done}
	}
	return row{Row: s.writer(ctx).QueryRowContext(wctx, s.rebind(q), args...), done: done}
}

// prepared returns a cached prepared statement for q on db on SQLite, or
// nil to run q directly. modernc's driver compiles every statement afresh
// otherwise, and compiling is most of the cost of a point query (the
// session look-up on every request). database/sql re-prepares a cached
// statement on each connection it is used on. PostgreSQL needs none of
// this: pgx caches statements itself.
//
// In a transaction every statement runs on the writer's one connection: a
// statement already prepared there is reused through the transaction; one
// not yet prepared is compiled afresh this once and prepared in the
// background as soon as the writer is free, for the next time.
func (s *Store) prepared(ctx context.Context, db *sql.DB, q string) *sql.Stmt {
	if s.dialect != SQLite {
		return nil
	}
	if tx, inTx := ctx.Value(txKey{}).(*sql.Tx); inTx {
		if v, ok := s.stmts.Load(stmtKey{db: s.write, q: q}); ok {
			return tx.StmtContext(ctx, v.(*sql.Stmt))
		}
		s.prepareLater(q)
		return nil
	}
	key := stmtKey{db: db, q: q}
	if v, ok := s.stmts.Load(key); ok {
		return v.(*sql.Stmt)
	}
	// Preparing takes a connection: keep the caller's deadline (the bounded
	// wait for the writer) but not its cancellation.
	pctx := context.WithoutCancel(ctx)
	if d, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		pctx, cancel = context.WithDeadline(pctx, d)
		defer cancel()
	}
	st, err := db.PrepareContext(pctx, q)
	if err != nil {
		return nil // the direct call reports the error
	}
	if v, loaded := s.stmts.LoadOrStore(key, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	return st
}

// prepareLater prepares q on the writer once it is free (after the
// transaction that needed it), at most once per query.
func (s *Store) prepareLater(q string) {
	if _, busy := s.preparing.LoadOrStore(q, true); busy {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		st, err := s.write.PrepareContext(ctx, q)
		if err != nil {
			s.preparing.Delete(q) // try again another time (or the store is closing)
			return
		}
		if _, loaded := s.stmts.LoadOrStore(stmtKey{db: s.write, q: q}, st); loaded {
			st.Close()
		}
	}()
}

type stmtKey struct {
	db *sql.DB
	q  string
}

// rebind converts a query written with ? placeholders to the engine's form.
func (s *Store) rebind(query string) string {
	if s.dialect != Postgres {
		return query
	}
	if v, ok := s.rebound.Load(query); ok {
		return v.(string)
	}
	v := rebindDollar(query)
	s.rebound.Store(query, v)
	return v
}

// ms converts a time to the stored form (Unix milliseconds); the zero time
// is stored as NULL.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMS converts a stored time back.
func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// notFound maps sql.ErrNoRows to a NotFound problem with the given message.
func notFound(err error, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &problem.Error{Kind: problem.NotFound, Message: problem.M(id), Err: err}
	}
	return err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// JobsDB returns the connection pool for the job queue (River). On SQLite
// River gets a connection of its own, as its driver recommends, so that its
// internal work never waits behind the store's writer; on PostgreSQL it
// shares the pool. The caller closes it with CloseJobsDB.
func (s *Store) JobsDB(path string) (*sql.DB, error) {
	if s.dialect == Postgres {
		return s.write, nil
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// boolInt stores a flag as 0 or 1, the same on both engines.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
