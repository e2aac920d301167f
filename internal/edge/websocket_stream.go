package edge

// A WebSocket connection's operations: the ordered queue that carries each
// subscription's events to its worker, and queries or mutations sent over
// the socket (websocket.go has the connection).

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/resolvers"
)

// wsSub is one operation of a connection: a subscription, or a query or
// mutation sent over the socket.
type wsSub struct {
	c      *wsConn
	id     string
	rc     *graphql.OperationContext
	ctx    context.Context
	cancel context.CancelFunc

	// Under c.mu.
	pending    int  // events queued
	ended      bool // completed, stopped or its connection closed
	fellBehind bool // its queue filled: the device stopped reading

	// mu orders the stream's start (the worker) against its end (the
	// reader, a timer or the worker).
	mu        sync.Mutex
	pump      *resolvers.Pump
	responses graphql.ResponseHandler
	rctx      context.Context
}

// wsItem is one piece of a connection's ordered work: start sub's stream,
// deliver e to it, or end it with RESYNC_REQUIRED.
type wsItem struct {
	sub    *wsSub
	e      *events.Event
	start  bool
	resync bool
	// closeAfter closes the connection after the resync: its device fell
	// behind (rather than the feed of other instances' events breaking).
	closeAfter bool
}

// runOnce runs a query or mutation sent over the socket.
func (c *wsConn) runOnce(s *wsSub) {
	defer c.end(s)
	defer c.recoverIn(s)
	responses, rctx := c.exec.DispatchOperation(s.ctx, s.rc)
	c.drain(s.id, responses, rctx)
}

// drain sends what a response handler yields, then complete.
func (c *wsConn) drain(id string, responses graphql.ResponseHandler, ctx context.Context) {
	for r := responses(ctx); r != nil; r = responses(ctx) {
		c.sendNext(id, r)
	}
	c.complete(id)
}

// stop ends the client's operation id at its request (no complete follows).
func (c *wsConn) stop(id string) {
	c.mu.Lock()
	s := c.subs[id]
	c.mu.Unlock()
	if s != nil {
		c.end(s)
	}
}

// end finishes s once: it leaves the connection, its context ends, and its
// stream leaves the bus.
func (c *wsConn) end(s *wsSub) {
	c.mu.Lock()
	if s.ended {
		c.mu.Unlock()
		return
	}
	s.ended = true
	if c.subs[s.id] == s {
		delete(c.subs, s.id)
	}
	if s.rc.Operation.Operation == ast.Subscription {
		c.live--
	}
	c.mu.Unlock()
	s.cancel()
	s.mu.Lock()
	if s.pump != nil {
		s.pump.Close()
	}
	s.mu.Unlock()
}

// Offer takes one of the veteran's events for s (events.Sink; called under
// the bus's lock): false when s already holds the bus's buffer of events,
// which ends it with RESYNC_REQUIRED.
func (s *wsSub) Offer(e *events.Event) bool {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.ended || c.closed {
		return true
	}
	if s.pending >= c.h.cfg.Events.Buffer() {
		s.fellBehind = true
		return false
	}
	s.pending++
	c.enqueueLocked(wsItem{sub: s, e: e})
	return true
}

// Ended queues RESYNC_REQUIRED for a stream the bus ended (events.Sink).
func (s *wsSub) Ended(err error) {
	if err == nil {
		return
	}
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if !s.ended && !c.closed {
		c.enqueueLocked(wsItem{sub: s, resync: true, closeAfter: s.fellBehind})
	}
}

// enqueueLocked adds work and starts the worker if none runs.
func (c *wsConn) enqueueLocked(it wsItem) {
	c.queue = append(c.queue, it)
	if !c.working {
		c.working = true
		go c.work()
	}
}

// work drains the queue in order and exits when it is empty, so an idle
// connection holds no worker.
func (c *wsConn) work() {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 || c.closed {
			c.queue, c.working = nil, false // an idle connection keeps no backing array
			c.mu.Unlock()
			return
		}
		it := c.queue[0]
		c.queue[0] = wsItem{}
		c.queue = c.queue[1:]
		if it.e != nil {
			it.sub.pending--
		}
		skip := it.sub.ended
		c.mu.Unlock()
		if !skip {
			c.run(it)
		}
	}
}

func (c *wsConn) run(it wsItem) {
	s := it.sub
	defer c.recoverIn(s)
	switch {
	case it.start:
		c.startStream(s)
	case it.resync:
		s.pump.Resync()
		if r := s.responses(s.rctx); r != nil {
			c.sendNext(s.id, r)
		}
		c.complete(s.id)
		c.end(s)
		if it.closeAfter {
			// A device this far behind has most likely stopped reading;
			// its socket's buffers may still take what was sent without
			// a write ever failing, so close it to free the slot.
			c.closeWith(CloseFellBehind, "fell behind: fetch changes since your last state")
		}
	case s.pump.Next(s.ctx, it.e):
		if r := s.responses(s.rctx); r != nil {
			c.sendNext(s.id, r)
		}
	}
}

// startStream dispatches a subscription with a pump in its context: its
// resolver attaches the pump to the bus and returns without a goroutine.
func (c *wsConn) startStream(s *wsSub) {
	s.mu.Lock()
	s.pump = &resolvers.Pump{Sink: s}
	s.responses, s.rctx = c.exec.DispatchOperation(resolvers.WithPump(s.ctx, s.pump), s.rc)
	opened := s.pump.Opened()
	s.mu.Unlock()
	if !opened { // it failed before its stream began: its errors, then complete
		c.drain(s.id, s.responses, s.rctx)
		c.end(s)
		return
	}
	c.mu.Lock()
	ended := s.ended
	c.mu.Unlock()
	if ended { // stopped while it started
		s.mu.Lock()
		s.pump.Close()
		s.mu.Unlock()
	}
}

// recoverIn ends s with an error rather than the process when its operation
// panics outside the resolvers' own recovery.
func (c *wsConn) recoverIn(s *wsSub) {
	if p := recover(); p != nil {
		c.h.cfg.Log.ErrorContext(s.ctx, "panic in websocket operation", "panic", p, "request_id", requestID(s.ctx))
		c.sendErrors(s.id, gqlerror.List{{Message: "internal error"}})
		c.end(s)
	}
}
