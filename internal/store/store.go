// Package store opens VAMS's database (embedded SQLite by default, PostgreSQL
// in production), applies versioned migrations for the schema and the job
// queue, and runs transactions. It knows nothing of providers' wire formats.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	_ "modernc.org/sqlite"

	"github.com/va/vams/ent"
	_ "github.com/va/vams/ent/runtime" // registers privacy hooks and interceptors
)

//go:embed migrations
var migrations embed.FS

// Config says which database to open.
type Config struct {
	// DatabaseURL is a postgres:// URL; empty means SQLite in DataDir.
	DatabaseURL string
	DataDir     string
	// WrapDriver, when set, wraps the ent driver (tests count statements with it).
	WrapDriver func(dialect.Driver) dialect.Driver
	// WrapConnector, when set, wraps the database/sql connector, so it sees
	// every statement, the job queue's too (the benchmark counts them).
	WrapConnector func(driver.Connector) driver.Connector
	// StatementCache is how many statements each PostgreSQL connection keeps
	// prepared (0: DefaultStatementCache; negative: none; see
	// cacheStatements).
	StatementCache int
}

// Store is an open database with its ent client.
type Store struct {
	DB      *sql.DB
	Client  *ent.Client
	Dialect string
	wrap    func(dialect.Driver) dialect.Driver
	// subscribers is the pool of subscription deliveries' reads
	// (PostgreSQL only; see ForSubscribers).
	subscribers *sql.DB
}

// Open opens the database and applies pending migrations.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	var (
		db  *sql.DB
		dia string
		err error
	)
	switch {
	case strings.HasPrefix(cfg.DatabaseURL, "postgres://"), strings.HasPrefix(cfg.DatabaseURL, "postgresql://"):
		dia = dialect.Postgres
		db, err = openPostgres(cfg.DatabaseURL, cfg.StatementCache, cfg.WrapConnector)
	case cfg.DatabaseURL == "":
		dia = dialect.SQLite
		dir := cfg.DataDir
		if dir == "" {
			dir = "data"
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		db, err = openSQLite(filepath.Join(dir, "vams.db"), cfg.WrapConnector)
	default:
		return nil, errors.New("DATABASE_URL must be a postgres:// URL")
	}
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("database unreachable: %w", err)
	}
	s := &Store{DB: db, Dialect: dia, wrap: cfg.WrapDriver}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	drv := s.driver(db)
	if dia == dialect.Postgres {
		if s.subscribers, err = openPostgres(cfg.DatabaseURL, cfg.StatementCache, cfg.WrapConnector); err != nil {
			db.Close()
			return nil, err
		}
		s.subscribers.SetMaxOpenConns(SubscriberConns)
		s.subscribers.SetMaxIdleConns(SubscriberConns)
		drv = routed{Driver: drv, subscribers: s.driver(s.subscribers)}
	}
	s.Client = ent.NewClient(ent.Driver(drv))
	return s, nil
}

// DSN is the URL VAMS opens PostgreSQL with: databaseURL with lib/pq's
// binary_parameters turned on unless the URL says otherwise: lib/pq then sends a statement with arguments as one message
// (parse, bind, execute) instead of preparing it first and waiting, which
// halves the round trips of every statement VAMS runs (docs/performance.md).
// It sends []byte arguments in binary: right for bytea, and the schema keeps
// ent's JSON lists in json columns, whose binary form is their text (jsonb's
// is not); River passes its jsonb arguments as strings.
func DSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn // sql.Open reports it
	}
	q := u.Query()
	if q.Has("binary_parameters") {
		return dsn
	}
	q.Set("binary_parameters", "yes")
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgres opens PostgreSQL as VAMS does (DSN, and statements kept
// prepared per connection), for tools that query it beside VAMS.
func OpenPostgres(databaseURL string, statements int) (*sql.DB, error) {
	return openPostgres(databaseURL, statements, nil)
}

func openPostgres(databaseURL string, statements int, wrap func(driver.Connector) driver.Connector) (*sql.DB, error) {
	pc, err := pq.NewConnector(DSN(databaseURL))
	if err != nil {
		return nil, err
	}
	c := cacheStatements(pc, statements)
	if wrap != nil {
		c = wrap(c)
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(40)
	db.SetMaxIdleConns(40)
	return db, nil
}

// OpenSQLite opens a SQLite file with the pragmas VAMS relies on. One
// connection: SQLite has one writer, and more connections only trade waiting
// for SQLITE_BUSY errors.
func OpenSQLite(path string) (*sql.DB, error) { return openSQLite(path, nil) }

func openSQLite(path string, wrap func(driver.Connector) driver.Connector) (*sql.DB, error) {
	db, err := openDB("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate", wrap)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// openDB opens dsn with the registered driver name, through wrap when set.
func openDB(name, dsn string, wrap func(driver.Connector) driver.Connector) (*sql.DB, error) {
	db, err := sql.Open(name, dsn)
	if err != nil || wrap == nil {
		return db, err
	}
	drv := db.Driver()
	db.Close()
	var c driver.Connector = dsnConnector{dsn: dsn, drv: drv}
	if dc, ok := drv.(driver.DriverContext); ok {
		if c, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	}
	return sql.OpenDB(wrap(c)), nil
}

// dsnConnector is the connector of a driver that has none of its own.
type dsnConnector struct {
	dsn string
	drv driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

func (s *Store) driver(db *sql.DB) dialect.Driver {
	var d dialect.Driver = entsql.OpenDB(s.Dialect, db)
	if s.wrap != nil {
		d = s.wrap(d)
	}
	return d
}

// Close closes the database.
func (s *Store) Close() error {
	if s.subscribers != nil {
		return errors.Join(s.DB.Close(), s.subscribers.Close())
	}
	return s.DB.Close()
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.DB.PingContext(ctx) }

func (s *Store) migrate(ctx context.Context) error {
	var opts []goose.ProviderOption
	if s.Dialect == dialect.Postgres {
		// Instances starting together take turns: one migrates, the others
		// find nothing left to do.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := s.migrations(opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	driver := riverdriver.Driver[*sql.Tx](riversqlite.New(s.DB))
	if s.Dialect == dialect.Postgres {
		driver = riverdatabasesql.New(s.DB)
	}
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// migrations is the goose provider over this dialect's embedded migrations.
func (s *Store) migrations(opts ...goose.ProviderOption) (*goose.Provider, error) {
	sub, gooseDialect := "migrations/sqlite", goose.DialectSQLite3
	if s.Dialect == dialect.Postgres {
		sub, gooseDialect = "migrations/postgres", goose.DialectPostgres
	}
	dir, err := fs.Sub(migrations, sub)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gooseDialect, s.DB, dir, opts...)
}

// Pending reports how many schema migrations are not applied (0 when ready).
func (s *Store) Pending(ctx context.Context) (int, error) {
	p, err := s.migrations()
	if err != nil {
		return 0, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range st {
		if m.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}

// Tx is one database transaction: an ent client bound to it, and the raw
// *sql.Tx for the job queue's transactional inserts.
type Tx struct {
	Client *ent.Client
	SQL    *sql.Tx
	before []func() error
	after  []func()
	local  map[any]any
}

// BeforeCommit registers f to run, in registration order, after the
// transaction's work succeeded and just before it commits; an error rolls
// the transaction back. Work here takes its locks last, so it holds them
// only for the commit (the change log's per-veteran counter).
func (t *Tx) BeforeCommit(f func() error) { t.before = append(t.before, f) }

// Local returns the value kept under key for this transaction, made by mk
// on first use: per-transaction state such as changes waiting to be numbered.
func (t *Tx) Local(key any, mk func() any) any {
	if v, ok := t.local[key]; ok {
		return v
	}
	if t.local == nil {
		t.local = map[any]any{}
	}
	v := mk()
	t.local[key] = v
	return v
}

// OnCommit registers f to run after a successful commit (publishing domain
// events: subscribers must never see uncommitted state).
func (t *Tx) OnCommit(f func()) { t.after = append(t.after, f) }

// InTx runs fn in a transaction; it commits when fn returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	etx, err := s.Client.Tx(ctx)
	if err != nil {
		return err
	}
	sqlTx, ok := etx.SQLTx()
	if !ok {
		_ = etx.Rollback()
		return errors.New("store: transaction has no database/sql handle")
	}
	tx := &Tx{Client: etx.Client(), SQL: sqlTx}
	defer func() {
		if p := recover(); p != nil {
			_ = etx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = etx.Rollback()
		return err
	}
	for _, f := range tx.before {
		if err := f(); err != nil {
			_ = etx.Rollback()
			return err
		}
	}
	if err := etx.Commit(); err != nil {
		return err
	}
	for _, f := range tx.after {
		f()
	}
	return nil
}
