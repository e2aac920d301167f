// Package ratelimit holds each provider's request budget in the database, so
// every instance shares one rate per provider.
package ratelimit

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/platform/ctxkey"
	"github.com/va/vams/internal/platform/sqlq"
)

// Priority says how much of a provider's budget a call may use.
type Priority int

const (
	// Interactive calls (a freshness check a veteran's query waits for, a
	// send, a body opened) may take the bucket's last token.
	Interactive Priority = iota
	// Background calls (the historic import, reconciliation, body
	// backfill) take a token only while the bucket holds more than its
	// reserve, so interactive calls always find some.
	Background
)

var priorityKey = ctxkey.New[Priority]("provider call priority")

// WithPriority marks the provider calls made under ctx.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return priorityKey.With(ctx, p)
}

// PriorityOf is the priority ctx was marked with; Interactive when unmarked.
func PriorityOf(ctx context.Context) Priority {
	p, _ := priorityKey.From(ctx)
	return p
}

// Budget is each provider's request rate, shared by every VAMS instance on
// one database: a GCRA token bucket per provider whose state, the
// theoretical arrival time, is one row of provider_budgets advanced by one
// conditional UPDATE per request, so no instance needs to know the others.
//
// The bucket holds one second's worth of requests (at least 2); Background
// calls leave half of it to Interactive ones. When the bucket is short,
// Take waits until the token is due rather than failing.
type Budget struct {
	db        *sql.DB
	postgres  bool
	clock     clock.Clock
	sleep     func(ctx context.Context, d time.Duration) error
	buckets   map[string]bucket
	mu        sync.Mutex
	installed map[string]bool // rows known to exist
}

// bucket is one provider's GCRA parameters, in microseconds.
type bucket struct {
	interval int64 // between requests at the rate
	burst    int64 // tokens the bucket holds
	reserve  int64 // tokens Background calls leave
}

// BudgetOption adjusts a Budget.
type BudgetOption func(*Budget)

// WithBudgetClock sets the clock the bucket is measured by (tests).
func WithBudgetClock(c clock.Clock) BudgetOption { return func(b *Budget) { b.clock = c } }

// WithSleep replaces how Take waits for a token (tests: a manual clock
// moved forward by the wait).
func WithSleep(f func(ctx context.Context, d time.Duration) error) BudgetOption {
	return func(b *Budget) { b.sleep = f }
}

// NewBudget limits each provider named in perSecond to that many requests a
// second (0 or absent: unlimited). dialect is "sqlite3" or "postgres".
func NewBudget(db *sql.DB, dialect string, perSecond map[string]float64, opts ...BudgetOption) *Budget {
	b := &Budget{db: db, postgres: dialect == "postgres", clock: clock.System, sleep: sleepCtx,
		buckets: map[string]bucket{}, installed: map[string]bool{}}
	for p, r := range perSecond {
		if r > 0 && !math.IsInf(r, 0) {
			burst := max(2, int64(math.Ceil(r)))
			b.buckets[p] = bucket{interval: max(1, int64(1e6/r)), burst: burst, reserve: burst / 2}
		}
	}
	for _, o := range opts {
		o(b)
	}
	return b
}

// Limited reports whether provider has a rate.
func (b *Budget) Limited(provider string) bool {
	if b == nil {
		return false
	}
	_, ok := b.buckets[provider]
	return ok
}

// Take takes one token of provider's budget at priority p, waiting until
// one is due; it fails only when ctx ends first (or the database does).
func (b *Budget) Take(ctx context.Context, provider string, p Priority) error {
	if !b.Limited(provider) {
		return nil
	}
	for {
		wait, err := b.try(ctx, provider, p)
		if err != nil || wait <= 0 {
			return err
		}
		if err := b.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Transport takes one of provider's tokens before each request it sends on
// through next (http.DefaultTransport when nil), at the priority the
// request's context was marked with, so the rate counts HTTP requests as the
// provider receives them, however many an adapter's call makes. A request
// whose context ends while it waits is never sent.
func (b *Budget) Transport(provider string, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if err := b.Take(r.Context(), provider, PriorityOf(r.Context())); err != nil {
			return nil, err
		}
		return next.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// try takes a token if the bucket allows it at priority p, and otherwise
// returns how long until it will.
func (b *Budget) try(ctx context.Context, provider string, p Priority) (time.Duration, error) {
	bk := b.buckets[provider]
	if err := b.install(ctx, provider); err != nil {
		return 0, err
	}
	now := b.clock.Now().UnixMicro()
	// A request conforms when, after it, the bucket still holds its floor:
	// nothing for Interactive, the reserve for Background. With the new
	// arrival time max(tat, now) + interval, that is
	// max(tat, now) <= now + (burst - floor - 1) * interval.
	floor := int64(0)
	if p == Background {
		floor = bk.reserve
	}
	latest := now + (bk.burst-floor-1)*bk.interval
	res, err := b.db.ExecContext(ctx, b.q(`UPDATE provider_budgets SET tat_us = `+b.greatest()+`(tat_us, ?) + ?
		WHERE provider = ? AND `+b.greatest()+`(tat_us, ?) <= ?`), now, bk.interval, provider, now, latest)
	if err != nil {
		return 0, fmt.Errorf("provider budget: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return 0, err
	}
	var tat int64
	if err := b.db.QueryRowContext(ctx, b.q(`SELECT tat_us FROM provider_budgets WHERE provider = ?`), provider).Scan(&tat); err != nil {
		return 0, fmt.Errorf("provider budget: %w", err)
	}
	// Another instance may have advanced it since: at least try again soon.
	return time.Duration(max(tat-latest, 1)) * time.Microsecond, nil
}

// install creates provider's row (a full bucket) once per process.
func (b *Budget) install(ctx context.Context, provider string) error {
	b.mu.Lock()
	done := b.installed[provider]
	b.mu.Unlock()
	if done {
		return nil
	}
	if _, err := b.db.ExecContext(ctx, b.q(`INSERT INTO provider_budgets (provider, tat_us) VALUES (?, 0)
		ON CONFLICT (provider) DO NOTHING`), provider); err != nil {
		return fmt.Errorf("provider budget: %w", err)
	}
	b.mu.Lock()
	b.installed[provider] = true
	b.mu.Unlock()
	return nil
}

func (b *Budget) greatest() string {
	if b.postgres {
		return "GREATEST"
	}
	return "MAX" // SQLite's scalar max
}

// q numbers the placeholders for PostgreSQL.
func (b *Budget) q(s string) string { return sqlq.Numbered(b.postgres, s) }

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
