// Package api serves VAMS over HTTP: the GraphQL endpoint with its limits,
// error presenter and per-response loaders, attachment downloads, and the
// middleware that turns a verified token into the viewer. It holds no
// business rules.
package edge

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/va/vams/ent"
	"github.com/va/vams/graph"
	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/loaders"
	"github.com/va/vams/internal/platform/viewer"
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

// Config wires the API.
type Config struct {
	Store         *store.Store
	Inbox         *inbox.Service
	Verifier      *auth.Verifier
	Log           *slog.Logger
	Introspection bool // demo mode only
	// Bodies reads through to providers for bodies not yet in the store.
	Bodies loaders.BodyFetcher
	// Extensions are added to the GraphQL server (metrics, audit…).
	Extensions []graphql.HandlerExtension
	// Audit, when set, records reads, mutations and downloads (api/audit.go).
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
}

// Handler is the authenticated API surface (GraphQL and attachments).
type Handler struct {
	cfg   Config
	gql   *handler.Server
	conns *connLimiter
}

// New builds the API handler.
func New(cfg Config) *Handler {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.AllowedOrigins = normalizeOrigins(cfg.AllowedOrigins)
	cfg.Realtime.defaults()
	h := &Handler{cfg: cfg, conns: &connLimiter{max: cfg.Realtime.MaxConnsPerVeteran, n: map[string]int{}}}
	gcfg := graph.Config{Resolvers: &resolvers.Resolver{Inbox: cfg.Inbox, Events: cfg.Events}}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = RequestTimeout
	}
	// Connections cost what they could return: a page of 100 threads four
	// levels deep must not pass for a small query.
	gcfg.Complexity.Viewer.Threads = func(child int, _ *string, _ *model.ThreadFilter, _ *model.ThreadOrder, first *int, _ *entgql.Cursor[string], last *int, _ *entgql.Cursor[string]) int {
		return 1 + child*pageCost(first, last)
	}
	gcfg.Complexity.Thread.Messages = func(child int, first *int, _ *entgql.Cursor[string], last *int, _ *entgql.Cursor[string]) int {
		return 1 + child*pageCost(first, last)
	}
	gcfg.Complexity.Viewer.CareTeams = func(child int) int { return 1 + child*careTeamCost }
	gcfg.Complexity.Query.Nodes = func(child int, ids []string) int { return 1 + child*len(ids) }
	srv := handler.New(graph.NewExecutableSchema(gcfg))
	// WebSocket first (it claims upgrades); SSE before POST (both are POSTs).
	srv.AddTransport(h.websocketTransport())
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: MaxBodyBytes, MaxMemory: MaxUploadMemory})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetErrorPresenter(presentError(cfg.Log))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		cfg.Log.ErrorContext(ctx, "panic in resolver", "panic", p)
		return errors.New("internal error")
	})
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	if cfg.PersistedOnly {
		srv.Use(extension.AutomaticPersistedQuery{Cache: safelistCache(cfg.PersistedQueries)})
		srv.Use(persistedOnly{allowed: cfg.PersistedQueries})
	} else {
		srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	}
	srv.Use(queryBounds{})
	srv.Use(deadline(cfg.RequestTimeout))
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = MaxDepth
	}
	srv.Use(depthLimit{max: cfg.MaxDepth, introspection: cfg.Introspection})
	srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	srv.Use(subscriptionCap{max: cfg.Realtime.MaxSubscriptionsPerConn})
	if cfg.Audit != nil {
		srv.Use(auditor{rec: cfg.Audit, log: cfg.Log})
	}
	srv.Use(perResponseLoaders{client: cfg.Store.Client, bodies: cfg.Bodies})
	for _, ext := range cfg.Extensions {
		srv.Use(ext)
	}
	h.gql = srv
	return h
}

func pageCost(first, last *int) int {
	n := inbox.DefaultPageSize
	if first != nil {
		n = *first
	} else if last != nil {
		n = *last
	}
	if n > inbox.MaxPageSize {
		n = inbox.MaxPageSize
	}
	if n < 1 {
		n = 1
	}
	return n
}

// perResponseLoaders gives every response (and every subscription event) its
// own loaders, so no cached value outlives the data it read.
type perResponseLoaders struct {
	client *ent.Client
	bodies loaders.BodyFetcher
}

func (perResponseLoaders) ExtensionName() string                   { return "PerResponseLoaders" }
func (perResponseLoaders) Validate(graphql.ExecutableSchema) error { return nil }
func (e perResponseLoaders) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	return next(loaders.With(ctx, loaders.New(e.client, e.bodies)))
}

// GraphQL is the /graphql endpoint; it requires a verified viewer. A
// WebSocket upgrade is authenticated by its connection_init instead (browsers
// cannot set headers on one), everything else by the Authorization header.
func (h *Handler) GraphQL() http.Handler {
	api := secure(h.cfg.AllowedOrigins, h.authenticated(withRequestID(h.sseSlot(limitBody(MaxBodyBytes, specStatus(h.gql))))))
	ws := secure(h.cfg.AllowedOrigins, h.websocketGate(withRequestID(h.gql)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			ws.ServeHTTP(w, r)
			return
		}
		r.Header.Del("Upgrade") // only a websocket upgrade may skip the header check
		api.ServeHTTP(w, r)
	})
}

// Attachments serves GET /attachments/{id} to the attachment's owner.
func (h *Handler) Attachments() http.Handler {
	return secure(h.cfg.AllowedOrigins, h.authenticated(h.auditExport(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		a, err := h.cfg.Inbox.Attachment(r.Context(), r.PathValue("id"))
		if err != nil {
			if _, ok := inbox.AsError(err); ok || ent.IsNotFound(err) {
				http.NotFound(w, r)
				return
			}
			h.cfg.Log.ErrorContext(r.Context(), "attachment download failed", "error", err.Error())
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", a.ContentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(a.Data)))
		w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(a.Filename))
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "private, no-store")
		if r.Method == http.MethodGet {
			_, _ = w.Write(a.Data)
		}
	}))))
}

// Authenticated wraps next so it runs only for a verified caller, with the
// viewer (and roles) in the request context.
func (h *Handler) Authenticated(next http.Handler) http.Handler { return h.authenticated(next) }

// authenticated verifies the bearer token and puts the veteran in context.
func (h *Handler) authenticated(next http.Handler) http.Handler {
	return auth.Middleware(h.cfg.Verifier, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := auth.ClaimsFrom(r.Context())
		v, err := h.viewerFor(r.Context(), claims)
		if err != nil {
			h.cfg.Log.ErrorContext(r.Context(), "resolving viewer failed", "error", err.Error())
			http.Error(w, `{"errors":[{"message":"internal error","extensions":{"code":"INTERNAL"}}]}`, http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, r.WithContext(viewer.NewContext(r.Context(), v)))
	}))
}

// errForbidden: a verified caller who may not use the API. No such caller
// exists today (every valid veteran token is admitted); the WebSocket
// transport maps it to close code 4403.
var errForbidden = errors.New("forbidden")

// verify authenticates r's Authorization header as authenticated does, for
// transports that carry the token elsewhere (WebSocket connection_init).
func (h *Handler) verify(ctx context.Context, r *http.Request) (viewer.Viewer, auth.Claims, error) {
	tok, err := auth.BearerToken(r)
	if err != nil {
		return viewer.Viewer{}, auth.Claims{}, err
	}
	claims, err := h.cfg.Verifier.Verify(ctx, tok)
	if err != nil {
		return viewer.Viewer{}, auth.Claims{}, err
	}
	v, err := h.viewerFor(ctx, claims)
	if err != nil {
		h.cfg.Log.ErrorContext(ctx, "resolving viewer failed", "error", err.Error())
	}
	return v, claims, err
}

// viewerFor turns verified claims into the viewer (enrolling a veteran seen
// for the first time).
func (h *Handler) viewerFor(ctx context.Context, claims auth.Claims) (viewer.Viewer, error) {
	vid, err := h.veteranID(ctx, claims.ICN)
	if err != nil {
		return viewer.Viewer{}, err
	}
	v := viewer.Viewer{VeteranID: vid, ICN: claims.ICN}
	for _, role := range claims.Roles {
		if role == string(viewer.RoleOperator) {
			v.Roles = append(v.Roles, viewer.RoleOperator)
		}
	}
	return v, nil
}

// veteranID maps an ICN to the store's veteran (enrolling one seen for the
// first time).
func (h *Handler) veteranID(ctx context.Context, icn string) (string, error) {
	return h.cfg.Inbox.Enroll(ctx, icn)
}
