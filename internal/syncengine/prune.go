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

func (e *Engine) workPruneKeys(ctx context.Context, _ *river.Job[pruneKeysArgs]) error {
	n, err := e.inbox.PruneIdempotencyRecords(ctx)
	if n > 0 {
		e.log.InfoContext(ctx, "idempotency keys pruned", "count", n)
	}
	return err
}
