package inbox

import (
	"context"
	"time"

	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/platform/defaults"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// Config is what the inbox works with. Only Store is required: without an
// Outbox no provider work is queued, without Events nothing is published,
// without a SendLimit sends are not bounded.
type Config struct {
	Store  *store.Store
	Outbox Outbox
	Events events.Publisher
	// SendLimit bounds each veteran's sends, across instances and restarts.
	SendLimit SendLimit
	// Clock is the inbox's time (default the system clock); what it records
	// is truncated to whole seconds (see Service.now).
	Clock clock.Clock
	// Capabilities is what each provider declares it takes; a team's comes
	// from the provider serving it (CanAttach). A provider missing from it
	// takes nothing beyond text.
	Capabilities providers.CapabilitySet
	// ChangeRetention is how long the change log keeps a change (default
	// DefaultChangeRetention); delta sync cannot answer from further back.
	ChangeRetention time.Duration
	// OnIDConflict hears, after commit, of each provider message stored
	// under an id VAMS held for another message (for a log line and a
	// metric; ids only).
	OnIDConflict func(context.Context, IDConflict)
	// Notifier queues the notification calls of arriving care-team
	// messages; nil records no notifications.
	Notifier Notifier
}

// New returns the inbox service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, outbox: cfg.Outbox, events: cfg.Events, sendLimit: cfg.SendLimit, clock: clock.Or(cfg.Clock),
		capabilities: cfg.Capabilities, changeRetention: cfg.ChangeRetention,
		onIDConflict: cfg.OnIDConflict, notifier: cfg.Notifier}
	defaults.Positive(&s.changeRetention, DefaultChangeRetention)
	return s
}
