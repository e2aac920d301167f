package store

import (
	"context"
	"errors"

	"entgo.io/ent/dialect"

	"github.com/va/vams/internal/platform/ctxkey"
)

// SubscriberConns is the size of the PostgreSQL pool that serves
// subscription deliveries' reads. A delivery reads an entity or two through
// the viewer's scope; on the main pool it waited behind every transaction in
// flight, so a burst of ingests (each holding a connection until it commits)
// delayed every subscriber's event by the length of the queue. Deliveries
// are short reads, but on a busy database each waits for a CPU: in the
// real-time bench 10 connections left a p99 of 0.5–1 s, 20 kept it under
// 100 ms (docs/performance.md).
const SubscriberConns = 20

var subscriberKey = ctxkey.New[bool]("store.subscribers")

// ForSubscribers marks ctx as a subscription delivery's: the reads made with
// it (outside a transaction) run on the subscribers' pool. SQLite has one
// connection and one pool.
func ForSubscribers(ctx context.Context) context.Context { return subscriberKey.With(ctx, true) }

func forSubscribers(ctx context.Context) bool {
	v, _ := subscriberKey.From(ctx)
	return v
}

// routed sends the reads of subscription deliveries to their own pool and
// everything else (writes, transactions, other reads) to the main one.
type routed struct {
	dialect.Driver
	subscribers dialect.Driver
}

func (d routed) Query(ctx context.Context, query string, args, v any) error {
	if forSubscribers(ctx) {
		return d.subscribers.Query(ctx, query, args, v)
	}
	return d.Driver.Query(ctx, query, args, v)
}

// BeginTx keeps the main driver's options (isolation levels) reachable.
func (d routed) BeginTx(ctx context.Context, opts any) (dialect.Tx, error) {
	if b, ok := d.Driver.(interface {
		BeginTx(context.Context, any) (dialect.Tx, error)
	}); ok {
		return b.BeginTx(ctx, opts)
	}
	return d.Driver.Tx(ctx)
}

func (d routed) Close() error { return errors.Join(d.Driver.Close(), d.subscribers.Close()) }
