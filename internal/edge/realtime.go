package edge

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/platform/defaults"
	"github.com/va/vams/internal/platform/holds"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
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
	// CloseFellBehind follows a subscription's RESYNC_REQUIRED when the
	// device's own queue filled (try again later: reconnect, resync).
	CloseFellBehind   = 1013
	legacySubprotocol = "graphql-ws"
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
	defaults.Positive(&rt.MaxSubscriptionsPerConn, 20)
	defaults.Positive(&rt.MaxConnsPerVeteran, 10)
	defaults.Positive(&rt.InitTimeout, 10*time.Second)
	defaults.Positive(&rt.KeepAlive, 25*time.Second)
	defaults.Positive(&rt.WriteTimeout, 10*time.Second)
	if rt.AfterFunc == nil {
		rt.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	if rt.Now == nil {
		rt.Now = time.Now
	}
}

// connLimiter counts live connections per veteran.
type connLimiter struct {
	max int
	n   holds.Counter
}

func (l *connLimiter) acquire(vid string) (release func(), ok bool) { return l.n.Acquire(vid, l.max) }

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
// request's), or with no Origin (the mobile app). Browsers set Origin themselves, so a foreign page cannot pass
// for this server's.
func (h *Handler) websocketGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" && !slices.Contains(h.cfg.AllowedOrigins, strings.ToLower(o)) && !sameHost(o, r.Host) {
			writeGraphQLError(w, r, http.StatusForbidden, CodeForbidden, "origin not allowed")
			return
		}
		next.ServeHTTP(w, r)
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

// subscriberReads puts a subscription's reads (over SSE as over a
// WebSocket) on the store's pool for subscribers, so an event's delivery
// never waits for a connection behind the transactions in flight.
type subscriberReads struct{}

func (subscriberReads) ExtensionName() string                   { return "SubscriberReads" }
func (subscriberReads) Validate(graphql.ExecutableSchema) error { return nil }

func (subscriberReads) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx); op.Operation != nil && op.Operation.Operation == ast.Subscription {
		ctx = store.ForSubscribers(ctx)
	}
	return next(ctx)
}
