package edge

// The WebSocket transport: graphql-transport-ws and the legacy graphql-ws
// subprotocol over gobwas/ws, shaped for many idle subscribers (20,000 on
// one instance is the target, docs/performance.md). An idle connection holds
// one goroutine, its reader, with a shallow stack; no read or write buffer;
// and timers, not goroutines, for the init timeout, keep-alive and token
// expiry. An idle subscription holds no goroutine: the bus hands its events
// to the connection's queue (resolvers.Pump), and one short-lived worker per
// connection turns them into messages in order. What a message starts
// (init, an operation) runs off the reader's stack.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gobwas/ws"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/resolvers"
)

// graphql-transport-ws close codes of the protocol itself.
const (
	closeBadMessage      = 4400
	closeInitTimeout     = 4408
	closeDuplicateID     = 4409
	closeTooManyInits    = 4429
	transportSubprotocol = "graphql-transport-ws"
	// maxClientMessage bounds one message from a client (gqlgen's default).
	maxClientMessage = 1 << 20
	// closeWriteTimeout bounds writing the close frame.
	closeWriteTimeout = time.Second
)

// The keep-alive frames, the same for every connection: built once, as 800
// of them a second go out at 20,000 connections.
var (
	pingFrame = ws.MustCompileFrame(ws.NewTextFrame([]byte(`{"type":"ping"}`)))
	kaFrame   = ws.MustCompileFrame(ws.NewTextFrame([]byte(`{"type":"ka"}`)))
)

// wsTransport serves WebSocket upgrades of /graphql.
type wsTransport struct{ h *Handler }

var _ graphql.Transport = wsTransport{}

func (wsTransport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// Do upgrades the request and returns: the connection lives on in its reader
// goroutine, and the HTTP handler's deeper stack is freed.
func (t wsTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	rt := t.h.cfg.Realtime
	up := ws.HTTPUpgrader{
		Timeout:  rt.WriteTimeout,
		Protocol: func(p string) bool { return p == transportSubprotocol || p == legacySubprotocol },
	}
	nc, rw, hs, err := up.Upgrade(r, w)
	if err != nil { // the upgrader has answered the request
		if nc != nil {
			_ = nc.Close()
		}
		return
	}
	// The request's context ends when this handler returns: the connection
	// keeps only the request id.
	c := &wsConn{
		h: t.h, exec: exec, nc: nc, legacy: hs.Protocol != transportSubprotocol,
		ctx:  requestIDKey.With(context.Background(), requestID(r.Context())),
		subs: map[string]*wsSub{},
	}
	in := io.Reader(nc)
	if n := rw.Reader.Buffered(); n > 0 { // a client that did not wait for the 101
		early, _ := rw.Reader.Peek(n)
		in = io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc)
	}
	c.mu.Lock()
	c.initTimer = time.AfterFunc(rt.InitTimeout, func() { c.closeWith(closeInitTimeout, "Connection initialisation timeout") })
	c.mu.Unlock()
	go c.read(in)
}

// wsConn is one WebSocket connection.
type wsConn struct {
	h      *Handler
	exec   graphql.GraphExecutor
	nc     net.Conn
	legacy bool // graphql-ws: no close codes of its own, "ka" keep-alives

	wmu sync.Mutex // one frame at a time

	mu         sync.Mutex
	ctx        context.Context // the viewer's once connection_init is accepted
	inited     bool            // connection_init received
	acked      bool            // and accepted
	closed     bool
	subs       map[string]*wsSub // live operations by client id
	live       int               // of which subscriptions
	queue      []wsItem          // work for the worker, in order
	working    bool              // a worker goroutine is draining queue
	unanswered int               // pings sent since the client last spoke
	release    func()            // the veteran's connection slot
	stopExpiry func() bool
	initTimer  *time.Timer
	keepAlive  *time.Timer
}

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

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// read reads frames until the connection ends, answering control frames and
// handing each message to handle.
func (c *wsConn) read(in io.Reader) {
	var msg []byte
	inMessage := false
	for {
		h, err := ws.ReadHeader(in)
		if err != nil {
			c.drop()
			return
		}
		if !h.Masked {
			c.closeWith(int(ws.StatusProtocolError), "unmasked frame")
			return
		}
		if h.Length > maxClientMessage-int64(len(msg)) {
			c.closeWith(int(ws.StatusMessageTooBig), "message too big")
			return
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(in, p); err != nil {
			c.drop()
			return
		}
		ws.Cipher(p, h.Mask, 0)
		switch h.OpCode {
		case ws.OpPing:
			c.writeFrame(ws.OpPong, p)
			continue
		case ws.OpPong:
			continue
		case ws.OpClose:
			code, _ := ws.ParseCloseFrameData(p)
			if code.Empty() {
				code = ws.StatusNormalClosure
			}
			c.shutdown(code, "") // the close handshake's answer
			return
		case ws.OpText, ws.OpBinary:
			if inMessage {
				c.closeWith(int(ws.StatusProtocolError), "interleaved message")
				return
			}
			msg, inMessage = p, true
		case ws.OpContinuation:
			if !inMessage {
				c.closeWith(int(ws.StatusProtocolError), "continuation without a message")
				return
			}
			msg = append(msg, p...)
		default:
			c.closeWith(int(ws.StatusProtocolError), "unknown opcode")
			return
		}
		if !h.Fin {
			continue
		}
		m := msg
		msg, inMessage = nil, false
		if !c.offStack(func() bool { return c.handle(m) }) {
			return
		}
	}
}

// offStack runs f on a goroutine of its own and waits: what a message
// starts (token verification, enrolment, validation) may grow a deep stack,
// and the reader's stays shallow for the connection's idle life.
func (c *wsConn) offStack(f func() bool) bool {
	done := make(chan bool, 1)
	go func() { done <- f() }()
	return <-done
}

// handle acts on one client message; false ends the reader.
func (c *wsConn) handle(raw []byte) bool {
	var m wsMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		c.closeWith(closeBadMessage, "Invalid message received")
		return false
	}
	c.mu.Lock()
	c.unanswered = 0 // any message shows the client is there
	c.mu.Unlock()
	switch {
	case m.Type == "connection_init":
		return c.init(m.Payload)
	case m.Type == "ping" && !c.legacy:
		c.send(wsMessage{Type: "pong", Payload: m.Payload})
	case m.Type == "pong" && !c.legacy:
	case m.Type == "subscribe" && !c.legacy, m.Type == "start" && c.legacy:
		return c.subscribe(m.ID, m.Payload)
	case m.Type == "complete" && !c.legacy, m.Type == "stop" && c.legacy:
		c.stop(m.ID)
	case m.Type == "connection_terminate" && c.legacy:
		c.closeWith(int(ws.StatusNormalClosure), "terminated")
		return false
	default:
		c.closeWith(closeBadMessage, "unexpected message "+m.Type)
		return false
	}
	return true
}

// init authenticates connection_init exactly as an HTTP request is (same
// verifier, same viewer resolution), takes a connection slot and arms the
// close at token expiry.
func (c *wsConn) init(payload json.RawMessage) bool {
	c.mu.Lock()
	again := c.inited
	c.inited = true
	c.initTimer.Stop()
	ctx := c.ctx
	c.mu.Unlock()
	if again {
		c.closeWith(closeTooManyInits, "Too many initialisation requests")
		return false
	}
	var p transport.InitPayload
	if len(payload) > 0 && json.Unmarshal(payload, &p) != nil {
		c.closeWith(closeBadMessage, "Invalid connection_init payload")
		return false
	}
	r := &http.Request{Header: http.Header{}}
	if a := p.Authorization(); a != "" {
		r.Header.Set("Authorization", a)
	}
	v, claims, err := c.h.verify(ctx, r)
	if err != nil {
		code := CloseUnauthorized
		switch {
		case errors.Is(err, auth.ErrJWKSUnavailable):
			code = CloseAuthUnavailable
		case errors.Is(err, errForbidden):
			code = CloseForbidden
		}
		c.closeWith(code, closeReason(code))
		return false
	}
	release, ok := c.h.conns.acquire(v.VeteranID)
	if !ok {
		c.closeWith(CloseTooManyConns, closeReason(CloseTooManyConns))
		return false
	}
	rt := c.h.cfg.Realtime
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		release()
		return false
	}
	c.ctx = viewer.NewContext(auth.WithClaims(ctx, claims), v)
	c.acked, c.release = true, release
	c.stopExpiry = rt.AfterFunc(claims.Expiry.Sub(rt.Now()), func() { c.closeWith(CloseUnauthorized, "token expired") })
	c.keepAlive = time.AfterFunc(rt.KeepAlive, c.ping)
	c.mu.Unlock()
	c.send(wsMessage{Type: "connection_ack"})
	if c.legacy {
		c.send(wsMessage{Type: "ka"})
	}
	return true
}

// ping keeps the connection alive: "ka" for legacy clients; a ping for the
// others, which must answer (or say anything) within two intervals.
func (c *wsConn) ping() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if !c.legacy && c.unanswered >= 2 {
		c.mu.Unlock()
		c.drop()
		return
	}
	if !c.legacy {
		c.unanswered++
	}
	c.keepAlive.Reset(c.h.cfg.Realtime.KeepAlive)
	c.mu.Unlock()
	frame := pingFrame
	if c.legacy {
		frame = kaFrame
	}
	c.wmu.Lock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.h.cfg.Realtime.WriteTimeout))
	_, err := c.nc.Write(frame)
	c.wmu.Unlock()
	if err != nil {
		c.drop()
	}
}

// subscribe starts an operation: a subscription's stream through the
// connection's queue, anything else on a goroutine of its own.
func (c *wsConn) subscribe(id string, payload json.RawMessage) bool {
	c.mu.Lock()
	acked, ctx, dup := c.acked, c.ctx, c.subs[id] != nil
	c.mu.Unlock()
	switch {
	case !acked:
		c.closeWith(CloseUnauthorized, "Unauthorized")
		return false
	case id == "":
		c.closeWith(closeBadMessage, "Operation without an id")
		return false
	case dup:
		c.closeWith(closeDuplicateID, "Subscriber for "+id+" already exists")
		return false
	}
	params := &graphql.RawParams{}
	if err := json.Unmarshal(payload, params); err != nil {
		c.sendErrors(id, gqlerror.List{{Message: "invalid json"}})
		c.complete(id)
		return true
	}
	ctx = graphql.StartOperationTrace(ctx)
	rc, gerr := c.exec.CreateOperationContext(ctx, params)
	if gerr != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), gerr)
		if errcode.GetErrorKind(gerr) == errcode.KindProtocol {
			c.sendErrors(id, resp.Errors)
		} else {
			c.sendNext(id, resp)
		}
		c.complete(id)
		return true
	}
	ctx, cancel := context.WithCancel(graphql.WithOperationContext(ctx, rc))
	s := &wsSub{c: c, id: id, rc: rc, ctx: ctx, cancel: cancel}
	isSub := rc.Operation.Operation == ast.Subscription
	c.mu.Lock()
	full := isSub && c.live >= c.h.cfg.Realtime.MaxSubscriptionsPerConn
	if !full && !c.closed {
		c.subs[id] = s
		if isSub {
			c.live++
			c.enqueueLocked(wsItem{sub: s, start: true})
		}
	}
	c.mu.Unlock()
	switch {
	case full:
		cancel()
		c.sendNext(id, &graphql.Response{Errors: gqlerror.List{{
			Message:    "Too many subscriptions on this connection.",
			Extensions: map[string]any{"code": "TOO_MANY_SUBSCRIPTIONS"},
		}}})
		c.complete(id)
	case !isSub:
		go c.runOnce(s)
	}
	return true
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

func (c *wsConn) sendNext(id string, r *graphql.Response) {
	b, err := json.Marshal(r)
	if err != nil {
		c.h.cfg.Log.Error("encoding a websocket response failed", "error", err.Error())
		return
	}
	typ := "next"
	if c.legacy {
		typ = "data"
	}
	c.send(wsMessage{ID: id, Type: typ, Payload: b})
}

func (c *wsConn) sendErrors(id string, errs gqlerror.List) {
	b, _ := json.Marshal(errs)
	c.send(wsMessage{ID: id, Type: "error", Payload: b})
}

func (c *wsConn) complete(id string) { c.send(wsMessage{ID: id, Type: "complete"}) }

func (c *wsConn) send(m wsMessage) {
	b, _ := json.Marshal(m)
	c.writeFrame(ws.OpText, b)
}

// writeFrame writes one frame within WriteTimeout; a client that stopped
// reading fails the write, and the connection is dropped, freeing its slot.
func (c *wsConn) writeFrame(op ws.OpCode, p []byte) {
	c.wmu.Lock()
	err := c.writeLocked(op, p, c.h.cfg.Realtime.WriteTimeout)
	c.wmu.Unlock()
	if err != nil {
		c.drop()
	}
}

func (c *wsConn) writeLocked(op ws.OpCode, p []byte, timeout time.Duration) error {
	var b bytes.Buffer
	hdr := ws.Header{Fin: true, OpCode: op, Length: int64(len(p))}
	b.Grow(ws.HeaderSize(hdr) + len(p))
	_ = ws.WriteHeader(&b, hdr)
	b.Write(p)
	_ = c.nc.SetWriteDeadline(time.Now().Add(timeout))
	_, err := c.nc.Write(b.Bytes())
	return err
}

// closeWith ends the connection with code and reason. Legacy graphql-ws
// clients have no codes of their own: they get connection_error, then a
// normal close.
func (c *wsConn) closeWith(code int, reason string) {
	if c.legacy && code >= 4000 {
		c.shutdown(ws.StatusNormalClosure, reason)
		return
	}
	c.shutdown(ws.StatusCode(code), reason)
}

// shutdown sends a close frame with code, after a connection_error with
// errReason when that is not empty, and closes the connection.
func (c *wsConn) shutdown(code ws.StatusCode, errReason string) {
	if !c.markClosed() {
		return
	}
	if !c.wmu.TryLock() {
		// A write is under way, perhaps to a client that stopped reading:
		// end it now rather than wait out its timeout.
		_ = c.nc.SetWriteDeadline(time.Now())
		c.wmu.Lock()
	}
	reason := errReason
	if c.legacy && errReason != "" {
		b, _ := json.Marshal(wsMessage{Type: "connection_error", Payload: mustJSON(map[string]string{"message": errReason})})
		_ = c.writeLocked(ws.OpText, b, closeWriteTimeout)
	}
	_ = c.writeLocked(ws.OpClose, ws.NewCloseFrameBody(code, reason), closeWriteTimeout)
	c.wmu.Unlock()
	go c.linger()
	c.cleanup()
}

// linger closes after the close frame the way a TCP peer expects: the
// write side first, then what the client still sends (the rest of a message
// too big, its own close frame) is read and dropped for a moment. Closing
// with unread input would reset the connection, and the client could lose
// the close frame and its code.
func (c *wsConn) linger() {
	if hc, ok := c.nc.(interface{ CloseWrite() error }); ok && hc.CloseWrite() == nil {
		_ = c.nc.SetReadDeadline(time.Now().Add(closeWriteTimeout))
		_, _ = io.Copy(io.Discard, c.nc)
	}
	_ = c.nc.Close()
}

// drop ends the connection without a word: the client is gone or stuck.
func (c *wsConn) drop() {
	if !c.markClosed() {
		return
	}
	_ = c.nc.Close()
	c.cleanup()
}

func (c *wsConn) markClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.closed = true
	return true
}

// cleanup ends every operation and frees the timers and the slot.
func (c *wsConn) cleanup() {
	c.mu.Lock()
	subs := make([]*wsSub, 0, len(c.subs))
	for _, s := range c.subs {
		subs = append(subs, s)
	}
	c.queue = nil
	c.initTimer.Stop()
	if c.keepAlive != nil {
		c.keepAlive.Stop()
	}
	if c.stopExpiry != nil {
		c.stopExpiry()
	}
	release := c.release
	c.release = nil
	c.mu.Unlock()
	for _, s := range subs {
		c.end(s)
	}
	if release != nil {
		release()
	}
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
