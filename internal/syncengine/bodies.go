package syncengine

import (
	"context"
	"errors"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/platform/ratelimit"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/providers"
)

// Body backfill: MHV's listings carry no bodies, and a message without one
// is invisible to a body-text search until it is opened. After a scan stores
// such messages, their bodies are fetched in the background: one job per
// thread (one provider call returns the thread's bodies), on their own
// queue with few workers so interactive calls keep the provider's capacity,
// and snoozed while the provider's circuit is open.

// queueBodies is the backfill's own queue.
const queueBodies = "bodies"

// bodyBatch bounds the threads one scan or job queues and the messages one
// job fetches; what is left over is queued by the next job.
const bodyBatch = 50

type bodiesArgs struct {
	ThreadID string `json:"thread_id"`
}

func (bodiesArgs) Kind() string { return "fetch_bodies" }

// queueBodies queues a body fetch for each of the veteran's threads that has
// messages stored without a body (one job per thread at a time).
func (e *Engine) queueBodies(ctx context.Context, vid string) error {
	threads, err := e.store.Client.Message.Query().
		Where(message.VeteranID(vid), message.BodyLoaded(false), message.IsDraft(false)).
		Unique(true).Limit(bodyBatch).Select(message.FieldThreadID).Strings(ctx)
	if err != nil || len(threads) == 0 {
		return err
	}
	params := make([]river.InsertManyParams, 0, len(threads))
	for _, th := range threads {
		params = append(params, river.InsertManyParams{Args: bodiesArgs{ThreadID: th},
			InsertOpts: &river.InsertOpts{Queue: queueBodies, MaxAttempts: 8, UniqueOpts: river.UniqueOpts{ByArgs: true,
				ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
					rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}})
	}
	_, err = e.river.InsertMany(ctx, params)
	return err
}

// workBodies fetches the missing bodies of one thread and keeps them, as
// background work within the provider's budget, then queues the veteran's
// next threads still without bodies: the backfill goes on until every body
// is in, without waiting for another scan.
func (e *Engine) workBodies(ctx context.Context, job *river.Job[bodiesArgs]) error {
	ctx = ratelimit.WithPriority(viewer.System(ctx), ratelimit.Background)
	msgs, err := e.store.Client.Message.Query().
		Where(message.ThreadID(job.Args.ThreadID), message.BodyLoaded(false), message.IsDraft(false)).
		Limit(bodyBatch).Select(message.FieldID, message.FieldVeteranID).All(ctx)
	if err != nil || len(msgs) == 0 {
		return err
	}
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	_, errs := e.FetchBodies(ctx, ids)
	var retry error
	for _, err := range errs {
		switch {
		case errors.Is(err, errCircuitOpen):
			return river.JobSnooze(e.cfg.BreakerTimeout)
		case providers.Retryable(err):
			retry = err
		}
		// Anything else (gone at the provider, no body there) stays bodyless;
		// read-through on open reports it.
	}
	if retry != nil {
		return retry
	}
	// Messages of the thread past this batch, or stored while it ran, are
	// fetched by running again now rather than at the veteran's next scan,
	// as long as this run got some bodies (a batch of messages the provider
	// no longer has must not keep it running).
	if len(errs) == len(ids) {
		return e.queueBodies(ctx, msgs[0].VeteranID)
	}
	left, err := e.store.Client.Message.Query().Where(message.ThreadID(job.Args.ThreadID), message.BodyLoaded(false),
		message.IsDraft(false), message.IDNotIn(ids...)).Exist(ctx)
	if err != nil {
		return err
	}
	if left {
		return river.JobSnooze(0)
	}
	return e.queueBodies(ctx, msgs[0].VeteranID)
}
