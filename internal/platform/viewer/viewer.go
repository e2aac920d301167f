// Package viewer carries who is acting into the data layer: a veteran (by
// store ID and ICN) or the system itself (sync engine, seeding). The ent
// privacy interceptors read it; nothing else decides access.
package viewer

import (
	"context"

	"github.com/va/vams/internal/platform/ctxkey"
)

// RoleOperator is the token role that opens the operator endpoints.
const RoleOperator = "operator"

// Viewer is the authenticated veteran.
type Viewer struct {
	VeteranID string
	ICN       string
}

var (
	viewerKey = ctxkey.New[Viewer]("viewer")
	systemKey = ctxkey.New[bool]("system")
)

// NewContext returns ctx acting as v.
func NewContext(ctx context.Context, v Viewer) context.Context {
	return viewerKey.With(ctx, v)
}

// FromContext returns the viewer, if any.
func FromContext(ctx context.Context) (Viewer, bool) {
	return viewerKey.From(ctx)
}

// System returns ctx acting as VAMS itself, which sees every veteran's data.
// Only background work (sync, seeding, migrations) may use it.
func System(ctx context.Context) context.Context {
	return systemKey.With(ctx, true)
}

// IsSystem reports whether ctx acts as VAMS itself.
func IsSystem(ctx context.Context) bool {
	b, _ := systemKey.From(ctx)
	return b
}
