package storetest

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync/atomic"
)

// SQLCounter counts the statements sent over database/sql connections: those
// ent sends and those that bypass it (the job queue's inserts through
// *sql.Tx). Transaction begin and commit are not statements.
type SQLCounter struct{ n atomic.Int64 }

// Wrap returns a connector whose connections count statements on c.
func (c *SQLCounter) Wrap(d driver.Connector) driver.Connector { return countingConnector{d, c} }

// Reset zeroes the count.
func (c *SQLCounter) Reset() { c.n.Store(0) }

// Count returns the statements counted since the last Reset.
func (c *SQLCounter) Count() int { return int(c.n.Load()) }

type countingConnector struct {
	driver.Connector
	c *SQLCounter
}

func (k countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := k.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, c: k.c}, nil
}

// countingConn forwards each optional interface the connection implements;
// ErrSkip tells database/sql to take its general path where it does not.
type countingConn struct {
	driver.Conn
	c *SQLCounter
}

func (k *countingConn) counted(err error) error {
	if !errors.Is(err, driver.ErrSkip) {
		k.c.n.Add(1)
	}
	return err
}

func (k *countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	e, ok := k.Conn.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	r, err := e.ExecContext(ctx, q, args)
	return r, k.counted(err)
}

func (k *countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	e, ok := k.Conn.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	r, err := e.QueryContext(ctx, q, args)
	return r, k.counted(err)
}

func (k *countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	var (
		s   driver.Stmt
		err error
	)
	if p, ok := k.Conn.(driver.ConnPrepareContext); ok {
		s, err = p.PrepareContext(ctx, q)
	} else {
		s, err = k.Conn.Prepare(q)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{Stmt: s, c: k.c}, nil
}

func (k *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := k.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return k.Conn.Begin() //nolint:staticcheck // the driver offers nothing newer
}

func (k *countingConn) Ping(ctx context.Context) error {
	if p, ok := k.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (k *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := k.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (k *countingConn) IsValid() bool {
	v, ok := k.Conn.(driver.Validator)
	return !ok || v.IsValid()
}

func (k *countingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := k.Conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

type countingStmt struct {
	driver.Stmt
	c *SQLCounter
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.c.n.Add(1)
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	return s.Stmt.Exec(values(args)) //nolint:staticcheck // the driver offers nothing newer
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.c.n.Add(1)
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
