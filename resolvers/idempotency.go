package resolvers

import (
	"context"

	"github.com/va/vams/internal/platform/ctxkey"
)

// IdempotencyHeader is the HTTP header an app may send instead of a
// clientMutationId (docs/rules.md, "Retries").
const IdempotencyHeader = "Idempotency-Key"

var headerKey = ctxkey.New[string]("Idempotency-Key header")

// WithIdempotencyHeader carries a request's Idempotency-Key header to the
// mutations it runs.
func WithIdempotencyHeader(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return headerKey.With(ctx, key)
}

// IdempotencyHeaderOf is the request's Idempotency-Key header, or "".
func IdempotencyHeaderOf(ctx context.Context) string {
	h, _ := headerKey.From(ctx)
	return h
}

// key is a keyed mutation's idempotency key: its own clientMutationId, or
// without one the request's Idempotency-Key header. The edge refuses a
// header on a request with several mutations before they run (a header is
// one key; several mutations are several actions).
func key(ctx context.Context, clientMutationID *string) string {
	if clientMutationID != nil && *clientMutationID != "" {
		return *clientMutationID
	}
	return IdempotencyHeaderOf(ctx)
}
