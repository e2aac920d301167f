// Package app assembles VAMS from its parts — store, token verification,
// providers (or, in demo mode, their simulators mounted in-process), sync
// engine and HTTP edge — into the handlers of the public and the operator
// listener. server.go and the end-to-end tests build the system the same
// way through it.
package app

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"riverqueue.com/riverui"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/fanout"
	"github.com/va/vams/internal/ops"
	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/platform/config"
	"github.com/va/vams/internal/platform/metrics"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/ratelimit"
	"github.com/va/vams/internal/platform/tracing"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/providers"
	"github.com/va/vams/providers/mhv"
	"github.com/va/vams/providers/mhv/mhvsim"
	"github.com/va/vams/providers/notify"
	"github.com/va/vams/providers/notify/notifysim"
	"github.com/va/vams/providers/oh"
	"github.com/va/vams/providers/oh/ohsim"
)

// Demo credentials of the in-process simulators; never used in production.
const (
	demoMHVAppToken    = "demo-app-token"
	demoMHVAPIKey      = "demo-api-key"
	demoOHToken        = "demo-oh-token"
	demoPublicationKey = "demo-publication-secret"
)

// Options adjust the assembly, mostly for tests.
type Options struct {
	Log *slog.Logger
	// Engine overrides sync-engine settings (retry timing, poll interval…);
	// Store, Inbox, Providers, Log and Clock are filled in.
	Engine syncengine.Config
	// HTTPClient is used by the provider adapters and the OH simulator.
	HTTPClient *http.Client
	// Clock is the time of the inbox and the sync engine (default the
	// system clock).
	Clock clock.Clock
	// SkipSeed leaves the demo data out.
	SkipSeed bool
	// NoDemoHistory leaves the demo mailboxes out: the simulators hold the
	// demo directory only (tests that need no history import in no time).
	NoDemoHistory bool
	// MHVSim and OHSim, when set, are used instead of new simulators, so a
	// test can restart VAMS while the providers keep their state.
	MHVSim *mhvsim.Simulator
	OHSim  *ohsim.Simulator
	// AuditInterval is how often queued audit entries are appended
	// (default 200ms).
	AuditInterval time.Duration
	// WrapDriver wraps the store's driver, inside tracing (the benchmark
	// counts statements with it).
	WrapDriver func(dialect.Driver) dialect.Driver
	// WrapConnector wraps the database/sql connector under everything,
	// the job queue included (the benchmark counts statements with it).
	WrapConnector func(driver.Connector) driver.Connector
	// AdjustOHSim changes a new OH simulator's configuration (tests).
	AdjustOHSim func(*ohsim.Config)
}

// App is an assembled VAMS.
type App struct {
	Config config.Config
	Store  *store.Store
	Inbox  *inbox.Service
	Engine *syncengine.Engine
	Bus    *events.Bus
	// Fanout shares events with the other instances on PostgreSQL (nil on
	// SQLite, where there is one instance).
	Fanout  *fanout.Fanout
	Audit   *audit.Recorder
	Metrics *metrics.Metrics
	// jobsUI is River's UI at /ops/jobs/ (operators only).
	jobsUI *riverui.Handler
	Issuer *auth.DevIssuer // demo mode only
	MHVSim *mhvsim.Simulator
	OHSim  *ohsim.Simulator
	// NotifySim is the notification service of demo mode, unless
	// VAMS_NOTIFY_BASE_URL points at one in its own process.
	NotifySim *notifysim.Simulator
	// Handler serves the public listener (VAMS_ADDR). Operator serves the
	// operator listener (VAMS_OPERATOR_ADDR): metrics, /ops/ and the audit
	// trail, which Handler serves too in demo mode only.
	Handler  http.Handler
	Operator http.Handler
	log      *slog.Logger

	demo     demoSims
	demoData bool // add the VAMS-only demo data after the first import
}

// New opens the store (applying migrations), seeds demo data in demo mode and
// wires everything; call Start to run the sync workers.
func New(ctx context.Context, cfg config.Config, opts Options) (*App, error) {
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	a := &App{Config: cfg, Bus: events.NewBus(), log: log}
	clk := clock.Or(opts.Clock)
	var err error
	if opts.AuditInterval == 0 {
		opts.AuditInterval = 200 * time.Millisecond
	}
	wrap := func(d dialect.Driver) dialect.Driver {
		if opts.WrapDriver != nil {
			d = opts.WrapDriver(d)
		}
		return tracing.Driver(d)
	}
	a.Store, err = store.Open(ctx, store.Config{DatabaseURL: cfg.DatabaseURL, DataDir: cfg.DataDir, WrapDriver: wrap, WrapConnector: opts.WrapConnector, StatementCache: cfg.DBStatementCache})
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*App, error) {
		_ = a.closeDemo()
		a.closeFanout()
		a.Store.Close()
		return nil, err
	}
	// Events: in-process on SQLite; on PostgreSQL every instance also hears
	// the others' through LISTEN/NOTIFY.
	var publish events.Publisher = a.Bus
	if a.Store.Dialect == dialect.Postgres {
		if a.Fanout, err = fanout.Start(fanout.Config{Bus: a.Bus, DB: a.Store.DB, DatabaseURL: cfg.DatabaseURL, Log: log}); err != nil {
			return fail(err)
		}
		publish = a.Fanout
	}
	demoMode := cfg.Mode == config.Demo

	var verifier *auth.Verifier
	if demoMode {
		if a.Issuer, err = auth.LoadOrCreateDevIssuer(cfg.DataDir, cfg.PublicURL); err != nil {
			return fail(err)
		}
		verifier, err = auth.NewVerifier(a.Issuer.VerifierConfig())
	} else {
		verifier, err = auth.NewVerifier(auth.VerifierConfig{Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience,
			JWKSURL: cfg.OIDCJWKSURL, ICNClaim: cfg.OIDCICNClaim})
	}
	if err != nil {
		return fail(err)
	}
	now := clk.Now().UTC()
	if demoMode && !opts.SkipSeed {
		if err := demo.Seed(ctx, a.Store, now); err != nil {
			return fail(err)
		}
		a.demoData = !opts.NoDemoHistory
	}

	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: tracing.Transport(nil)}
	}
	// Providers: the simulators answer on this same server in demo mode, and
	// the adapters reach them over real HTTP like they reach MHV and OH.
	secret := []byte(cfg.OHPublicationSecret)
	mhvCfg := mhv.Config{BaseURL: cfg.MHVBaseURL, AppToken: cfg.MHVAppToken, APIKey: cfg.MHVAPIKey, HTTPClient: opts.HTTPClient}
	ohCfg := oh.Config{BaseURL: cfg.OHBaseURL, Authority: cfg.OHAuthority, Credentials: oh.BearerToken(cfg.OHToken), HTTPClient: opts.HTTPClient,
		Now: clk.Now}
	if demoMode {
		if len(secret) == 0 {
			secret = []byte(demoPublicationKey)
		}
		if err := a.openDemoSims(opts, secret, now); err != nil {
			return fail(err)
		}
		mhvCfg, ohCfg = demoProviders(cfg, mhvCfg, ohCfg)
	}
	// Each provider's rate, shared by all instances, is taken per HTTP
	// request its adapter sends; the reconciliation, the import and body
	// backfill mark their calls as background work, which leaves a reserve
	// for freshness checks and sends.
	budget := ratelimit.NewBudget(a.Store.DB, a.Store.Dialect, map[string]float64{
		string(providerkind.MHV): cfg.ProviderRateMHV, string(providerkind.OH): cfg.ProviderRateOH}, ratelimit.WithBudgetClock(clk))
	mhvCfg.HTTPClient = budgeted(mhvCfg.HTTPClient, budget, providerkind.MHV)
	ohCfg.HTTPClient = budgeted(ohCfg.HTTPClient, budget, providerkind.OH)
	mhvClient, err := mhv.New(mhvCfg)
	if err != nil {
		return fail(err)
	}
	ohClient, err := oh.New(ohCfg)
	if err != nil {
		return fail(err)
	}

	a.Metrics = metrics.New(a.Store.DB, a.Store.Dialect, a.Bus.Count)
	limit := sendLimit(cfg)
	// The outbox needs only the store, so the inbox is built whole with it
	// and the engine, which runs what the outbox queues, gets the inbox.
	ec := opts.Engine
	ec.Store, ec.Log, ec.Clock = a.Store, log, clk
	ec.Providers = []providers.Provider{mhvClient, ohClient}
	outbox, err := syncengine.NewOutbox(ec)
	if err != nil {
		return fail(err)
	}
	a.Inbox = inbox.New(inbox.Config{Store: a.Store, Outbox: outbox, Events: publish, SendLimit: limit, Clock: clk,
		Capabilities: providers.CapabilitiesOf(ec.Providers...), ChangeRetention: cfg.ChangeRetention})
	if err := putCutovers(ctx, log, a.Inbox, cfg.CutoverSchedule); err != nil {
		return fail(err)
	}
	notifyCfg := notify.Config{BaseURL: cfg.NotifyBaseURL, APIKey: cfg.NotifyAPIKey, MobileApp: cfg.NotifyMobileApp,
		PushTemplateID: cfg.NotifyPushTemplate, EmailTemplateID: cfg.NotifyEmailTemplate, DigestTemplateID: cfg.NotifyDigestTemplate,
		HTTPClient: opts.HTTPClient}
	if demoMode {
		notifyCfg = demoNotify(cfg, notifyCfg)
	}
	if notifyCfg.BaseURL != "" {
		if ec.Notifications, err = notify.New(notifyCfg); err != nil {
			return fail(err)
		}
	} else {
		log.Warn("no notification service configured (VAMS_NOTIFY_BASE_URL): veterans get no push or email notifications")
	}
	a.Inbox = inbox.New(inbox.Config{Store: a.Store, Outbox: outbox, Events: publish, SendLimit: limit, Clock: clk,
		Capabilities: providers.CapabilitiesOf(ec.Providers...), ChangeRetention: cfg.ChangeRetention,
		OnIDConflict: func(ctx context.Context, c inbox.IDConflict) {
			a.Metrics.IDConflict(c.Provider)
			log.WarnContext(ctx, "provider id reused for a different message: stored as a new message, the old one kept",
				"provider", string(c.Provider), "veteran_id", c.VeteranID, "external_id", c.ExternalID,
				"old_message_id", c.Old, "new_message_id", c.New)
		},
		Notifier: outbox})
	ec.Inbox = a.Inbox
	ec.Observe, ec.OnBreaker = a.Metrics.ObserveProvider, a.Metrics.SetBreaker
	ec.OnNotification, ec.OnNotifyBreaker, ec.DigestHour = a.Metrics.ObserveNotification, a.Metrics.SetNotifyBreaker, cfg.NotifyDigestHour
	ec.OnImport = a.Metrics.ObserveImport
	if ec.ReconcileInterval == 0 {
		ec.ReconcileInterval = cfg.ReconcileInterval
	}
	if ec.SweepInterval == 0 {
		ec.SweepInterval = cfg.SweepInterval
	}
	if ec.FreshnessBound == 0 {
		ec.FreshnessBound, ec.FreshnessBudget = cfg.FreshnessBound, cfg.FreshnessBudget
	}
	if a.Engine, err = syncengine.New(ec); err != nil {
		return fail(err)
	}

	auditKey := []byte(cfg.AuditKey)
	if demoMode && len(auditKey) == 0 {
		if auditKey, err = audit.LoadOrCreateKey(cfg.DataDir); err != nil {
			return fail(err)
		}
	}
	if a.Audit, err = audit.NewRecorder(a.Store, auditKey); err != nil {
		return fail(err)
	}
	a.Audit.Batch(opts.AuditInterval, log)
	if err := a.buildEdge(verifier, secret, log); err != nil {
		return fail(err)
	}
	return a, nil
}

// buildEdge assembles the HTTP edge: every route, on the public and the
// operator listener.
func (a *App) buildEdge(verifier *auth.Verifier, publicationSecret []byte, log *slog.Logger) error {
	cfg, demoMode := a.Config, a.Config.Mode == config.Demo
	var persisted map[string]string
	if cfg.PersistedQueries != "" {
		var err error
		if persisted, err = loadManifest(cfg.PersistedQueries); err != nil {
			return err
		}
	}
	web := edge.Config{Store: a.Store, Inbox: a.Inbox, Verifier: verifier, Log: log, Introspection: demoMode,
		Bodies: a.Engine.FetchBodies, Freshness: a.Engine, Extensions: []graphql.HandlerExtension{a.Metrics.Extension(), tracing.Extension()},
		Audit: a.Audit, Events: a.Bus, AllowedOrigins: cfg.AllowedOrigins, PersistedOnly: persisted != nil, PersistedQueries: persisted,
		Intake: oh.PublicationHandler(oh.PublicationConfig{Secret: publicationSecret, Store: a.Engine.StoreAnnouncements, Replays: a.Inbox, Log: log,
			Reject: edge.WriteError}),
		Ready: http.HandlerFunc(a.ready),
		Ops: &ops.View{Client: a.Store.Client, Retry: a.Engine.RetryDelivery, Recheck: a.Engine.RecheckDelivery, Circuit: a.circuits,
			Release: func(ctx context.Context, k, vid string, discard bool) error {
				return a.Engine.ReleaseHeld(ctx, providerkind.Kind(k), vid, discard)
			}, NotifyCircuit: a.Engine.NotificationCircuit, RetryNotify: a.Engine.RetryNotification},
		Metrics: promhttp.HandlerFor(a.Metrics.Registry, promhttp.HandlerOpts{}),
		Demo:    demoMode, Issuer: a.Issuer}
	if demoMode {
		web.DemoToken = a.demoToken
		// A simulator in its own process is not mounted here.
		if a.MHVSim != nil {
			web.MHVSim = a.MHVSim
		}
		if a.OHSim != nil {
			web.OHSim = a.OHSim
		}
		if a.NotifySim != nil {
			web.NotifySim = a.NotifySim
		}
	}
	var err error
	if a.jobsUI, err = a.Engine.JobsUI("/ops/jobs", log); err != nil {
		return err
	}
	web.Jobs = a.jobsUI
	e := edge.New(web)
	a.Handler, a.Operator = e.Public, e.Operator
	return nil
}

func loadManifest(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return edge.LoadPersistedQueries(f)
}

func (a *App) circuits() map[string]string {
	out := map[string]string{}
	for k, v := range a.Engine.BreakerStates() {
		out[string(k)] = v
	}
	return out
}

// Start runs the sync workers (and, in demo mode, completes the demo data
// once the first import is in).
func (a *App) Start(ctx context.Context) error {
	if err := a.Engine.Start(ctx); err != nil {
		return err
	}
	if err := a.jobsUI.Start(ctx); err != nil {
		return err
	}
	if a.demoData {
		a.startDemoData()
	}
	return nil
}

// Close stops the workers and the simulators and closes the store.
func (a *App) Close(ctx context.Context) error {
	err := errors.Join(a.Engine.Stop(ctx), a.Audit.Close(ctx), a.closeDemo())
	a.closeFanout()
	return errors.Join(err, a.Store.Close())
}

// closeFanout stops sharing events; a failure to close the listener's
// connection is only logged: the process is done with it.
func (a *App) closeFanout() {
	if a.Fanout == nil {
		return
	}
	if err := a.Fanout.Close(); err != nil {
		a.log.Warn("event fan-out: close", "error", err.Error())
	}
	a.Fanout = nil
}

// ready answers whether this instance can serve: database reachable,
// migrations applied; the providers' circuit states are reported, since an
// open circuit degrades delivery but not the inbox.
func (a *App) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	status := http.StatusOK
	body := ""
	if err := a.Store.Ping(r.Context()); err != nil {
		status, body = http.StatusServiceUnavailable, body+"database: unreachable\n"
	} else if n, err := a.Store.Pending(r.Context()); err != nil || n > 0 {
		status, body = http.StatusServiceUnavailable, body+"database: migrations pending\n"
	} else {
		body += "database: ok\n"
	}
	for k, st := range a.Engine.BreakerStates() {
		body += "provider " + string(k) + ": circuit " + st + "\n"
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// putCutovers records the configured cutover schedules, if any, in the
// database, where every instance reads them: at every start configuration
// adds its stations and updates those it put before, but a station whose
// schedule an operator put (PUT /ops/cutovers) keeps the operator's.
func putCutovers(ctx context.Context, log *slog.Logger, in *inbox.Service, path string) error {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("VAMS_CUTOVER_SCHEDULE: %w", err)
	}
	cs, err := inbox.ParseCutovers(data)
	if err != nil {
		return err
	}
	for _, c := range cs {
		seeded, err := in.SeedCutover(viewer.System(ctx), c)
		if err != nil {
			return fmt.Errorf("VAMS_CUTOVER_SCHEDULE: %w", err)
		}
		if !seeded {
			log.WarnContext(ctx, "configured cutover schedule not applied: an operator put this facility's", "station", c.StationNumber)
		}
	}
	return nil
}

// sendLimit is the configured send rate, or the mode's default: the
// conduct rule's in production, a generous one in demo mode.
func sendLimit(cfg config.Config) inbox.SendLimit {
	l := inbox.DefaultSendLimit
	if cfg.Mode == config.Demo {
		l = inbox.DemoSendLimit
	}
	if cfg.SendsPerHour > 0 {
		l.PerHour = cfg.SendsPerHour
	}
	if cfg.SendBurst > 0 {
		l.Burst = cfg.SendBurst
	}
	return l
}

// budgeted is a copy of c whose requests take k's tokens of budget.
func budgeted(c *http.Client, budget *ratelimit.Budget, k providerkind.Kind) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	out := *c
	out.Transport = budget.Transport(string(k), c.Transport)
	return &out
}
