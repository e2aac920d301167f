package syncengine

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// pruneEvery is how often forgotten idempotency keys and change-log rows past
// their retention are deleted; both live at least their window either way.
const pruneEvery = time.Hour

// maintain runs one inbox maintenance step and logs how many rows it
// changed, when any.
func (e *Engine) maintain(ctx context.Context, done string, step func(context.Context) (int, error)) error {
	n, err := step(ctx)
	if n > 0 {
		e.log.InfoContext(ctx, done, "count", n)
	}
	return err
}

type pruneKeysArgs struct{}

func (pruneKeysArgs) Kind() string { return "prune_idempotency_keys" }

func (e *Engine) workPruneKeys(ctx context.Context, _ *river.Job[pruneKeysArgs]) error {
	return e.maintain(ctx, "idempotency keys pruned", e.inbox.PruneIdempotencyRecords)
}

type pruneChangesArgs struct{}

func (pruneChangesArgs) Kind() string { return "prune_change_log" }

func (e *Engine) workPruneChanges(ctx context.Context, _ *river.Job[pruneChangesArgs]) error {
	return e.maintain(ctx, "change log pruned", e.inbox.PruneChanges)
}

// cutoverEvery is how often the crosswalks of facilities past go-live are
// applied. The phase in force needs no job (it is computed from the schedule
// when read); sends are paused for two days from go-live, so this lag only
// delays the new team names, by at most this much.
const cutoverEvery = 5 * time.Minute

type applyCutoversArgs struct{}

func (applyCutoversArgs) Kind() string { return "apply_cutovers" }

func (e *Engine) workApplyCutovers(ctx context.Context, _ *river.Job[applyCutoversArgs]) error {
	return e.maintain(ctx, "care teams replaced at go-live", e.inbox.ApplyCutovers)
}
