package storetest

import (
	"context"
	"database/sql/driver"
)

// WrapConns returns a connector whose connections are wrap of those c makes.
func WrapConns(c driver.Connector, wrap func(driver.Conn) driver.Conn) driver.Connector {
	return wrappingConnector{c, wrap}
}

type wrappingConnector struct {
	driver.Connector
	wrap func(driver.Conn) driver.Conn
}

func (k wrappingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := k.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return k.wrap(conn), nil
}

// ForwardingConn passes each optional interface database/sql looks for on
// a connection through to the one it holds, so a wrapper that embeds it
// overrides only what it watches. Where the connection lacks one it answers
// as database/sql expects: ErrSkip sends it down its general path.
type ForwardingConn struct{ driver.Conn }

func (k ForwardingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := k.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, q, args)
	}
	return nil, driver.ErrSkip
}

func (k ForwardingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if e, ok := k.Conn.(driver.QueryerContext); ok {
		return e.QueryContext(ctx, q, args)
	}
	return nil, driver.ErrSkip
}

func (k ForwardingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	if p, ok := k.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, q)
	}
	return k.Conn.Prepare(q)
}

func (k ForwardingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := k.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return k.Conn.Begin() //nolint:staticcheck // the driver offers nothing newer
}

func (k ForwardingConn) Ping(ctx context.Context) error {
	if p, ok := k.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (k ForwardingConn) ResetSession(ctx context.Context) error {
	if r, ok := k.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (k ForwardingConn) IsValid() bool {
	v, ok := k.Conn.(driver.Validator)
	return !ok || v.IsValid()
}

func (k ForwardingConn) CheckNamedValue(nv *driver.NamedValue) error {
	if c, ok := k.Conn.(driver.NamedValueChecker); ok {
		return c.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}
