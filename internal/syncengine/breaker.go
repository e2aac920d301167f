package syncengine

import (
	"context"
	"errors"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
)

// guarded wraps a provider in a circuit breaker: after repeated transient
// failures calls fail fast for a while instead of piling onto a provider
// that is down. Business rejections do not count as failures.
//
// The provider's rate is taken per HTTP request by the adapter's client
// (ratelimit.Budget.Transport), at the priority the call's context was
// marked with: a busy budget slows the import down.
type guarded struct {
	providers.Provider
	cb      *gobreaker.CircuitBreaker[any]
	observe func(kind providerkind.Kind, call string, d time.Duration, err error)
}

func guard(p providers.Provider, cfg Config) *guarded {
	g := &guarded{Provider: p, observe: cfg.Observe}
	g.cb = newBreaker(string(p.Kind()), cfg, func(open bool) {
		if cfg.OnBreaker != nil {
			cfg.OnBreaker(p.Kind(), open)
		}
	})
	return g
}

// newBreaker is the one breaker policy of every outside service the engine
// calls (providers and the notification service): open after 5 transient
// failures in a row, for cfg.BreakerTimeout, then one trial call.
func newBreaker(name string, cfg Config, onChange func(open bool)) *gobreaker.CircuitBreaker[any] {
	return gobreaker.NewCircuitBreaker[any](gobreaker.Settings{
		Name:        name,
		MaxRequests: 1,
		Timeout:     cfg.BreakerTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 5 },
		IsSuccessful: func(err error) bool {
			return err == nil || !providers.Retryable(err) || errors.Is(err, context.Canceled)
		},
		OnStateChange: func(_ string, _, to gobreaker.State) { onChange(to == gobreaker.StateOpen) },
	})
}

// errCircuitOpen is what callers see while the breaker is open.
var errCircuitOpen = &providers.Error{Kind: providers.ErrUnavailable, Code: "CIRCUIT_OPEN",
	Reason: "This care team's messaging system is not answering right now."}

func call[T any](ctx context.Context, g *guarded, name string, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := g.cb.Execute(func() (any, error) { return f() })
	if g.observe != nil {
		g.observe(g.Kind(), name, time.Since(start), err)
	}
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		var zero T
		return zero, errCircuitOpen
	}
	if v == nil {
		var zero T
		return zero, err
	}
	return v.(T), err
}

// State is "closed", "half-open" or "open".
func (g *guarded) State() string { return g.cb.State().String() }

// Open reports whether calls currently fail fast.
func (g *guarded) Open() bool { return g.cb.State() == gobreaker.StateOpen }

func (g *guarded) Send(ctx context.Context, m providers.OutboundMessage) (providers.Receipt, error) {
	return call(ctx, g, "send", func() (providers.Receipt, error) { return g.Provider.Send(ctx, m) })
}

func (g *guarded) SetStatus(ctx context.Context, v providers.Veteran, id string, s providers.Status) error {
	_, err := call(ctx, g, "set_status", func() (struct{}, error) { return struct{}{}, g.Provider.SetStatus(ctx, v, id, s) })
	return err
}

func (g *guarded) GetMessage(ctx context.Context, v providers.Veteran, id string) (providers.Message, error) {
	return call(ctx, g, "get_message", func() (providers.Message, error) { return g.Provider.GetMessage(ctx, v, id) })
}

func (g *guarded) GetThread(ctx context.Context, v providers.Veteran, id string) ([]providers.Message, error) {
	return call(ctx, g, "get_thread", func() ([]providers.Message, error) { return g.Provider.GetThread(ctx, v, id) })
}

func (g *guarded) ListMessages(ctx context.Context, v providers.Veteran, w providers.Window) ([]providers.Message, error) {
	return call(ctx, g, "list_messages", func() ([]providers.Message, error) { return g.Provider.ListMessages(ctx, v, w) })
}

func (g *guarded) CareTeams(ctx context.Context, v providers.Veteran) ([]providers.CareTeam, error) {
	return call(ctx, g, "care_teams", func() ([]providers.CareTeam, error) { return g.Provider.CareTeams(ctx, v) })
}
