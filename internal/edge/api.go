// Package edge is VAMS's HTTP edge: every route, on the public and the
// operator listener (routes.go), the middleware they share (request ids,
// logging, CORS, authentication, body limits), the GraphQL endpoint with its
// limits, error presenter, audit and per-response loaders, attachment
// downloads and the operator endpoints. It holds no business rules.
package edge

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/loaders"
	"github.com/va/vams/internal/ops"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/resolvers"
)

// Limits bound what one request may cost.
const (
	MaxBodyBytes    = 12 << 20 // attachments: 10 MB in total plus form overhead
	MaxComplexity   = 5000
	MaxUploadMemory = 1 << 20
	// RequestTimeout is how long one GraphQL request may work; past it
	// resolvers and SQL see a cancelled context, as they do when the
	// client goes away.
	RequestTimeout = 30 * time.Second
)

// Config is what the edge serves. A nil part is not mounted.
type Config struct {
	Store         *store.Store
	Inbox         *inbox.Service
	Verifier      *auth.Verifier
	Log           *slog.Logger
	Introspection bool // demo mode only
	// Bodies reads through to providers for bodies not yet in the store.
	Bodies loaders.BodyFetcher
	// Freshness checks the providers for an active veteran (nil: never).
	Freshness resolvers.Freshness
	// Extensions are added to the GraphQL server (metrics, audit…).
	Extensions []graphql.HandlerExtension
	// Audit, when set, records reads, mutations and downloads, and serves
	// the trail to operators.
	Audit *audit.Recorder
	// AllowedOrigins are the browser origins CORS admits (exact match).
	AllowedOrigins []string
	// PersistedOnly runs only the operations in PersistedQueries (sha256 of
	// the text → text), sent in full or by hash; anything else gets
	// PERSISTED_QUERY_REQUIRED. For production, with the app's manifest.
	PersistedOnly    bool
	PersistedQueries map[string]string
	// MaxDepth overrides the MaxDepth nesting limit (tests).
	MaxDepth int
	// Events feeds GraphQL subscriptions; nil disables them.
	Events *events.Bus
	// Realtime tunes the subscription transports (realtime.go).
	Realtime Realtime
	// RequestTimeout overrides RequestTimeout (tests).
	RequestTimeout time.Duration

	// Demo mounts the playground, Issuer's keys and discovery document and
	// the simulators, and the operator routes on the public listener too.
	Demo   bool
	Issuer *auth.DevIssuer
	// MHVSim, OHSim and NotifySim are mounted under SimMHVPath, SimOHPath
	// and SimNotifyPath (demo).
	MHVSim, OHSim, NotifySim http.Handler
	// DemoToken issues the playground's demo tokens (demo; see Playground).
	DemoToken func(n int) (DemoToken, error)
	// Intake receives OH's Atom publication at IntakeOHPath.
	Intake http.Handler
	// Ready answers /readyz.
	Ready http.Handler
	// Ops is the operator view under /ops/.
	Ops *ops.View
	// Metrics serves Prometheus at /metrics.
	Metrics http.Handler
	// Jobs is River's UI over the job queue, served under /ops/jobs/.
	Jobs http.Handler
}

// Handler is the assembled edge.
type Handler struct {
	cfg   Config
	gql   *handler.Server
	conns *connLimiter // live subscription connections per veteran
	// Public serves the public listener. Operator serves the operator
	// listener: /metrics, /ops/ and the audit trail, kept off the public one
	// except in demo mode.
	Public, Operator http.Handler
}

// New builds the edge.
func New(cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = MaxDepth
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = RequestTimeout
	}
	cfg.AllowedOrigins = normalizeOrigins(cfg.AllowedOrigins)
	cfg.Realtime.defaults()
	h := &Handler{cfg: cfg, conns: &connLimiter{max: cfg.Realtime.MaxConnsPerVeteran}}
	h.gql = h.newGraphQL()
	h.Public, h.Operator = h.routes()
	return h
}
