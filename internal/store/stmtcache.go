package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"

	"github.com/lib/pq"
)

// DefaultStatementCache is how many statements each PostgreSQL connection
// keeps prepared when the configuration says 0.
const DefaultStatementCache = 256

// cacheStatements makes each connection of c keep the statements it runs
// again and again prepared, up to size of them (least recently used out).
// PostgreSQL then parses and analyses such a statement once per connection
// rather than on every run, and after five runs plans it once too when a
// generic plan costs no more than the custom ones (plan_cache_mode auto):
// for the short indexed statements VAMS runs, most of PostgreSQL's CPU.
// A statement is prepared on its second run on a connection, so one-off
// texts (a loader's IN list of an unusual length) never take a slot, and the
// first run keeps lib/pq's one round trip. Connection poolers that share a
// server session between clients (PgBouncer's transaction mode) lose named
// statements: set the cache to 0 behind them.
func cacheStatements(c driver.Connector, size int) driver.Connector {
	switch {
	case size < 0:
		return c
	case size == 0:
		size = DefaultStatementCache
	}
	return stmtCacheConnector{Connector: c, size: size}
}

type stmtCacheConnector struct {
	driver.Connector
	size int
}

func (c stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	full, ok := conn.(pqConn)
	if !ok {
		return conn, nil
	}
	return &cachingConn{pqConn: full, size: c.size, seen: map[string]struct{}{}, stmts: map[string]*list.Element{}}, nil
}

// pqConn is what lib/pq's connection implements and database/sql uses.
type pqConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// cachingConn is used by one goroutine at a time (database/sql's contract),
// so its maps need no lock.
type cachingConn struct {
	pqConn
	size  int
	seen  map[string]struct{}      // texts run once, not yet prepared
	stmts map[string]*list.Element // of order, each a *cached
	order list.List                // most recently used first
	inTx  bool                     // a transaction begun through BeginTx is open
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.pqConn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return txEnd{Tx: tx, c: c}, nil
}

// txEnd notes on its connection that the transaction is over.
type txEnd struct {
	driver.Tx
	c *cachingConn
}

func (t txEnd) Commit() error   { t.c.inTx = false; return t.Tx.Commit() }
func (t txEnd) Rollback() error { t.c.inTx = false; return t.Tx.Rollback() }

type cached struct {
	query string
	stmt  driver.Stmt
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return through(ctx, c, query, args, c.pqConn.QueryContext, func(st driver.Stmt) (driver.Rows, error) {
		return st.(driver.StmtQueryContext).QueryContext(ctx, args)
	})
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return through(ctx, c, query, args, c.pqConn.ExecContext, func(st driver.Stmt) (driver.Result, error) {
		return st.(driver.StmtExecContext).ExecContext(ctx, args)
	})
}

// through runs query on its prepared statement when the connection keeps
// one, and directly otherwise.
func through[T any](ctx context.Context, c *cachingConn, query string, args []driver.NamedValue,
	direct func(context.Context, string, []driver.NamedValue) (T, error), run func(driver.Stmt) (T, error)) (T, error) {
	st, err := c.prepared(ctx, query, len(args))
	if err != nil {
		var zero T
		return zero, err
	}
	if st == nil {
		return direct(ctx, query, args)
	}
	res, err := run(st)
	if c.forgetIfGone(query, err) && !c.inTx {
		// The failed run executed nothing, and outside a transaction it
		// aborted nothing either: run it again, unprepared.
		return direct(ctx, query, args)
	}
	return res, err
}

// prepared is query's prepared statement on this connection, or nil when it
// should run unprepared: it has no arguments (lib/pq then uses the simple
// protocol, which also runs several statements in one text) or it is run
// here for the first time.
func (c *cachingConn) prepared(ctx context.Context, query string, args int) (driver.Stmt, error) {
	if args == 0 {
		return nil, nil
	}
	if el, ok := c.stmts[query]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*cached).stmt, nil
	}
	if _, again := c.seen[query]; !again {
		if len(c.seen) >= 4*c.size {
			clear(c.seen) // a bound, not a policy: texts seen again are simply seen anew
		}
		c.seen[query] = struct{}{}
		return nil, nil
	}
	st, err := c.pqConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	delete(c.seen, query)
	if c.order.Len() >= c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.stmts, oldest.Value.(*cached).query)
		if err := oldest.Value.(*cached).stmt.Close(); err != nil {
			return nil, err
		}
	}
	c.stmts[query] = c.order.PushFront(&cached{query: query, stmt: st})
	return st, nil
}

// forgetIfGone drops a statement PostgreSQL no longer serves as prepared, and
// reports whether it did: the statement does not exist (26000), or a table
// it reads changed its columns under it (0A000, "cached plan must not change
// result type"). Either fails before anything executes. Nothing is closed:
// the first is gone already and the second may be in an aborted transaction;
// a changed table is a migration, rare enough that the session may keep the
// old statement. Outside a transaction the caller runs the query again;
// inside one, the transaction has failed and the error is the caller's.
func (c *cachingConn) forgetIfGone(query string, err error) bool {
	var pe *pq.Error
	if err == nil || !errors.As(err, &pe) || (pe.Code != "26000" && pe.Code != "0A000") {
		return false
	}
	if el, ok := c.stmts[query]; ok {
		c.order.Remove(el)
		delete(c.stmts, query)
	}
	return true
}
