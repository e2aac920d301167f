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

// cutoverEvery is how often the crosswalks of facilities past go-live are
// applied. The phase in force needs no job (it is computed from the schedule
// when read); sends are paused for two days from go-live, so this lag only
// delays the new team names, by at most this much.
const cutoverEvery = 5 * time.Minute

type applyCutoversArgs struct{}

func (applyCutoversArgs) Kind() string { return "apply_cutovers" }

func (e *Engine) workApplyCutovers(ctx context.Context, _ *river.Job[applyCutoversArgs]) error {
	n, err := e.inbox.ApplyCutovers(ctx)
	if n > 0 {
		e.log.InfoContext(ctx, "care teams replaced at go-live", "count", n)
	}
	return err
}
