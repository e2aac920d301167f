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
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
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
	pingFrame = compile(ws.OpText, []byte(`{"type":"ping"}`))
	kaFrame   = compile(ws.OpText, []byte(`{"type":"ka"}`))
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
	c.writeCompiled(frame)
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
	ctx = graphql.WithOperationContext(ctx, rc)
	isSub := rc.Operation.Operation == ast.Subscription
	if isSub {
		ctx = store.ForSubscribers(ctx) // its deliveries' filter reads too (Pump.Next)
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &wsSub{c: c, id: id, rc: rc, ctx: ctx, cancel: cancel}
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
