package syncengine

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// pruneEvery is how often forgotten idempotency keys are deleted; keys live
// at least inbox.IdempotencyWindow either way.
const pruneEvery = time.Hour

type pruneKeysArgs struct{}

func (pruneKeysArgs) Kind() string { return "prune_idempotency_keys" }

type pruneKeysWorker struct {
	river.WorkerDefaults[pruneKeysArgs]
	e *Engine
}

func (w *pruneKeysWorker) Work(ctx context.Context, _ *river.Job[pruneKeysArgs]) error {
	n, err := w.e.inbox.PruneIdempotencyRecords(ctx)
	if n > 0 {
		w.e.log.InfoContext(ctx, "idempotency keys pruned", "count", n)
	}
	return err
}
