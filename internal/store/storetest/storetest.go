// Package storetest gives tests a fresh, migrated database on every backend
// available: SQLite always, and PostgreSQL when VAMS_TEST_DATABASE_URL (or
// DATABASE_URL) names a server the tests may create databases on.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/va/vams/internal/store"
)

// Backend is one database engine a test can run on.
type Backend struct {
	Name string
	url  string // server URL for postgres; "" for sqlite
}

// PostgresURL returns the server tests may use, or "".
func PostgresURL() string {
	if u := os.Getenv("VAMS_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return os.Getenv("DATABASE_URL")
}

// Backends lists SQLite and, when configured, PostgreSQL. Without a
// PostgreSQL URL it says so once per test, so a green run on SQLite alone is
// never mistaken for a PostgreSQL run.
func Backends(t testing.TB) []Backend {
	bs := []Backend{{Name: "sqlite"}}
	if u := PostgresURL(); u != "" {
		bs = append(bs, Backend{Name: "postgres", url: u})
	} else {
		t.Log("PostgreSQL variant skipped: set VAMS_TEST_DATABASE_URL (see .ci/run) to run it")
	}
	return bs
}

// Options tune Open.
type Options struct {
	WrapDriver    func(dialect.Driver) dialect.Driver
	WrapConnector func(driver.Connector) driver.Connector
}

// Open returns a fresh migrated store on b, removed when the test ends.
func (b Backend) Open(t testing.TB, opts ...Options) *store.Store {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	cfg := store.Config{WrapDriver: o.WrapDriver, WrapConnector: o.WrapConnector}
	if b.url == "" {
		cfg.DataDir = t.TempDir()
	} else {
		cfg.DatabaseURL = freshPostgres(t, b.url)
	}
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open %s store: %v", b.Name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// DatabaseURL returns a fresh PostgreSQL database's URL, or "" for SQLite
// (then the store lives in a data directory).
func (b Backend) DatabaseURL(t testing.TB) string {
	if b.url == "" {
		return ""
	}
	return freshPostgres(t, b.url)
}

// Each runs f as a subtest on every backend.
func Each(t *testing.T, f func(t *testing.T, b Backend)) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) { f(t, b) })
	}
}

func freshPostgres(t testing.TB, server string) string {
	t.Helper()
	admin, err := sql.Open("postgres", server)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "vams_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("postgres", server)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Counter counts SQL statements sent through the ent driver.
type Counter struct {
	n   atomic.Int64
	log atomic.Bool
}

// Wrap returns a driver that counts statements on c.
func (c *Counter) Wrap(d dialect.Driver) dialect.Driver {
	return dialect.DebugWithContext(d, func(_ context.Context, args ...any) {
		s := fmt.Sprint(args...)
		// Transaction bookkeeping lines are not statements.
		if strings.Contains(s, "Query:") || strings.Contains(s, "Exec:") {
			c.n.Add(1)
			if c.log.Load() {
				fmt.Println(s)
			}
		}
	})
}

// Reset zeroes the count.
func (c *Counter) Reset() { c.n.Store(0) }

// Count returns the statements counted since the last Reset.
func (c *Counter) Count() int { return int(c.n.Load()) }

// Print makes the counter print each statement (for debugging a test).
func (c *Counter) Print(on bool) { c.log.Store(on) }
