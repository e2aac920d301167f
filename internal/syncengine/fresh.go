package syncengine

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/va/vams/internal/platform/holds"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
)

// Freshness on demand: MHV has no push, so while a veteran is active —
// their client lists threads, opens one or holds a subscription — each
// provider serving them is checked (a quick scan of recent activity) at
// most and at least once per FreshnessBound. A query waits for the check
// at most FreshnessBudget and otherwise answers from the store; what the
// scan finds reaches the client by subscription or the next query.

// freshScanTimeout bounds one on-demand scan: past it the next query or
// tick tries again.
const freshScanTimeout = time.Minute

type freshness struct {
	bound, budget time.Duration
	flights       singleflight.Group // one check per veteran and provider in this process
	slots         map[providerkind.Kind]chan struct{}

	mu      sync.Mutex
	checked map[string]time.Time // veteran/provider → when its last check started here or was found done
	stopped bool
	wg      sync.WaitGroup
	held    holds.Counter // veterans with a live subscription

	ctx    context.Context
	cancel context.CancelFunc
}

func newFreshness(cfg Config, kinds []providerkind.Kind) *freshness {
	f := &freshness{bound: cfg.FreshnessBound, budget: cfg.FreshnessBudget, slots: map[providerkind.Kind]chan struct{}{},
		checked: map[string]time.Time{}}
	for _, k := range kinds {
		f.slots[k] = make(chan struct{}, cfg.FreshnessScans)
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	return f
}

func freshKey(vid string, k providerkind.Kind) string { return string(k) + "/" + vid }

// due reports whether the veteran's check at k is older than the bound.
func (f *freshness) due(key string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	last, ok := f.checked[key]
	return !ok || now.Sub(last) >= f.bound
}

func (f *freshness) mark(key string, at time.Time) {
	f.mu.Lock()
	f.checked[key] = at
	f.mu.Unlock()
}

// Freshen is called when the veteran's client reads the thread list or a
// thread: every provider serving them whose last check is older than the
// bound is checked, and Freshen returns when the checks are done or the
// budget has run out, whichever is first.
func (e *Engine) Freshen(ctx context.Context, veteranID string) {
	f := e.fresh
	if f == nil || veteranID == "" {
		return
	}
	var waits []<-chan struct{}
	for k := range e.providers {
		if done := e.startCheck(veteranID, k); done != nil {
			waits = append(waits, done)
		}
	}
	if len(waits) == 0 {
		return
	}
	budget := time.NewTimer(f.budget)
	defer budget.Stop()
	for _, done := range waits {
		select {
		case <-done:
		case <-budget.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// Hold keeps the veteran's checks going while a live subscription lasts;
// call release when it ends.
func (e *Engine) Hold(veteranID string) (release func()) {
	f := e.fresh
	if f == nil || veteranID == "" {
		return func() {}
	}
	release, _ = f.held.Acquire(veteranID, math.MaxInt)
	for k := range e.providers {
		e.startCheck(veteranID, k)
	}
	return release
}

// startCheck starts the veteran's check at k when it is due and k's
// circuit is closed; the returned channel closes when the check (this one
// or the one already running) ends. Nil means no check is needed.
func (e *Engine) startCheck(vid string, k providerkind.Kind) <-chan struct{} {
	f, p := e.fresh, e.providers[k]
	key := freshKey(vid, k)
	if !f.due(key, e.clock.Now()) || p.Open() {
		return nil
	}
	f.mu.Lock()
	if f.stopped {
		f.mu.Unlock()
		return nil
	}
	f.wg.Add(1)
	f.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer f.wg.Done()
		defer close(done)
		_, _, _ = f.flights.Do(key, func() (any, error) {
			e.check(vid, k, key)
			return nil, nil
		})
	}()
	return done
}

// check runs one freshness check: it waits for one of k's scan slots,
// claims the check in the database (an instance that checked within the
// bound wins and this one stands down), and runs the quick scan.
func (e *Engine) check(vid string, k providerkind.Kind, key string) {
	f, p := e.fresh, e.providers[k]
	if !f.due(key, e.clock.Now()) {
		return // the flight just before this one did it
	}
	wait := time.NewTimer(f.bound)
	defer wait.Stop()
	select {
	case f.slots[k] <- struct{}{}:
		defer func() { <-f.slots[k] }()
	case <-wait.C:
		return // k is saturated: a later query or tick tries again
	case <-f.ctx.Done():
		return
	}
	ctx, cancel := context.WithTimeout(viewer.System(f.ctx), freshScanTimeout)
	defer cancel()
	f.mark(key, e.clock.Now())
	claimed, last, err := e.inbox.ClaimFreshnessCheck(ctx, k, vid, f.bound)
	if err != nil || !claimed {
		// Due again when the check in force expires, not a bound from now:
		// a claim lost by a moment would otherwise wait two bounds.
		if err == nil {
			f.mark(key, last)
		}
		e.logCheck(ctx, err)
		return
	}
	vet, err := e.store.Client.Veteran.Get(ctx, vid)
	if err != nil {
		e.logCheck(ctx, err)
		return
	}
	pv := veteranOf(vet)
	if !knows(k, pv) {
		return
	}
	if _, err := e.quickScan(ctx, p, vid, pv); err != nil && !e.rekey(ctx, vid, err) {
		e.logCheck(ctx, err)
	}
}

func (e *Engine) logCheck(ctx context.Context, err error) {
	if err != nil && ctx.Err() == nil {
		e.log.WarnContext(ctx, "freshness check failed", "error", errorKind(err))
	}
}

// keepFresh checks the veterans holding subscriptions, several times per
// bound so none goes longer than about a bound unchecked, and forgets
// checks older than the bound (they are due anyway).
func (e *Engine) keepFresh() {
	f := e.fresh
	defer f.wg.Done()
	tick := time.NewTicker(max(f.bound/4, 10*time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case <-f.ctx.Done():
			return
		case <-tick.C:
		}
		now := e.clock.Now()
		held := f.held.Keys()
		f.mu.Lock()
		for key, at := range f.checked {
			if now.Sub(at) >= f.bound {
				delete(f.checked, key)
			}
		}
		f.mu.Unlock()
		for _, vid := range held {
			for k := range e.providers {
				e.startCheck(vid, k)
			}
		}
	}
}

// startFresh runs the subscription ticker until stopFresh.
func (e *Engine) startFresh() {
	f := e.fresh
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return
	}
	f.wg.Add(1)
	go e.keepFresh()
}

// stopFresh ends the ticker and waits for running checks.
func (e *Engine) stopFresh() {
	f := e.fresh
	if f == nil {
		return
	}
	f.mu.Lock()
	f.stopped = true
	f.mu.Unlock()
	f.cancel()
	f.wg.Wait()
}
