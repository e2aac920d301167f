package syncengine

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
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
	rc, err := river.NewClient(silent{riverDriver(cfg.Store)}, &river.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Outbox{river: rc, maxDeliveryAttempts: cmp.Or(cfg.MaxDeliveryAttempts, defaultMaxDeliveryAttempts)}, nil
}

// silent is a River driver that sends no "job inserted" notification: it
// was a statement in a mutation's transaction (at most every 100 ms). On
// PostgreSQL no worker listens (riverdatabasesql without pgx: they poll), so
// nothing changes; on SQLite a new job now waits for the workers' next poll
// (Config.PollInterval, 1 s by default) instead of about 0.1 s.
type silent struct{ riverdriver.Driver[*sql.Tx] }

func (silent) SupportsListenNotify() bool { return false }

// newRiver is a River client on the store's database.
func newRiver(st *store.Store, rc *river.Config) (*river.Client[*sql.Tx], error) {
	return river.NewClient(riverDriver(st), rc)
}

func riverDriver(st *store.Store) riverdriver.Driver[*sql.Tx] {
	if st.Dialect == dialect.Postgres {
		return riverdatabasesql.New(st.DB)
	}
	return riversqlite.New(st.DB)
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

// WriteStatus queues a status write-back of each message in tx, in one
// statement. Messages no provider knows are skipped by the worker.
func (o *Outbox) WriteStatus(ctx context.Context, tx *store.Tx, messageIDs []string, st providers.Status) error {
	if len(messageIDs) == 0 {
		return nil
	}
	jobs := make([]river.InsertManyParams, len(messageIDs))
	for i, id := range messageIDs {
		jobs[i] = river.InsertManyParams{Args: statusArgs{MessageID: id, Status: st}, InsertOpts: &river.InsertOpts{MaxAttempts: 10}}
	}
	_, err := o.river.InsertManyTx(ctx, tx.SQL, jobs)
	return err
}
