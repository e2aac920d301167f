package edge

import (
	"net/http"
	"net/http/pprof"
	"strings"

	"github.com/va/vams/internal/auth"
	"github.com/va/vams/resolvers"
)

// Paths other parts of VAMS name (the demo's adapters and OH simulator).
const (
	GraphQLPath  = "/graphql"
	IntakeOHPath = "/intake/oh/atom"
	SimMHVPath   = "/sim/mhv"
	SimOHPath    = "/sim/oh"
	// SimNotifyPath is the demo's notification service.
	SimNotifyPath = "/sim/notify"
)

// routes is every route VAMS serves. The operator routes (metrics, ops,
// audit) go on the operator listener, and on the public one too in demo
// mode only.
func (h *Handler) routes() (public, operator http.Handler) {
	c := h.cfg
	pub := http.NewServeMux()
	pub.Handle(GraphQLPath, h.graphQLRoute())
	pub.Handle("/attachments/{id}", chain(http.HandlerFunc(h.attachment),
		cors(c.AllowedOrigins), h.veteran(writeError), h.auditDownload))
	mount(pub, "POST "+IntakeOHPath, c.Intake)
	pub.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mount(pub, "GET /readyz", c.Ready)
	if c.Demo {
		Playground{Endpoint: GraphQLPath, SubscriptionEndpoint: GraphQLPath, DemoToken: c.DemoToken}.Routes(pub)
		if c.Issuer != nil {
			pub.Handle("GET "+auth.DevJWKSPath, c.Issuer.JWKSHandler())
			pub.Handle("GET "+auth.DevDiscoveryPath, c.Issuer.DiscoveryHandler())
		}
		mount(pub, SimMHVPath+"/", stripPrefix(SimMHVPath, c.MHVSim))
		mount(pub, SimOHPath+"/", stripPrefix(SimOHPath, c.OHSim))
		mount(pub, SimNotifyPath+"/", stripPrefix(SimNotifyPath, c.NotifySim))
		h.operatorRoutes(pub)
	}
	op := http.NewServeMux()
	h.operatorRoutes(op)
	h.profiling(op)
	outer := []middleware{withRequestID, logRequests(c.Log), baseHeaders}
	return chain(unservedAsJSON(pub), outer...), chain(unservedAsJSON(op), outer...)
}

// unservedAsJSON answers what mux serves no route for (an unknown path, or a
// method the path does not take) in the one error shape rather than the
// mux's plain text, keeping its status and Allow header.
func unservedAsJSON(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		probe := &statusProbe{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			writeError(w, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "This endpoint does not take that method.")
			return
		}
		writeError(w, r, http.StatusNotFound, CodeNotFound, "No such endpoint.")
	})
}

// statusProbe keeps the status and headers a handler answers with, and
// drops its body.
type statusProbe struct {
	header http.Header
	status int
}

func (p *statusProbe) Header() http.Header { return p.header }

func (p *statusProbe) WriteHeader(status int) {
	if p.status == 0 {
		p.status = status
	}
}

func (p *statusProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

// graphQLRoute is /graphql. A WebSocket upgrade is authenticated by its
// connection_init (browsers cannot set headers on one), everything else by
// the Authorization header.
func (h *Handler) graphQLRoute() http.Handler {
	origins := h.cfg.AllowedOrigins
	api := chain(h.gql, cors(origins), h.veteran(writeGraphQLError), h.sseSlot, limitBody(MaxBodyBytes, writeGraphQLError), specStatus)
	ws := chain(h.gql, cors(origins), h.websocketGate)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			ws.ServeHTTP(w, r)
			return
		}
		r.Header.Del("Upgrade") // only a websocket upgrade may skip the header check
		preferListedJSON(r.Header)
		// A WebSocket's headers are the connection's, not an action's: only
		// a plain request's Idempotency-Key keys its mutation.
		api.ServeHTTP(w, r.WithContext(resolvers.WithIdempotencyHeader(r.Context(), r.Header.Get(resolvers.IdempotencyHeader))))
	})
}

// operatorRoutes mounts what only operators (and scrapers) may reach. Every
// /ops/ route goes through the one operator check.
func (h *Handler) operatorRoutes(mux *http.ServeMux) {
	c := h.cfg
	// Metrics carry no veteran's data and are scraped without a token.
	mount(mux, "GET /metrics", c.Metrics)
	if c.Ops != nil {
		mux.Handle("GET /ops/sync", h.operator(h.opsSync()))
		mux.Handle("GET /ops/deliveries/failed", h.operator(h.opsFailed()))
		mux.Handle("GET /ops/deliveries/unknown", h.operator(h.opsUnknown()))
		mux.Handle("POST /ops/deliveries/{id}/retry", h.operator(h.opsRetry()))
		mux.Handle("POST /ops/deliveries/{id}/recheck", h.operator(h.opsRecheck()))
		mux.Handle("POST /ops/sync/{provider}/{veteranId}/release", h.operator(h.opsHeld(false)))
		mux.Handle("POST /ops/sync/{provider}/{veteranId}/discard", h.operator(h.opsHeld(true)))
		mux.Handle("GET /ops/notifications", h.operator(h.opsNotifications()))
		mux.Handle("POST /ops/notifications/{id}/retry", h.operator(h.opsRetryNotification()))
	}
	if c.Inbox != nil {
		mux.Handle("GET /ops/cutovers", h.operator(http.HandlerFunc(h.opsCutovers)))
		mux.Handle("PUT /ops/cutovers/{stationNumber}", h.operator(http.HandlerFunc(h.opsPutCutover)))
	}
	if c.Jobs != nil {
		mux.Handle("/ops/jobs/", h.operator(c.Jobs))
	}
	if c.Audit != nil {
		mux.Handle("GET /ops/audit", h.operator(http.HandlerFunc(h.auditQuery)))
		mux.Handle("GET /ops/audit/verify", h.operator(http.HandlerFunc(h.auditVerify)))
	}
}

// profiling mounts net/http/pprof for operators. It is on the operator
// listener only, never on the public one, not even in demo mode: profiles
// show memory, and a CPU profile costs the server while it runs.
func (h *Handler) profiling(mux *http.ServeMux) {
	mux.Handle("GET /debug/pprof/", h.operator(http.HandlerFunc(pprof.Index)))
	mux.Handle("GET /debug/pprof/cmdline", h.operator(http.HandlerFunc(pprof.Cmdline)))
	mux.Handle("GET /debug/pprof/profile", h.operator(http.HandlerFunc(pprof.Profile)))
	mux.Handle("GET /debug/pprof/symbol", h.operator(http.HandlerFunc(pprof.Symbol)))
	mux.Handle("POST /debug/pprof/symbol", h.operator(http.HandlerFunc(pprof.Symbol)))
	mux.Handle("GET /debug/pprof/trace", h.operator(http.HandlerFunc(pprof.Trace)))
}

// mount registers h unless it is nil (a part this assembly lacks).
func mount(mux *http.ServeMux, pattern string, h http.Handler) {
	if h != nil {
		mux.Handle(pattern, h)
	}
}

func stripPrefix(prefix string, h http.Handler) http.Handler {
	if h == nil {
		return nil
	}
	return http.StripPrefix(prefix, h)
}
