package edge

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/platform/holds"
	"github.com/va/vams/internal/platform/viewer"
)

// errForbidden: a verified caller who may not use the API. No such caller
// exists today (every valid veteran token is admitted); the WebSocket
// transport maps it to close code 4403.
var errForbidden = errors.New("forbidden")

// WebSocket close codes (graphql-transport-ws). The legacy graphql-ws
// subprotocol has none of these: its clients get connection_error, then a
// normal close.
const (
	CloseUnauthorized    = 4401 // no, bad or expired token: sign in again
	CloseForbidden       = 4403 // a valid token that may not subscribe
	CloseTooManyConns    = 4429 // the veteran already has MaxConnsPerVeteran open
	CloseAuthUnavailable = 1013 // signing keys unreachable: retry later
	legacySubprotocol    = "graphql-ws"
)

// Realtime configures the subscription transports; zero values take the
// defaults below.
type Realtime struct {
	MaxSubscriptionsPerConn int           // default 20
	MaxConnsPerVeteran      int           // default 10, WebSocket and SSE together
	InitTimeout             time.Duration // connection_init must arrive within; default 10s
	KeepAlive               time.Duration // ping interval; default 25s
	// WriteTimeout bounds one write to a subscriber (a WebSocket message,
	// an SSE event); default 10s. A client that stops reading fills the
	// socket's buffers and the write blocks: past this the connection is
	// dropped, so it cannot hold its goroutines, buffered events and
	// connection slot for ever.
	WriteTimeout time.Duration
	// AfterFunc schedules the close at token expiry; default time.AfterFunc
	// (tests inject a fake clock).
	AfterFunc func(time.Duration, func()) (stop func() bool)
	// Now is the clock expiry is measured against; default time.Now.
	Now func() time.Time
}

func (rt *Realtime) defaults() {
	if rt.MaxSubscriptionsPerConn <= 0 {
		rt.MaxSubscriptionsPerConn = 20
	}
	if rt.MaxConnsPerVeteran <= 0 {
		rt.MaxConnsPerVeteran = 10
	}
	if rt.InitTimeout <= 0 {
		rt.InitTimeout = 10 * time.Second
	}
	if rt.KeepAlive <= 0 {
		rt.KeepAlive = 25 * time.Second
	}
	if rt.WriteTimeout <= 0 {
		rt.WriteTimeout = 10 * time.Second
	}
	if rt.AfterFunc == nil {
		rt.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	if rt.Now == nil {
		rt.Now = time.Now
	}
}

// liveConn is one WebSocket connection's state, put in the request context
// before the upgrade so the init and close hooks can find it.
type liveConn struct {
	mu      sync.Mutex
	conn    transport.WebsocketConn
	subs    int
	release func() // frees the veteran's connection slot
	stop    func() bool
}

type liveConnKey struct{}

func liveConnFrom(ctx context.Context) *liveConn {
	c, _ := ctx.Value(liveConnKey{}).(*liveConn)
	return c
}

// closeWith closes the socket with code (normal close for legacy clients,
// after a connection_error).
func (c *liveConn) closeWith(code int, reason string) {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return
	}
	if conn.Subprotocol() == legacySubprotocol || conn.Subprotocol() == "" {
		_ = conn.WriteJSON(map[string]any{"type": "connection_error", "payload": map[string]string{"message": reason}})
		code = transport.WebsocketCloseNormalClosure
	}
	_ = conn.WriteClose(code, reason)
	_ = conn.Close()
}

// connLimiter counts live connections per veteran.
type connLimiter struct {
	max int
	n   holds.Counter
}

func (l *connLimiter) acquire(vid string) (release func(), ok bool) { return l.n.Acquire(vid, l.max) }

// acceptor records the accepted socket in the connection's state and bounds
// its writes. Origins are checked before the upgrade (websocketGate) against
// the CORS allow-list, so the library's own same-host check is off.
type acceptor struct {
	inner        transport.CoderWebsocketImplementation
	writeTimeout time.Duration
}

func (a acceptor) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := a.inner.Accept(w, r, o)
	if err != nil {
		return conn, err
	}
	conn = boundedConn{WebsocketConn: conn, timeout: a.writeTimeout}
	if c := liveConnFrom(r.Context()); c != nil {
		c.mu.Lock()
		c.conn = conn
		c.mu.Unlock()
	}
	return conn, nil
}

// boundedConn drops the socket when a write has not completed within
// timeout: gqlgen writes without a deadline, holding the connection's lock,
// so a client that stopped reading would otherwise block it for ever.
// Dropping it ends the read loop, which closes the connection and frees
// its slot.
type boundedConn struct {
	transport.WebsocketConn
	timeout time.Duration
}

func (c boundedConn) WriteJSON(v any) error {
	t := time.AfterFunc(c.timeout, func() { _ = c.Close() })
	defer t.Stop()
	return c.WebsocketConn.WriteJSON(v)
}

// SetReadLimit and SetReadDeadline pass gqlgen's payload limit and pong
// deadline through to the socket.
func (c boundedConn) SetReadLimit(n int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(n)
	}
}

func (c boundedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

func (h *Handler) websocketTransport() transport.Websocket {
	rt := h.cfg.Realtime
	return transport.Websocket{
		Implementation: acceptor{inner: transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{InsecureSkipVerify: true}},
			writeTimeout: rt.WriteTimeout},
		InitFunc:              h.initWebsocket,
		InitTimeout:           rt.InitTimeout,
		KeepAlivePingInterval: rt.KeepAlive,
		PingPongInterval:      rt.KeepAlive,
		CloseFunc: func(ctx context.Context, _ int) {
			if c := liveConnFrom(ctx); c != nil {
				c.mu.Lock()
				defer c.mu.Unlock()
				if c.stop != nil {
					c.stop()
				}
				if c.release != nil {
					c.release()
				}
			}
		},
	}
}

// initWebsocket authenticates connection_init exactly as an HTTP request is
// (same verifier, same viewer resolution), takes a connection slot and arms
// the close at token expiry.
func (h *Handler) initWebsocket(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	c := liveConnFrom(ctx)
	r := &http.Request{Header: http.Header{}}
	if a := p.Authorization(); a != "" {
		r.Header.Set("Authorization", a)
	}
	v, claims, err := h.verify(ctx, r)
	if err != nil {
		code := CloseUnauthorized
		switch {
		case errors.Is(err, auth.ErrJWKSUnavailable):
			code = CloseAuthUnavailable
		case errors.Is(err, errForbidden):
			code = CloseForbidden
		}
		return withClose(ctx, c, code), nil, errors.New(closeReason(code))
	}
	release, ok := h.conns.acquire(v.VeteranID)
	if !ok {
		return withClose(ctx, c, CloseTooManyConns), nil, errors.New(closeReason(CloseTooManyConns))
	}
	ctx = viewer.NewContext(auth.WithClaims(ctx, claims), v)
	rt := h.cfg.Realtime
	c.mu.Lock()
	c.release = release
	c.stop = rt.AfterFunc(claims.Expiry.Sub(rt.Now()), func() { c.closeWith(CloseUnauthorized, "token expired") })
	c.mu.Unlock()
	return ctx, nil, nil
}

// withClose picks the init failure's close code: gqlgen sends
// connection_error (legacy clients only), then closes with it.
func withClose(ctx context.Context, c *liveConn, code int) context.Context {
	if c != nil && c.conn != nil && c.conn.Subprotocol() != "graphql-transport-ws" {
		code = transport.WebsocketCloseNormalClosure
	}
	return transport.WithWebsocketCloseCode(ctx, code)
}

func closeReason(code int) string {
	switch code {
	case CloseForbidden:
		return "forbidden"
	case CloseTooManyConns:
		return "too many connections"
	case CloseAuthUnavailable:
		return "authentication temporarily unavailable"
	}
	return "unauthorized"
}

// websocketGate admits an upgrade only from an allowed browser origin, from
// a page this server served (the playground: its origin's host is the
// request's), or with no Origin (the mobile app), and gives the connection
// its state. Browsers set Origin themselves, so a foreign page cannot pass
// for this server's.
func (h *Handler) websocketGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !slices.Contains(h.cfg.AllowedOrigins, strings.ToLower(o)) && !sameHost(o, r.Host) {
			writeGraphQLError(w, r, http.StatusForbidden, CodeForbidden, "origin not allowed")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), liveConnKey{}, &liveConn{})))
	})
}

// sameHost reports whether origin (scheme://host[:port]) names host, the
// request's Host, port included.
func sameHost(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && strings.EqualFold(u.Host, host)
}

// sseSlot holds an SSE stream (one subscription per connection) to the
// veteran's connection cap and ends it when the token expires.
func (h *Handler) sseSlot(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		v, _ := viewer.FromContext(r.Context())
		release, ok := h.conns.acquire(v.VeteranID)
		if !ok {
			writeGraphQLError(w, r, http.StatusTooManyRequests, "TOO_MANY_CONNECTIONS", "too many connections")
			return
		}
		defer release()
		claims, _ := auth.ClaimsFrom(r.Context())
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		rt := h.cfg.Realtime
		stop := rt.AfterFunc(claims.Expiry.Sub(rt.Now()), cancel)
		defer stop()
		dw := &deadlineWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: rt.WriteTimeout, fail: cancel}
		// The connection may serve another request after this stream.
		defer func() { _ = dw.rc.SetWriteDeadline(time.Time{}) }()
		next.ServeHTTP(dw, r.WithContext(ctx))
	})
}

// deadlineWriter gives each write of an SSE stream WriteTimeout to reach
// the socket; one that fails (a client that stopped reading) ends the
// stream, so the handler returns and the connection is closed.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	fail    context.CancelFunc
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	_ = d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
	n, err := d.ResponseWriter.Write(p)
	d.check(err)
	return n, err
}

func (d *deadlineWriter) Flush() {
	_ = d.rc.SetWriteDeadline(time.Now().Add(d.timeout))
	d.check(d.rc.Flush())
}

func (d *deadlineWriter) check(err error) {
	if err != nil {
		d.fail()
	}
}

func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// subscriptionCap refuses a WebSocket connection's subscription beyond
// MaxSubscriptionsPerConn; the slot frees when the subscription ends.
type subscriptionCap struct{ max int }

func (subscriptionCap) ExtensionName() string                   { return "SubscriptionCap" }
func (subscriptionCap) Validate(graphql.ExecutableSchema) error { return nil }
func (s subscriptionCap) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	c := liveConnFrom(ctx)
	if c == nil || graphql.GetOperationContext(ctx).Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	c.mu.Lock()
	full := c.subs >= s.max
	if !full {
		c.subs++
	}
	c.mu.Unlock()
	if full {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{{
			Message:    "Too many subscriptions on this connection.",
			Extensions: map[string]any{"code": "TOO_MANY_SUBSCRIPTIONS"},
		}}})
	}
	context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.subs--
		c.mu.Unlock()
	})
	return next(ctx)
}
