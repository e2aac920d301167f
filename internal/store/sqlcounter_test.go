package store_test

import (
	"context"
	"testing"

	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
)

// The connector counter sees what the ent counter cannot: a statement sent
// on the transaction's *sql.Tx (as the job queue's inserts are), besides
// ent's own; beginning and committing are not statements.
func TestSQLCounterCountsStatementsBesideEnt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		var sqlc storetest.SQLCounter
		var entc storetest.Counter
		s := b.Open(t, storetest.Options{WrapDriver: entc.Wrap, WrapConnector: sqlc.Wrap})
		ctx := viewer.System(context.Background())
		sqlc.Reset()
		entc.Reset()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.Client.Veteran.Query().Count(ctx); err != nil {
				return err
			}
			var one int
			if err := tx.SQL.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
				return err
			}
			_, err := tx.SQL.ExecContext(ctx, "SELECT 1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := sqlc.Count(); got != 3 {
			t.Errorf("connector counted %d statements, want 3 (one through ent, two on *sql.Tx)", got)
		}
		if got := entc.Count(); got != 1 {
			t.Errorf("ent counted %d statements, want 1", got)
		}
	})
}

// The counter tells the transactions begun and the statements sent outside
// any transaction, so a test can hold a write to one transaction.
func TestSQLCounterCountsTransactionsAndStatementsOutsideThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		var sqlc storetest.SQLCounter
		s := b.Open(t, storetest.Options{WrapConnector: sqlc.Wrap})
		ctx := viewer.System(context.Background())
		sqlc.Reset()
		if _, err := s.Client.Veteran.Query().Count(ctx); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.Client.Veteran.Query().Count(ctx); return err }); err != nil {
				t.Fatal(err)
			}
		}
		if got := [3]int{sqlc.Count(), sqlc.Begins(), sqlc.Outside()}; got != [3]int{3, 2, 1} {
			t.Errorf("statements, transactions, statements outside = %v, want [3 2 1]", got)
		}
	})
}
