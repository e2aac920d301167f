package inbox

import (
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/store"
)

// Config is what the inbox works with. Only Store is required: without an
// Outbox no provider work is queued, without Events nothing is published,
// without a Limiter sends are not bounded.
type Config struct {
	Store   *store.Store
	Outbox  Outbox
	Events  events.Publisher
	Limiter SendLimiter
	// Clock is the inbox's time (default the system clock); what it records
	// is truncated to whole seconds (see Service.now).
	Clock clock.Clock
}

// New returns the inbox service.
func New(cfg Config) *Service {
	return &Service{store: cfg.Store, outbox: cfg.Outbox, events: cfg.Events, limiter: cfg.Limiter, clock: clock.Or(cfg.Clock)}
}
