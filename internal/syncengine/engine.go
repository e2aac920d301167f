// Package syncengine moves messages between VAMS and its providers: the
// outbox (deliveries and status write-backs committed with the veteran's
// change, run by River workers with backoff and a circuit breaker per
// provider), the OH Atom intake, reconciliation scans, the care-team
// directory refresh and read-through of bodies a provider listing omitted.
// It speaks to providers only through providers.Provider. It orchestrates —
// jobs, schedules, circuit breakers, retries — and writes nothing itself:
// every row it changes, and every decision about what a provider's answer
// means for the inbox, is internal/domain/inbox's.
package syncengine

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"riverqueue.com/riverui"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// Config wires the engine.
type Config struct {
	Store     *store.Store
	Inbox     *inbox.Service
	Providers []providers.Provider
	Log       *slog.Logger
	// Clock is the engine's time: schedules, scan windows, retry times
	// (default the system clock; give the inbox's).
	Clock clock.Clock

	// ReconcileInterval is how often active veterans (and those not yet
	// imported) are reconciled with every provider; 0 disables the periodic
	// scans. ActiveWindow is how recent "active" is (default 15m), and
	// SweepInterval how often every veteran is reconciled (default 1h).
	ReconcileInterval, ActiveWindow, SweepInterval time.Duration
	// RetryBase is the first retry delay (default 1s); it doubles per attempt
	// up to RetryCap (default 10m), with jitter.
	RetryBase, RetryCap time.Duration
	// BreakerTimeout is how long an open circuit stays open (default 30s).
	BreakerTimeout time.Duration
	// MaxDeliveryAttempts bounds failing attempts before a delivery is marked
	// FAILED (default 12; read by NewOutbox). Attempts while a provider's
	// circuit is open do not count: a long outage delays messages, it does
	// not fail them.
	MaxDeliveryAttempts int
	// PollInterval is how often workers look for new jobs (default 1s; tests
	// use less).
	PollInterval time.Duration
	// Workers is the number of concurrent jobs (default 10), apart from
	// reconciliations (SyncWorkers) and body fetches (BodyWorkers).
	Workers int
	// SyncWorkers bounds the reconciliations running at once, the first
	// import included (default Workers). They have a queue of their own:
	// an import waiting for the provider's rate never holds a worker a
	// delivery or a notification needs.
	SyncWorkers int
	// FastWindow is how far back the fast scan looks (default 14 days).
	FastWindow time.Duration
	// ImportHorizon is how far back the first import and slow sweep go
	// (default 2 years); SweepWindow is the slice a sweep step covers (30 days).
	ImportHorizon, SweepWindow time.Duration
	// ImportQueue is how many first imports of veterans who are not signed
	// in may wait in the job queue at once (default 500); each periodic
	// scan tops it up. Signed-in veterans' jobs come first whatever it holds.
	ImportQueue int
	// OnImport, when set, receives the first import's progress: the
	// messages a window of it listed, and each import that completed.
	OnImport func(k providerkind.Kind, listed int, completed bool)
	// Observe, when set, receives every provider call's duration and error
	// (metrics); OnBreaker each circuit state change.
	Observe   func(kind providerkind.Kind, call string, d time.Duration, err error)
	OnBreaker func(kind providerkind.Kind, open bool)
	// Evidence is when a scan's omissions are held instead of tombstoned
	// (defaults: more than half, and at least 5, or all of what VAMS holds
	// from the provider in the window).
	Evidence inbox.Evidence
	// JobTimeout bounds one job's run (default 2m). A job still marked
	// running RescueAfter after it started (default JobTimeout + 1m, not
	// River's hour) belonged to a process that died, and is run again: a
	// message must not wait an hour after a crash, and a rescued delivery
	// first looks for its message at the provider.
	JobTimeout, RescueAfter time.Duration
	// FreshnessBound is how stale an active veteran's view of a provider
	// may get: a query or live subscription that finds the last check older
	// starts a quick scan (0 turns freshness on demand off). A query waits
	// for it at most FreshnessBudget (default 300ms); FreshnessScans bounds
	// the checks running at once per provider (default 8).
	FreshnessBound, FreshnessBudget time.Duration
	FreshnessScans                  int
	// BodyWorkers bounds the background body fetches running at once
	// (default 2), so the backfill never crowds out interactive calls.
	BodyWorkers int
	// NoBodyBackfill leaves missing bodies to read-through on open (tests of
	// read-through).
	NoBodyBackfill bool
	// Notifications is the notification service (nil: notifications are
	// recorded but not sent); OnNotification receives each notification's
	// outcome ("sent", "failed") by channel, OnNotifyBreaker its circuit's
	// state changes (metrics).
	Notifications   NotificationService
	OnNotification  func(channel, outcome string)
	OnNotifyBreaker func(open bool)
	// DigestHour is the local hour (0–23) daily digests go at.
	DigestHour int
	// EchoWait bounds how long a veteran-sent provider message waits for the
	// local send it may echo before it is ingested as new (default 2m).
	EchoWait time.Duration
}

// Engine runs the sync work.
type Engine struct {
	cfg       Config
	store     *store.Store
	inbox     *inbox.Service
	clock     clock.Clock
	log       *slog.Logger
	providers map[providerkind.Kind]*guarded
	river     *river.Client[*sql.Tx]
	fresh     *freshness // nil when freshness on demand is off
	// importAfter is, per provider, the last veteran ID the periodic scan
	// queued an import for: the next top-up continues after it, so the
	// scan does not walk past veterans already imported or queued.
	importAfter map[providerkind.Kind]string
	importMu    sync.Mutex // guards importAfter
	notifier    *notifier  // nil when no notification service is configured
}

// New builds the engine and its job queue; call Start to run workers.
func New(cfg Config) (*Engine, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	cfg.RetryBase = cmp.Or(cfg.RetryBase, time.Second)
	cfg.RetryCap = cmp.Or(cfg.RetryCap, 10*time.Minute)
	cfg.BreakerTimeout = cmp.Or(cfg.BreakerTimeout, 30*time.Second)
	cfg.PollInterval = cmp.Or(cfg.PollInterval, time.Second)
	cfg.FastWindow = cmp.Or(cfg.FastWindow, 14*24*time.Hour)
	cfg.ImportHorizon = cmp.Or(cfg.ImportHorizon, 2*365*24*time.Hour)
	cfg.SweepWindow = cmp.Or(cfg.SweepWindow, 30*24*time.Hour)
	cfg.EchoWait = cmp.Or(cfg.EchoWait, 2*time.Minute)
	cfg.ActiveWindow = cmp.Or(cfg.ActiveWindow, 15*time.Minute)
	cfg.ImportQueue = cmp.Or(cfg.ImportQueue, 500)
	cfg.SweepInterval = cmp.Or(cfg.SweepInterval, time.Hour)
	cfg.Workers = cmp.Or(cfg.Workers, 10)
	cfg.SyncWorkers = cmp.Or(cfg.SyncWorkers, cfg.Workers)
	cfg.JobTimeout = cmp.Or(cfg.JobTimeout, 2*time.Minute)
	cfg.RescueAfter = max(cmp.Or(cfg.RescueAfter, cfg.JobTimeout+time.Minute), cfg.JobTimeout)
	cfg.FreshnessBudget = cmp.Or(cfg.FreshnessBudget, 300*time.Millisecond)
	cfg.FreshnessScans = cmp.Or(cfg.FreshnessScans, 8)
	cfg.BodyWorkers = cmp.Or(cfg.BodyWorkers, 2)
	cfg.Clock = clock.Or(cfg.Clock)
	e := &Engine{cfg: cfg, store: cfg.Store, inbox: cfg.Inbox, clock: cfg.Clock, log: cfg.Log, providers: map[providerkind.Kind]*guarded{},
		importAfter: map[providerkind.Kind]string{}}
	var kinds []providerkind.Kind
	for _, p := range cfg.Providers {
		e.providers[p.Kind()] = guard(p, cfg)
		kinds = append(kinds, p.Kind())
	}
	e.notifier = newNotifier(cfg)
	if cfg.FreshnessBound > 0 {
		e.fresh = newFreshness(cfg, kinds)
	}

	// One line a file: outbound, inbound, reconcile, prune, bodies, notify.
	workers := river.NewWorkers()
	for _, add := range []func(*river.Workers){
		work(e.workDeliver), work(e.workStatus),
		work(e.workAtomEntry),
		work(e.workReconcile), work(e.workReconcileAll), work(e.workSweepAll),
		work(e.workPruneKeys), work(e.workApplyCutovers), work(e.workPruneChanges),
		work(e.workBodies),
		work(e.workNotify), work(e.workEmailPreference), work(e.workDigests),
	} {
		add(workers)
	}
	rc := &river.Config{
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers},
			queueBodies: {MaxWorkers: cfg.BodyWorkers}, queueSync: {MaxWorkers: cfg.SyncWorkers}},
		Workers:              workers,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(cfg.PollInterval, 100*time.Millisecond),
		RetryPolicy:          backoff{base: cfg.RetryBase, cap: cfg.RetryCap, clock: cfg.Clock},
		Logger:               slog.New(slog.DiscardHandler),
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
	}
	if cfg.ReconcileInterval > 0 {
		rc.PeriodicJobs = []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(cfg.ReconcileInterval),
				func() (river.JobArgs, *river.InsertOpts) { return reconcileAllArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(cfg.SweepInterval),
				func() (river.JobArgs, *river.InsertOpts) { return sweepAllArgs{}, nil }, nil),
		}
	}
	rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(pruneEvery),
		func() (river.JobArgs, *river.InsertOpts) { return pruneKeysArgs{}, nil }, nil),
		river.NewPeriodicJob(river.PeriodicInterval(pruneEvery),
			func() (river.JobArgs, *river.InsertOpts) { return pruneChangesArgs{}, nil }, nil),
		river.NewPeriodicJob(river.PeriodicInterval(digestEvery),
			func() (river.JobArgs, *river.InsertOpts) { return digestArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(cutoverEvery),
			func() (river.JobArgs, *river.InsertOpts) { return applyCutoversArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	var err error
	if e.river, err = newRiver(cfg.Store, rc); err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return e, nil
}

// work registers f as the worker of its job kind; it lets New list every
// worker in one slice, though each has its own job type.
func work[T river.JobArgs](f func(context.Context, *river.Job[T]) error) func(*river.Workers) {
	return func(ws *river.Workers) { river.AddWorker(ws, river.WorkFunc(f)) }
}

// Start runs the workers until Stop.
func (e *Engine) Start(ctx context.Context) error {
	if err := e.river.Start(ctx); err != nil {
		return err
	}
	e.startFresh()
	return nil
}

// JobsUI is River's own web UI (riverui) over the engine's job queue, served
// under prefix: operators see, retry and cancel jobs there. Job arguments
// hold ids only, and are hidden in the list until asked for.
func (e *Engine) JobsUI(prefix string, log *slog.Logger) (*riverui.Handler, error) {
	return riverui.NewHandler(&riverui.HandlerOpts{Endpoints: riverui.NewEndpoints(e.river, nil),
		JobListHideArgsByDefault: true, Logger: log, Prefix: prefix})
}

// Stop waits for running jobs and freshness checks and stops; call it
// before closing the store.
func (e *Engine) Stop(ctx context.Context) error {
	e.stopFresh()
	return e.river.Stop(ctx)
}

// Provider returns the provider of kind k (guarded by its circuit breaker).
func (e *Engine) Provider(k providerkind.Kind) (providers.Provider, bool) {
	p, ok := e.providers[k]
	return p, ok
}

// BreakerStates reports each provider's circuit state ("closed", "open",
// "half-open") for readiness and metrics.
func (e *Engine) BreakerStates() map[providerkind.Kind]string {
	out := map[providerkind.Kind]string{}
	for k, p := range e.providers {
		out[k] = p.State()
	}
	return out
}

// RetryDelivery queues a FAILED delivery again (operator action).
func (e *Engine) RetryDelivery(ctx context.Context, messageID string) error {
	return e.inbox.RetryDelivery(viewer.System(ctx), messageID)
}

// RecheckDelivery queues one more attempt of a delivery left with an unknown
// outcome; the attempt looks for the provider's copy before sending
// (operator action).
func (e *Engine) RecheckDelivery(ctx context.Context, messageID string) error {
	return e.inbox.RecheckDelivery(viewer.System(ctx), messageID)
}

// backoff is exponential with full jitter, capped.
type backoff struct {
	base, cap time.Duration
	clock     clock.Clock
}

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base << min(job.Attempt, 30)
	if d <= 0 || d > b.cap {
		d = b.cap
	}
	// Jitter spreads retries of many jobs that failed together.
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	return b.clock.Now().Add(d)
}

// veteranOf maps a store veteran to what providers need.
func veteranOf(v *ent.Veteran) providers.Veteran {
	pv := providers.Veteran{ICN: v.Icn}
	if v.MhvCorrelationID != nil {
		pv.MHVCorrelationID = *v.MhvCorrelationID
	}
	if v.OhPatientID != nil {
		pv.OHPatientID = *v.OhPatientID
	}
	if v.OhAuthority != nil {
		pv.OHAuthority = *v.OhAuthority
	}
	return pv
}

// knows reports whether provider k has an identity for the veteran.
func knows(k providerkind.Kind, v providers.Veteran) bool {
	switch k {
	case providerkind.MHV:
		return v.MHVCorrelationID != ""
	case providerkind.OH:
		return v.OHPatientID != ""
	}
	return false
}

// rekey follows a provider's patient merge: when err says the veteran now
// has another id there, the veteran is re-keyed so the next attempt (the
// caller returns a retryable error) uses it.
func (e *Engine) rekey(ctx context.Context, veteranID string, err error) bool {
	var pe *providers.Error
	if !errors.As(err, &pe) || !errors.Is(err, providers.ErrMoved) || pe.NewPatientID == "" {
		return false
	}
	if uerr := e.inbox.FollowPatientMerge(viewer.System(ctx), veteranID, pe.NewPatientID); uerr != nil {
		e.log.ErrorContext(ctx, "re-keying a merged patient failed", "veteran_id", veteranID, "error", uerr.Error())
		return false
	}
	e.log.InfoContext(ctx, "patient merged at provider; veteran re-keyed", "veteran_id", veteranID)
	return true
}
