package storetest

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync/atomic"
)

// SQLCounter counts the statements sent over database/sql connections: those
// ent sends and those that bypass it (the job queue's inserts through
// *sql.Tx). Transaction begin and commit are not statements; begins are
// counted apart (Begins), and so are statements sent outside any
// transaction (Outside).
type SQLCounter struct{ n, begins, outside atomic.Int64 }

// Wrap returns a connector whose connections count statements on c.
func (c *SQLCounter) Wrap(d driver.Connector) driver.Connector {
	return WrapConns(d, func(conn driver.Conn) driver.Conn { return &countingConn{ForwardingConn: ForwardingConn{conn}, c: c} })
}

// Reset zeroes the counts.
func (c *SQLCounter) Reset() { c.n.Store(0); c.begins.Store(0); c.outside.Store(0) }

// Count returns the statements counted since the last Reset.
func (c *SQLCounter) Count() int { return int(c.n.Load()) }

// Begins returns the transactions begun since the last Reset.
func (c *SQLCounter) Begins() int { return int(c.begins.Load()) }

// Outside returns the statements counted since the last Reset that ran on
// a connection with no transaction open.
func (c *SQLCounter) Outside() int { return int(c.outside.Load()) }

// countingConn counts what passes through it to the connection.
type countingConn struct {
	ForwardingConn
	c    *SQLCounter
	inTx bool // a connection is used by one goroutine at a time
}

func (k *countingConn) counted(err error) error {
	if !errors.Is(err, driver.ErrSkip) {
		k.count()
	}
	return err
}

func (k *countingConn) count() {
	k.c.n.Add(1)
	if !k.inTx {
		k.c.outside.Add(1)
	}
}

func (k *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	r, err := k.ForwardingConn.ExecContext(ctx, q, args)
	return r, k.counted(err)
}

func (k *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	r, err := k.ForwardingConn.QueryContext(ctx, q, args)
	return r, k.counted(err)
}

func (k *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	s, err := k.ForwardingConn.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: s, conn: k}, nil
}

func (k *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := k.ForwardingConn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	k.c.begins.Add(1)
	k.inTx = true
	return countingTx{tx, k}, nil
}

// countingTx marks its connection out of the transaction when it ends.
type countingTx struct {
	driver.Tx
	conn *countingConn
}

func (t countingTx) Commit() error {
	t.conn.inTx = false
	return t.Tx.Commit()
}

func (t countingTx) Rollback() error {
	t.conn.inTx = false
	return t.Tx.Rollback()
}

type countingStmt struct {
	driver.Stmt
	conn *countingConn
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.conn.count()
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return s.Stmt.Exec(values(args)) //nolint:staticcheck // the driver offers nothing newer
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.conn.count()
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return s.Stmt.Query(values(args)) //nolint:staticcheck // the driver offers nothing newer
}

// values drops the names database/sql never gives an older driver.
func values(args []driver.NamedValue) []driver.Value {
	out := make([]driver.Value, len(args))
	for i, a := range args {
		out[i] = a.Value
	}
	return out
}
