// Package viewer carries who is acting into the data layer: a veteran (by
// store ID and ICN) or the system itself (sync engine, seeding). The ent
// privacy interceptors read it; nothing else decides access.
package viewer

import "context"

// RoleOperator is the token role that opens the operator endpoints.
const RoleOperator = "operator"

// Viewer is the authenticated veteran.
type Viewer struct {
	VeteranID string
	ICN       string
}

type viewerKey struct{}
type systemKey struct{}

// NewContext returns ctx acting as v.
func NewContext(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer, if any.
func FromContext(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok
}

// System returns ctx acting as VAMS itself, which sees every veteran's data.
// Only background work (sync, seeding, migrations) may use it.
func System(ctx context.Context) context.Context {
	return context.WithValue(ctx, systemKey{}, true)
}

// IsSystem reports whether ctx acts as VAMS itself.
func IsSystem(ctx context.Context) bool {
	b, _ := ctx.Value(systemKey{}).(bool)
	return b
}
