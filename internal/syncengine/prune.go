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

// cutoverEvery is how often the phase in force of every scheduled facility
// is recorded; phases start on dates, so this bounds the lag at midnight.
const cutoverEvery = 5 * time.Minute

type applyCutoversArgs struct{}

func (applyCutoversArgs) Kind() string { return "apply_cutovers" }

func (e *Engine) workApplyCutovers(ctx context.Context, _ *river.Job[applyCutoversArgs]) error {
	n, err := e.inbox.ApplyCutovers(ctx)
	if n > 0 {
		e.log.InfoContext(ctx, "facility cutover phases changed", "count", n)
	}
	return err
}
