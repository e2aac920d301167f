package edge

import (
	"context"
	"errors"
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
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/loaders"
	"github.com/va/vams/resolvers"
)

// newGraphQL builds the GraphQL server with its transports, limits, error
// presenter, audit and per-response loaders.
func (h *Handler) newGraphQL() *handler.Server {
	cfg := h.cfg
	gcfg := graph.Config{Resolvers: &resolvers.Resolver{Inbox: cfg.Inbox, Events: cfg.Events, Freshness: cfg.Freshness}}
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
	srv.AddTransport(wsTransport{h: h})
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
	srv.Use(noDefer{})
	srv.Use(deadline(cfg.RequestTimeout))
	srv.Use(depthLimit{max: cfg.MaxDepth, introspection: cfg.Introspection})
	srv.Use(extension.FixedComplexityLimit(MaxComplexity))
	if cfg.Audit != nil {
		srv.Use(auditor{rec: cfg.Audit, log: cfg.Log})
	}
	srv.Use(headerKeyGate{})
	srv.Use(subscriberReads{})
	srv.Use(perResponseLoaders{client: cfg.Store.Client, now: cfg.Inbox.Clock, bodies: cfg.Bodies})
	for _, ext := range cfg.Extensions {
		srv.Use(ext)
	}
	return srv
}

// The hooks each extension above serves. gqlgen finds them by type
// assertion, so a hook whose signature drifted would be skipped silently;
// these fail the build instead.
var (
	_ graphql.OperationParameterMutator = persistedOnly{}
	_ graphql.OperationParameterMutator = queryBounds{}
	_ graphql.OperationContextMutator   = queryBounds{}
	_ graphql.OperationContextMutator   = noDefer{}
	_ graphql.OperationContextMutator   = depthLimit{}
	_ graphql.ResponseInterceptor       = deadline(0)
	_ graphql.ResponseInterceptor       = auditor{}
	_ graphql.ResponseInterceptor       = perResponseLoaders{}
	_ graphql.FieldInterceptor          = auditor{}
	_ graphql.FieldInterceptor          = headerKeyGate{}
	_ graphql.OperationInterceptor      = subscriberReads{}
)

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
	now    func() time.Time
	bodies loaders.BodyFetcher
}

func (perResponseLoaders) ExtensionName() string                   { return "PerResponseLoaders" }
func (perResponseLoaders) Validate(graphql.ExecutableSchema) error { return nil }
func (e perResponseLoaders) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	return next(loaders.With(ctx, loaders.New(e.client, e.now, e.bodies)))
}
