package resolvers

import (
	"context"
	"sync"

	"github.com/va/vams/ent"
)

// eventReadsMax bounds the reads kept for sharing: enough for the events in
// flight at once, each read a few hundred bytes.
const eventReadsMax = 1024

// eventReads lets the deliveries of one event to one veteran's
// subscriptions (each of the veteran's devices, delivered concurrently)
// share what they read through that veteran's scope: the first to ask reads
// a node, the others wait for that read and take it. Reads are keyed by the
// event's change-log position, so no later event is served what an earlier
// one read. A failed read is not shared: each delivery then reads for itself.
type eventReads struct {
	mu    sync.Mutex
	reads map[eventRead]*sharedRead
	ring  [eventReadsMax]eventRead // insertion order; next is the oldest once full
	next  int
}

type eventRead struct {
	veteranID string
	change    int64
	id        string
}

type sharedRead struct {
	done chan struct{} // closed once node and err are set
	node ent.Noder
	err  error
}

// do returns what read returns for k, reading at most once while k is kept.
func (r *eventReads) do(ctx context.Context, k eventRead, read func() (ent.Noder, error)) (ent.Noder, error) {
	r.mu.Lock()
	s, ok := r.reads[k]
	if !ok {
		s = &sharedRead{done: make(chan struct{})}
		r.keep(k, s)
	}
	r.mu.Unlock()
	if !ok {
		defer close(s.done) // even if read panics, so no delivery waits on it forever
		s.node, s.err = read()
		return s.node, s.err
	}
	select {
	case <-s.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if s.err != nil {
		return read()
	}
	return s.node, nil
}

// keep adds s under k, dropping the oldest read when full; r.mu is held.
func (r *eventReads) keep(k eventRead, s *sharedRead) {
	if r.reads == nil {
		r.reads = make(map[eventRead]*sharedRead, eventReadsMax)
	}
	if len(r.reads) == eventReadsMax {
		delete(r.reads, r.ring[r.next])
	}
	r.reads[k] = s
	r.ring[r.next] = k
	r.next = (r.next + 1) % eventReadsMax
}
