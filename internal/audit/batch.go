package audit

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Batch makes Record return at once and appends entries in the background,
// one transaction per interval for everything recorded meanwhile, and makes
// the same loop the audit worker, chaining the outbox's committed mutation
// entries each interval (ChainOutbox). The hash chain is global, so
// appending per request would serialise every audited request behind one
// lock; batching keeps that cost off the request path. The price, for reads
// only: entries recorded in the last interval before a crash are lost
// (Close flushes them on an orderly stop); a failed append is retried.
// Mutations' entries are in the outbox from their commit, so they survive.
func (r *Recorder) Batch(interval time.Duration, log *slog.Logger) {
	r.batch = &batcher{interval: interval, log: log, quit: make(chan struct{}), done: make(chan struct{})}
	go r.batch.run(r)
}

// Close writes what is still queued and stops the background appender.
func (r *Recorder) Close(ctx context.Context) error {
	if r.batch == nil {
		return nil
	}
	r.batch.once.Do(func() { close(r.batch.quit) })
	select {
	case <-r.batch.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type batcher struct {
	interval time.Duration
	log      *slog.Logger
	mu       sync.Mutex
	queue    []Event
	quit     chan struct{}
	once     sync.Once
	done     chan struct{}
}

func (b *batcher) add(events []Event) {
	b.mu.Lock()
	b.queue = append(b.queue, events...)
	b.mu.Unlock()
}

func (b *batcher) take() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue
	b.queue = nil
	return q
}

func (b *batcher) run(r *Recorder) {
	defer close(b.done)
	t := time.NewTicker(b.interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-b.quit:
			b.flush(r)
			return
		}
		b.flush(r)
	}
}

func (b *batcher) flush(r *Recorder) {
	events := b.take()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if len(events) == 0 {
		if _, err := r.ChainOutbox(ctx); err != nil {
			b.log.ErrorContext(ctx, "audit outbox chaining failed; will retry", "error", err.Error())
		}
		return
	}
	if err := r.append(ctx, events); err != nil {
		// Keep them for the next round rather than lose them.
		b.mu.Lock()
		b.queue = append(events, b.queue...)
		b.mu.Unlock()
		b.log.ErrorContext(ctx, "audit append failed; will retry", "entries", len(events), "error", err.Error())
	}
}
