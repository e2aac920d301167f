// Package metrics exposes what an operator needs to see on /metrics
// (Prometheus): GraphQL latency by operation and errors by code, database
// pool use, provider calls and circuit state, outbox depth and age, sync lag
// and subscriber count. Labels never carry PHI: operation names, codes and
// provider kinds only.
package metrics

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
)

// Metrics holds VAMS's instruments.
type Metrics struct {
	Registry        *prometheus.Registry
	operations      *prometheus.HistogramVec
	errors          *prometheus.CounterVec
	providerCalls   *prometheus.HistogramVec
	providerErrors  *prometheus.CounterVec
	breakerOpen     *prometheus.GaugeVec
	idConflicts     *prometheus.CounterVec
	notifySent      *prometheus.CounterVec
	notifyFailed    *prometheus.CounterVec
	notifyOpen      prometheus.Gauge
	importWindows   *prometheus.CounterVec
	importMessages  *prometheus.CounterVec
	importsDone     *prometheus.CounterVec
	subscriberCount prometheus.GaugeFunc
	// registered is every collector in Registry, for Names.
	registered []prometheus.Collector
}

// counter is a counter vector by the labels, the shape of most instruments.
func counter(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// New registers the instruments, the database pool collector and a collector
// that reads queue depth and sync lag from the database at scrape time.
func New(db *sql.DB, dialect string, subscribers func() int) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		operations: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vams_graphql_operation_seconds", Help: "GraphQL operation latency by operation name.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"operation"}),
		errors: counter("vams_graphql_errors_total", "GraphQL errors by extensions.code.", "code"),
		providerCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vams_provider_call_seconds", Help: "Provider call latency by provider and call.",
			Buckets: prometheus.DefBuckets,
		}, []string{"provider", "call"}),
		providerErrors: counter("vams_provider_errors_total", "Provider call errors by provider, call and kind.", "provider", "call", "kind"),
		breakerOpen: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vams_provider_circuit_open", Help: "1 while a provider's circuit breaker is open.",
		}, []string{"provider"}),
		idConflicts: counter("vams_sync_id_conflicts_total",
			"Provider messages that arrived under an id VAMS held for a different message (an id reset), by provider.", "provider"),
		notifySent:   counter("vams_notifications_sent_total", "Notifications the notification service accepted, by channel (push, email).", "channel"),
		notifyFailed: counter("vams_notifications_failed_total", "Notifications that gave up (FAILED, listed at /ops/notifications), by channel.", "channel"),
		notifyOpen: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vams_notify_circuit_open", Help: "1 while the notification service's circuit breaker is open.",
		}),
		importWindows:  counter("vams_import_windows_total", "Windows of veterans' history the first import listed, by provider.", "provider"),
		importMessages: counter("vams_import_messages_total", "Messages the first import's windows listed (and stored or confirmed), by provider.", "provider"),
		importsDone:    counter("vams_imports_completed_total", "Veterans whose first import from a provider reached the horizon, by provider.", "provider"),
	}
	m.registered = []prometheus.Collector{m.operations, m.errors, m.providerCalls, m.providerErrors, m.breakerOpen, m.idConflicts,
		m.notifySent, m.notifyFailed, m.notifyOpen, m.importWindows, m.importMessages, m.importsDone,
		collectors.NewDBStatsCollector(db, "vams"), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&dbCollector{db: db, dialect: dialect}}
	if subscribers != nil {
		m.registered = append(m.registered, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "vams_subscribers", Help: "Live event subscriptions on this instance.",
		}, func() float64 { return float64(subscribers()) }))
	}
	reg.MustRegister(m.registered...)
	return m
}

// fqName is a Desc's metric name in its String form (Desc has no getter).
var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// Names is every metric family name the registry can export, whether or not
// it has samples yet (a vector without label values exports nothing). The
// operations kit's test checks dashboards and alert rules against it.
func (m *Metrics) Names() []string {
	ch := make(chan *prometheus.Desc)
	go func() {
		for _, c := range m.registered {
			c.Describe(ch)
		}
		close(ch)
	}()
	var names []string
	for d := range ch {
		if g := fqName.FindStringSubmatch(d.String()); g != nil {
			names = append(names, g[1])
		}
	}
	return names
}

// SetBreaker records whether a provider's circuit is open.
func (m *Metrics) SetBreaker(k providerkind.Kind, open bool) {
	v := 0.0
	if open {
		v = 1
	}
	m.breakerOpen.WithLabelValues(string(k)).Set(v)
}

// IDConflict counts a provider message stored under an id VAMS held for
// another message.
func (m *Metrics) IDConflict(k providerkind.Kind) { m.idConflicts.WithLabelValues(string(k)).Inc() }

// ObserveNotification counts a notification's outcome ("sent" or "failed").
func (m *Metrics) ObserveNotification(channel, outcome string) {
	if outcome == "sent" {
		m.notifySent.WithLabelValues(channel).Inc()
	} else {
		m.notifyFailed.WithLabelValues(channel).Inc()
	}
}

// ObserveImport records the first import's progress with provider k: a
// window that listed messages, or a veteran's import completed.
func (m *Metrics) ObserveImport(k providerkind.Kind, listed int, completed bool) {
	if completed {
		m.importsDone.WithLabelValues(string(k)).Inc()
		return
	}
	m.importWindows.WithLabelValues(string(k)).Inc()
	m.importMessages.WithLabelValues(string(k)).Add(float64(listed))
}

// SetNotifyBreaker records whether the notification service's circuit is open.
func (m *Metrics) SetNotifyBreaker(open bool) {
	v := 0.0
	if open {
		v = 1
	}
	m.notifyOpen.Set(v)
}

// ObserveProvider records one provider call.
func (m *Metrics) ObserveProvider(k providerkind.Kind, call string, d time.Duration, err error) {
	m.providerCalls.WithLabelValues(string(k), call).Observe(d.Seconds())
	if err == nil {
		return
	}
	kind := "other"
	for _, c := range []struct {
		err  error
		name string
	}{{providers.ErrUnavailable, "unavailable"}, {providers.ErrRejected, "rejected"}, {providers.ErrNotFound, "not_found"},
		{providers.ErrConflict, "conflict"}, {providers.ErrUnsupported, "unsupported"}, {providers.ErrMoved, "moved"}} {
		if errors.Is(err, c.err) {
			kind = c.name
			break
		}
	}
	m.providerErrors.WithLabelValues(string(k), call, kind).Inc()
}

// Extension times GraphQL operations and counts errors by code.
func (m *Metrics) Extension() graphql.HandlerExtension { return extension{m} }

type extension struct{ m *Metrics }

func (extension) ExtensionName() string                   { return "Metrics" }
func (extension) Validate(graphql.ExecutableSchema) error { return nil }

func (e extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	name := "unnamed"
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		switch {
		case oc.Operation != nil && oc.Operation.Name != "":
			name = oc.Operation.Name
		case oc.OperationName != "":
			name = oc.OperationName
		}
	}
	e.m.operations.WithLabelValues(name).Observe(time.Since(start).Seconds())
	if resp != nil {
		for _, err := range resp.Errors {
			e.m.errors.WithLabelValues(code(err)).Inc()
		}
	}
	return resp
}

func code(err *gqlerror.Error) string {
	if c, ok := err.Extensions["code"].(string); ok {
		return c
	}
	return "UNKNOWN"
}

// dbCollector reads the outbox and sync state at scrape time.
type dbCollector struct {
	db      *sql.DB
	dialect string
}

var (
	outboxDepth = prometheus.NewDesc("vams_outbox_jobs", "Jobs waiting or retrying in the outbox, by kind.", []string{"kind"}, nil)
	outboxAge   = prometheus.NewDesc("vams_outbox_oldest_job_age_seconds", "Age of the oldest waiting job.", nil, nil)
	syncLag     = prometheus.NewDesc("vams_sync_last_run_age_seconds", "Seconds since the last reconciliation per provider.", []string{"provider"}, nil)
	suspect     = prometheus.NewDesc("vams_sync_suspect", "Veterans whose scans with a provider are held as SUSPECT (a listing that omitted too much).", []string{"provider"}, nil)
	ingestLag   = prometheus.NewDesc("vams_sync_newest_message_age_seconds", "Age of the newest message ingested per provider.", []string{"provider"}, nil)
	importing   = prometheus.NewDesc("vams_imports_unfinished", "Veterans whose first import from a provider has started and not reached the horizon (running, waiting or failed).", []string{"provider"}, nil)
)

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepth
	ch <- outboxAge
	ch <- syncLag
	ch <- ingestLag
	ch <- suspect
	ch <- importing
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	now := time.Now()
	if rows, err := c.db.QueryContext(ctx, `SELECT kind, COUNT(*) FROM river_job WHERE state IN ('available','retryable','scheduled','running') GROUP BY kind`); err == nil {
		for rows.Next() {
			var kind string
			var n float64
			if rows.Scan(&kind, &n) == nil {
				ch <- prometheus.MustNewConstMetric(outboxDepth, prometheus.GaugeValue, n, kind)
			}
		}
		rows.Close()
	}
	var oldest sql.NullTime
	if c.scanTime(ctx, `SELECT MIN(created_at) FROM river_job WHERE state IN ('available','retryable','scheduled')`, &oldest) && oldest.Valid {
		ch <- prometheus.MustNewConstMetric(outboxAge, prometheus.GaugeValue, now.Sub(oldest.Time).Seconds())
	} else {
		ch <- prometheus.MustNewConstMetric(outboxAge, prometheus.GaugeValue, 0)
	}
	for _, k := range []providerkind.Kind{providerkind.MHV, providerkind.OH} {
		var last sql.NullTime
		if c.scanTime(ctx, `SELECT MAX(last_run_at) FROM sync_states WHERE provider = `+c.param(1), &last, string(k)) && last.Valid {
			ch <- prometheus.MustNewConstMetric(syncLag, prometheus.GaugeValue, now.Sub(last.Time).Seconds(), string(k))
		}
		var held float64
		if c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sync_states WHERE status = 'SUSPECT' AND provider = `+c.param(1), string(k)).Scan(&held) == nil {
			ch <- prometheus.MustNewConstMetric(suspect, prometheus.GaugeValue, held, string(k))
		}
		var unfinished float64
		if c.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sync_states WHERE scope = 'import' AND status <> 'COMPLETE' AND provider = `+c.param(1), string(k)).Scan(&unfinished) == nil {
			ch <- prometheus.MustNewConstMetric(importing, prometheus.GaugeValue, unfinished, string(k))
		}
		var newest sql.NullTime
		if c.scanTime(ctx, `SELECT MAX(m.sent_at) FROM messages m JOIN provider_refs r ON r.entity_id = m.id AND r.entity_type = 'MESSAGE'
			WHERE r.provider = `+c.param(1)+` AND m.author_kind = 'CLINICIAN'`, &newest, string(k)) && newest.Valid {
			ch <- prometheus.MustNewConstMetric(ingestLag, prometheus.GaugeValue, now.Sub(newest.Time).Seconds(), string(k))
		}
	}
}

func (c *dbCollector) param(i int) string {
	if c.dialect == "postgres" {
		return "$" + string(rune('0'+i))
	}
	return "?"
}

// scanTime reads one timestamp; SQLite returns times as text, which
// database/sql cannot scan into time.Time, so both forms are accepted.
func (c *dbCollector) scanTime(ctx context.Context, q string, out *sql.NullTime, args ...any) bool {
	var raw any
	if err := c.db.QueryRowContext(ctx, q, args...).Scan(&raw); err != nil || raw == nil {
		return false
	}
	switch v := raw.(type) {
	case time.Time:
		*out = sql.NullTime{Time: v, Valid: true}
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05"} {
			if t, err := time.Parse(layout, v); err == nil {
				*out = sql.NullTime{Time: t, Valid: true}
				return true
			}
		}
		return false
	}
	return out.Valid
}
