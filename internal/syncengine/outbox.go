package syncengine

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// Outbox queues provider work as River jobs in the transaction of the
// change that causes it (inbox.Outbox), for the engine's workers to run. It
// needs only an insert-only River client, so it exists before the inbox
// and the engine are built.
type Outbox struct {
	river               *river.Client[*sql.Tx]
	maxDeliveryAttempts int
}

// defaultMaxDeliveryAttempts is Config.MaxDeliveryAttempts when unset.
const defaultMaxDeliveryAttempts = 12

// NewOutbox builds the outbox on cfg.Store, with cfg.MaxDeliveryAttempts.
func NewOutbox(cfg Config) (*Outbox, error) {
	rc, err := newRiver(cfg.Store, &river.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Outbox{river: rc, maxDeliveryAttempts: cmp.Or(cfg.MaxDeliveryAttempts, defaultMaxDeliveryAttempts)}, nil
}

// newRiver is a River client on the store's database.
func newRiver(st *store.Store, rc *river.Config) (*river.Client[*sql.Tx], error) {
	if st.Dialect == dialect.Postgres {
		return river.NewClient(riverdatabasesql.New(st.DB), rc)
	}
	return river.NewClient(riversqlite.New(st.DB), rc)
}

// DeliverMessage queues delivery of a veteran's message in tx.
func (o *Outbox) DeliverMessage(ctx context.Context, tx *store.Tx, messageID string) error {
	_, err := o.river.InsertTx(ctx, tx.SQL, deliverArgs{MessageID: messageID}, &river.InsertOpts{
		MaxAttempts: o.maxDeliveryAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	})
	return err
}

// RedeliverMessage queues another delivery of a message whose earlier job
// ended. It is not unique: River's SQLite driver counts finished jobs
// against uniqueness, and the worker itself is idempotent.
func (o *Outbox) RedeliverMessage(ctx context.Context, tx *store.Tx, messageID string) error {
	_, err := o.river.InsertTx(ctx, tx.SQL, deliverArgs{MessageID: messageID}, &river.InsertOpts{MaxAttempts: o.maxDeliveryAttempts})
	return err
}

// WriteStatus queues a status write-back in tx. Messages no provider knows
// are skipped by the worker.
func (o *Outbox) WriteStatus(ctx context.Context, tx *store.Tx, messageID string, st providers.Status) error {
	_, err := o.river.InsertTx(ctx, tx.SQL, statusArgs{MessageID: messageID, Status: st}, &river.InsertOpts{MaxAttempts: 10})
	return err
}
