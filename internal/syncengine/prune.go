package syncengine

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// pruneEvery is how often forgotten idempotency keys and change-log rows past
// their retention are deleted; both live at least their window either way.
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

type pruneChangesArgs struct{}

func (pruneChangesArgs) Kind() string { return "prune_change_log" }

func (e *Engine) workPruneChanges(ctx context.Context, _ *river.Job[pruneChangesArgs]) error {
	n, err := e.inbox.PruneChanges(ctx)
	if n > 0 {
		e.log.InfoContext(ctx, "change log pruned", "count", n)
	}
	return err
}
