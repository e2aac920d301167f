// Package ratelimit bounds how often one veteran may do something costly to
// the care teams (sending messages), per process.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults: MHV's conduct rules forbid "an excessive number of messages"
// without a number; 20 an hour with a burst of 5 leaves room for a veteran
// writing to several teams in one sitting. The demo's person trying every
// feature in a sitting would hit that after five sends, so demo mode
// allows far more (still a bound: the simulators keep what they get).
const (
	DefaultPerHour = 20
	DefaultBurst   = 5
	DemoPerHour    = 600
	DemoBurst      = 100
)

// PerVeteran is a token bucket per veteran. It satisfies inbox.SendLimiter.
//
// The buckets live in this process: with several instances behind a load
// balancer each allows the full rate, so the effective limit is multiplied by
// the instance count. That bounds abuse well enough for a conduct rule; a
// shared limit would need the database or a cache.
type PerVeteran struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	swept   time.Time
}

// Option adjusts a PerVeteran.
type Option func(*PerVeteran)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(p *PerVeteran) { p.now = now } }

// NewPerVeteran allows perHour sends an hour on average, burst at once.
func NewPerVeteran(perHour float64, burst int, opts ...Option) *PerVeteran {
	p := &PerVeteran{limit: rate.Limit(perHour / 3600), burst: burst, now: time.Now, buckets: map[string]*rate.Limiter{}}
	for _, o := range opts {
		o(p)
	}
	p.swept = p.now()
	return p
}

// Allow takes one token from the veteran's bucket.
func (p *PerVeteran) Allow(veteranID string) bool {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweep(now)
	b, ok := p.buckets[veteranID]
	if !ok {
		b = rate.NewLimiter(p.limit, p.burst)
		p.buckets[veteranID] = b
	}
	return b.AllowN(now, 1)
}

// sweep drops full buckets now and then, so memory tracks active senders
// rather than every veteran ever seen: a full bucket is the same as none.
func (p *PerVeteran) sweep(now time.Time) {
	if now.Sub(p.swept) < 10*time.Minute {
		return
	}
	p.swept = now
	for id, b := range p.buckets {
		if b.TokensAt(now) >= float64(p.burst) {
			delete(p.buckets, id)
		}
	}
}
