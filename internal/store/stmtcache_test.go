package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/lib/pq"

	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
)

// openOneConnection opens a fresh PostgreSQL database with a statement cache
// of size, on one connection, so pg_prepared_statements (per session) shows
// that connection's cache.
func openOneConnection(t *testing.T, size int) *sql.DB {
	t.Helper()
	var url string
	for _, b := range storetest.Backends(t) {
		url = b.DatabaseURL(t)
	}
	if url == "" {
		t.Skip("the statement cache is PostgreSQL's: set VAMS_TEST_DATABASE_URL")
	}
	db, err := store.OpenPostgres(url, size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	return db
}

// prepared lists the session's prepared statements; the query has no
// arguments, so it is never one of them.
func prepared(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SELECT statement FROM pg_prepared_statements ORDER BY statement")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestStatementsRunTwiceStayPreparedUpToTheBound(t *testing.T) {
	db := openOneConnection(t, 2)
	const (
		a = "SELECT $1::int + 0"
		b = "SELECT $1::int + 1"
		c = "SELECT $1::int + 2"
	)
	steps := []struct {
		run  []string
		want []string
	}{
		{run: []string{a}, want: nil}, // a first run stays unprepared
		{run: []string{a}, want: []string{a}},
		{run: []string{b, b}, want: []string{a, b}},
		{run: []string{c, c}, want: []string{b, c}}, // a, least recently used, goes
		{run: []string{b}, want: []string{b, c}},    // b is now the most recent
		{run: []string{a, a}, want: []string{a, b}}, // so c goes
	}
	offset := map[string]int{a: 0, b: 1, c: 2}
	for i, s := range steps {
		for _, q := range s.run {
			var got int
			if err := db.QueryRow(q, 40).Scan(&got); err != nil {
				t.Fatalf("step %d: %s: %v", i, q, err)
			}
			if got != 40+offset[q] {
				t.Fatalf("step %d: %s answered %d", i, q, got)
			}
		}
		if got := prepared(t, db); !slices.Equal(got, s.want) {
			t.Fatalf("step %d: prepared %q, want %q", i, got, s.want)
		}
	}
}

func TestStatementsWithoutArgumentsAreNeverPrepared(t *testing.T) {
	db := openOneConnection(t, 8)
	for range 3 {
		if _, err := db.Exec("CREATE TABLE IF NOT EXISTS t (id int); INSERT INTO t VALUES (1)"); err != nil {
			t.Fatal(err) // two statements in one text: the simple protocol only
		}
	}
	if got := prepared(t, db); len(got) != 0 {
		t.Fatalf("prepared %q", got)
	}
}

// A statement PostgreSQL dropped (DEALLOCATE) or can no longer serve as
// prepared (its table's columns changed under SELECT *) fails before it
// executes anything. Outside a transaction it is run again, unprepared, and
// answers; inside one the transaction has failed, and the error (lib/pq's) is
// the caller's. Either way it is prepared afresh after.
func TestAStatementPostgreSQLCannotServeIsPreparedAfresh(t *testing.T) {
	const q = "SELECT * FROM t WHERE id = $1"
	breaks := []struct {
		name  string
		query string
		code  pq.ErrorCode
	}{
		{"deallocated", "DEALLOCATE ALL", "26000"},
		{"table changed", "ALTER TABLE t ADD COLUMN note text", "0A000"},
	}
	for _, br := range breaks {
		for _, inTx := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/in a transaction=%v", br.name, inTx), func(t *testing.T) {
				db := openOneConnection(t, 8)
				if _, err := db.Exec("CREATE TABLE t (id int); INSERT INTO t VALUES (7)"); err != nil {
					t.Fatal(err)
				}
				run := func(qr interface {
					Query(string, ...any) (*sql.Rows, error)
				}) error {
					rows, err := qr.Query(q, 7)
					if err != nil {
						return err
					}
					defer rows.Close()
					if !rows.Next() {
						t.Fatal("no row")
					}
					return rows.Err()
				}
				for range 2 {
					if err := run(db); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := db.Exec(br.query); err != nil {
					t.Fatal(err)
				}
				if inTx {
					tx, err := db.Begin()
					if err != nil {
						t.Fatal(err)
					}
					var pe *pq.Error
					if err := run(tx); !errors.As(err, &pe) || pe.Code != br.code {
						t.Fatalf("after %s, in a transaction: %v, want SQLSTATE %s", br.query, err, br.code)
					}
					tx.Rollback()
				} else if err := run(db); err != nil {
					t.Fatalf("after %s: %v, want the row", br.query, err)
				}
				for range 3 {
					if err := run(db); err != nil {
						t.Fatalf("after the failed run: %v", err)
					}
				}
				if got := prepared(t, db); !slices.Contains(got, q) {
					t.Fatalf("prepared %q, want %q among them again", got, q)
				}
			})
		}
	}
}
