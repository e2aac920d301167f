// Package ctxkey carries typed values in a context: a package declares one
// Key per value instead of its own key type and type assertion.
package ctxkey

import "context"

// Key is where a context holds one T. Keys are compared by address; the
// name makes each one non-zero-sized, so two Keys never share an address.
type Key[T any] struct{ name string }

// New returns a Key; name says what it holds (for debugging).
func New[T any](name string) *Key[T] { return &Key[T]{name: name} }

// With returns ctx holding v under k.
func (k *Key[T]) With(ctx context.Context, v T) context.Context {
	return context.WithValue(ctx, k, v)
}

// From returns the value ctx holds under k, if any.
func (k *Key[T]) From(ctx context.Context) (T, bool) {
	v, ok := ctx.Value(k).(T)
	return v, ok
}
