package bench

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/internal/app"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/config"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/providers/mhv/mhvsim"
	"github.com/va/vams/providers/oh/ohsim"
)

// ImportOptions size the historic-import scenario.
type ImportOptions struct {
	Veterans int     // population (each run imports all of them)
	Rate     float64 // requests a second per provider of the rate-limited run
	// ProjectVeterans and ProjectRateMHV/OH are the projection's population
	// and the provider rates it assumes (requests a second).
	ProjectVeterans               int
	ProjectRateMHV, ProjectRateOH float64
	Workers                       int // sync workers per run (0: VAMS's default, 10)
	Seed                          uint64
	Timeout                       time.Duration // per run
	Out, Log                      io.Writer
}

// importRun is one import's measurement.
type importRun struct {
	imported, bodies time.Duration      // to every import complete; to every body in
	messages         int                // stored when the imports completed
	bodyless         int                // messages still without a body when the backfill stopped
	calls, http      [2]int64           // provider calls (each takes a budget token when rated), HTTP requests: MHV, OH
	tokens           [2][]time.Duration // when each budget token was taken, since the imports were scheduled
}

// Import measures the first import of a population of veterans from the
// simulators over real HTTP, as demo mode mounts them: with the provider
// rate off, then with o.Rate per provider, each on a fresh database from
// fresh. It prints BENCH and RATIO lines and the projection for
// o.ProjectVeterans.
func Import(ctx context.Context, fresh func(name string) (Target, error), o ImportOptions) error {
	logf := func(format string, a ...any) { fmt.Fprintf(o.Log, format+"\n", a...) }
	pop := historyPopulation(o.Veterans, o.Seed, time.Now())
	fmt.Fprintf(o.Out, "# import: %d veterans (%d served by MHV, %d by OH, %d by both), %d threads, %d messages over %d years; "+
		"%.0f%% with no messages, threads per provider log-normal (median %.0f, at most %d), messages per thread 1 + geometric (p %.2f, at most %d)\n",
		len(pop.vets), pop.mhvVets, pop.ohVets, pop.mhvVets+pop.ohVets-len(pop.vets), pop.threads, pop.messages, historyYears,
		100*silentShare, threadMedian, threadCap, replyChance, replyCap)
	runs := map[string]importRun{}
	for _, c := range []struct {
		name string
		rate float64
	}{{"import_unlimited", 0}, {fmt.Sprintf("import_rate_%s", trimFloat(o.Rate)), o.Rate}} {
		t, err := fresh("vams_bench_" + c.name)
		if err != nil {
			return err
		}
		workers := "VAMS's default"
		if o.Workers > 0 {
			workers = fmt.Sprint(o.Workers)
		}
		logf("%s: importing %d veterans (rate %s a second per provider; sync workers: %s)", c.name, len(pop.vets), limitText(c.rate), workers)
		r, err := importOnce(ctx, t, pop, c.rate, o.Workers, o.Timeout)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		runs[c.name] = r
		if r.messages != pop.messages {
			logf("%s: %d messages stored of the %d the providers hold", c.name, r.messages, pop.messages)
		}
		if r.bodyless > 0 {
			logf("%s: the body backfill stopped with %d messages bodyless (they wait for their veteran's next scan)", c.name, r.bodyless)
		}
		fmt.Fprintf(o.Out, "BENCH name=%s veterans=%d messages=%d import_s=%.1f imported_per_s=%.0f bodies_s=%.1f with_bodies_per_s=%.0f bodyless_left=%d\n",
			c.name, len(pop.vets), r.messages, r.imported.Seconds(), float64(r.messages)/r.imported.Seconds(),
			r.bodies.Seconds(), float64(r.messages)/r.bodies.Seconds(), r.bodyless)
		fmt.Fprintf(o.Out, "BENCH name=%s_calls mhv_calls_per_veteran=%.1f oh_calls_per_veteran=%.1f mhv_http_per_veteran=%.1f oh_http_per_veteran=%.1f\n",
			c.name, perVeteran(r.calls[0], pop.mhvVets), perVeteran(r.calls[1], pop.ohVets), perVeteran(r.http[0], pop.mhvVets), perVeteran(r.http[1], pop.ohVets))
		if c.rate > 0 {
			m, h := checkRate(r.tokens[0], c.rate), checkRate(r.tokens[1], c.rate)
			fmt.Fprintf(o.Out, "BENCH name=%s_rate limit_per_s=%s mhv_tokens=%d oh_tokens=%d mhv_mean_per_s=%.1f oh_mean_per_s=%.1f "+
				"mhv_max_1s=%d oh_max_1s=%d mhv_max_1s_after_first=%d oh_max_1s_after_first=%d mhv_max_10s=%d oh_max_10s=%d mhv_http_per_s=%.1f oh_http_per_s=%.1f within_limit=%t\n",
				c.name, trimFloat(c.rate), len(r.tokens[0]), len(r.tokens[1]), m.mean, h.mean, m.max1s, h.max1s, m.steady1s, h.steady1s, m.max10s, h.max10s,
				float64(r.http[0])/r.bodies.Seconds(), float64(r.http[1])/r.bodies.Seconds(), m.within && h.within)
		} else {
			fmt.Fprintf(o.Out, "BENCH name=%s_rate limit_per_s=none mhv_calls_per_s=%.1f oh_calls_per_s=%.1f mhv_http_per_s=%.1f oh_http_per_s=%.1f\n",
				c.name, float64(r.calls[0])/r.bodies.Seconds(), float64(r.calls[1])/r.bodies.Seconds(),
				float64(r.http[0])/r.bodies.Seconds(), float64(r.http[1])/r.bodies.Seconds())
		}
	}
	off, on := runs["import_unlimited"], runs[fmt.Sprintf("import_rate_%s", trimFloat(o.Rate))]
	fmt.Fprintf(o.Out, "RATIO name=import_rate_%s_over_unlimited imported_per_s=%.2f with_bodies_per_s=%.2f\n", trimFloat(o.Rate),
		off.imported.Seconds()/on.imported.Seconds(), off.bodies.Seconds()/on.bodies.Seconds())

	// The projection: the rate, not VAMS, bounds the first import, so the
	// days are each provider's HTTP requests (what the budget counts) over
	// its rate.
	mhvShare, ohShare := float64(pop.mhvVets)/float64(len(pop.vets)), float64(pop.ohVets)/float64(len(pop.vets))
	pm := projectImport(float64(o.ProjectVeterans)*mhvShare, perVeteran(on.http[0], pop.mhvVets), o.ProjectRateMHV)
	po := projectImport(float64(o.ProjectVeterans)*ohShare, perVeteran(on.http[1], pop.ohVets), o.ProjectRateOH)
	fmt.Fprintf(o.Out, "BENCH name=import_projection veterans=%d mhv_veterans=%.0f oh_veterans=%.0f assumed_mhv_rate=%s assumed_oh_rate=%s "+
		"mhv_requests_per_veteran=%.1f oh_requests_per_veteran=%.1f mhv_days=%.1f oh_days=%.1f days=%.1f\n",
		o.ProjectVeterans, float64(o.ProjectVeterans)*mhvShare, float64(o.ProjectVeterans)*ohShare,
		trimFloat(o.ProjectRateMHV), trimFloat(o.ProjectRateOH), perVeteran(on.http[0], pop.mhvVets), perVeteran(on.http[1], pop.ohVets),
		pm, po, math.Max(pm, po))
	return nil
}

func limitText(rate float64) string {
	if rate <= 0 {
		return "unlimited"
	}
	return trimFloat(rate)
}

func perVeteran(n int64, vets int) float64 { return float64(n) / float64(max(1, vets)) }

// projectImport is how many days the first import of veterans takes when
// each costs calls requests and the provider allows rate a second
// (all instances together): the rate bounds it, whatever VAMS's size.
func projectImport(veterans, calls, rate float64) float64 {
	if rate <= 0 {
		return math.Inf(1)
	}
	return veterans * calls / rate / 86400
}

// importOnce runs one first import of pop on a fresh database: a VAMS in
// demo mode without demo data, the population's simulators mounted on it
// and reached over HTTP, its veterans enrolled, then every import
// scheduled at once.
func importOnce(ctx context.Context, t Target, pop population, rate float64, workers int, timeout time.Duration) (importRun, error) {
	var run importRun
	mhv, oh, err := populationSims(pop)
	if err != nil {
		return run, err
	}
	defer oh.Close()
	ht := &httpCounter{next: http.DefaultTransport}
	tokens := &tokenLog{t0: time.Now()}
	a, _, stop, err := scenarioApp(ctx, t, "import", config.Config{ProviderRateMHV: rate, ProviderRateOH: rate}, app.Options{SkipSeed: true,
		MHVSim: mhv, OHSim: oh, HTTPClient: &http.Client{Timeout: 30 * time.Second, Transport: ht}, WrapConnector: tokens.wrap,
		Engine: syncengine.Config{PollInterval: 50 * time.Millisecond, Workers: workers}})
	if err != nil {
		return run, err
	}
	defer stop()
	if err := enrollPopulation(ctx, a, pop); err != nil {
		return run, err
	}
	if err := a.Start(ctx); err != nil {
		return run, err
	}
	sys := viewer.System(ctx)
	want := pop.mhvVets + pop.ohVets
	importsDone := func() bool {
		n, err := a.Store.Client.SyncState.Query().Where(syncstate.Scope(inbox.ImportScope), syncstate.StatusEQ(syncstate.StatusCOMPLETE)).Count(sys)
		return err == nil && n >= want
	}
	bodyless := func() int {
		n, err := a.Store.Client.Message.Query().Where(message.BodyLoaded(false), message.IsDraft(false)).Count(sys)
		if err != nil {
			return -1
		}
		return n
	}
	base, err := providerCalls(a.Metrics.Registry)
	if err != nil {
		return run, err
	}
	t0 := time.Now()
	tokens.mu.Lock()
	tokens.t0 = t0
	tokens.mu.Unlock()
	if err := a.Engine.ScheduleReconcile(ctx); err != nil {
		return run, err
	}
	// The scheduler queues a bounded number of imports at a time and each
	// periodic scan tops it up; the bench is that periodic scan.
	topped := time.Now()
	err = waitFor(timeout, "every first import", func() bool {
		if time.Since(topped) > 2*time.Second {
			topped = time.Now()
			if err := a.Engine.ScheduleReconcile(ctx); err != nil {
				return false
			}
		}
		return importsDone()
	})
	run.imported = time.Since(t0)
	if err == nil {
		run.messages, err = a.Store.Client.Message.Query().Where(message.IsDraft(false)).Count(sys)
	}
	if err != nil {
		return run, err
	}
	run.bodies, run.bodyless = waitBodies(t0, timeout, bodyless)
	end, err := providerCalls(a.Metrics.Registry)
	if err != nil {
		return run, err
	}
	run.calls = [2]int64{end[0] - base[0], end[1] - base[1]}
	run.tokens = tokens.times()
	run.http = [2]int64{ht.mhv.Load(), ht.oh.Load()}
	return run, nil
}

// bodyStall is how long the body backfill may make no progress before the
// figure stops waiting: a body the backfill missed waits for the veteran's
// next scan, which the scenario does not run.
const bodyStall = 20 * time.Second

// waitBodies waits until no message lacks its body, or the count stalls for
// bodyStall, or timeout since t0; it returns when the count last fell (or
// reached zero) and how many are left.
func waitBodies(t0 time.Time, timeout time.Duration, bodyless func() int) (time.Duration, int) {
	last, lastAt := bodyless(), time.Now()
	for last != 0 && time.Since(lastAt) < bodyStall && time.Since(t0) < timeout {
		time.Sleep(100 * time.Millisecond)
		if n := bodyless(); n >= 0 && n != last {
			last, lastAt = n, time.Now()
		}
	}
	return lastAt.Sub(t0), last
}

// populationSims are an MHV and an OH simulator holding pop's patients,
// care teams and history.
func populationSims(pop population) (*mhvsim.Simulator, *ohsim.Simulator, error) {
	ms := mhvsim.Seed{TriageTeams: pop.teams}
	oc := ohsim.Config{Authority: demo.OHAuthority, Pools: pop.pools}
	var mt []mhvsim.HistoryThread
	var ot []ohsim.HistoryThread
	for _, v := range pop.vets {
		if v.mhvCorr != "" {
			ms.Patients = append(ms.Patients, mhvsim.Patient{ICN: v.icn, CorrelationID: v.mhvCorr, Name: v.name})
			mt = append(mt, v.mhv...)
		}
		if v.ohID != "" {
			oc.Patients = append(oc.Patients, ohsim.Patient{ICN: v.icn, PatientID: v.ohID, Name: v.name})
			ot = append(ot, v.oh...)
		}
	}
	mhv, oh := mhvsim.New(ms), ohsim.New(oc)
	if _, err := mhv.SeedHistory("bench", mt); err != nil {
		oh.Close()
		return nil, nil, err
	}
	if _, err := oh.SeedHistory("bench", ot); err != nil {
		oh.Close()
		return nil, nil, err
	}
	return mhv, oh, nil
}

// enrollPopulation adds pop's veterans to VAMS with their provider ids and
// system folders, as sign-in and the identity lookup would.
func enrollPopulation(ctx context.Context, a *app.App, pop population) error {
	sys := viewer.System(ctx)
	for _, v := range pop.vets {
		c := a.Store.Client.Veteran.Create().SetIcn(v.icn).SetDisplayName(v.name)
		if v.mhvCorr != "" {
			c.SetMhvCorrelationID(v.mhvCorr)
		}
		if v.ohID != "" {
			c.SetOhPatientID(v.ohID).SetOhAuthority(demo.OHAuthority)
		}
		ev, err := c.Save(sys)
		if err != nil {
			return err
		}
		if err := inbox.EnsureSystemFolders(sys, a.Store.Client, ev.ID); err != nil {
			return err
		}
	}
	return nil
}

// httpCounter counts the HTTP requests VAMS makes to each simulator (what
// the provider sees; one budgeted call may be several).
type httpCounter struct {
	next    http.RoundTripper
	mhv, oh atomic.Int64
}

func (c *httpCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	switch p := r.URL.Path; {
	case strings.Contains(p, "/control/"):
	case strings.HasPrefix(p, "/sim/mhv/"):
		c.mhv.Add(1)
	case strings.HasPrefix(p, "/sim/oh/"):
		c.oh.Add(1)
	}
	return c.next.RoundTrip(r)
}

// providerCalls reads the provider calls VAMS has made, MHV and OH, from
// vams_provider_call_seconds (every call, budgeted or not, is observed).
func providerCalls(reg prometheus.Gatherer) ([2]int64, error) {
	var out [2]int64
	fams, err := reg.Gather()
	if err != nil {
		return out, err
	}
	for _, f := range fams {
		if f.GetName() != "vams_provider_call_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "provider" {
					i := 0
					if l.GetValue() != string(providerkind.MHV) {
						i = 1
					}
					out[i] += int64(m.GetHistogram().GetSampleCount())
				}
			}
		}
	}
	return out, nil
}

// rateCheck is how a run's token times compare with the rate: the most
// tokens taken in any second and any ten seconds, and whether both stay
// within what the bucket allows background calls (the rate times the window
// plus the bucket above its reserve, which an idle spell refills).
type rateCheck struct {
	max1s, max10s int
	steady1s      int     // most in any second after the first (the full bucket's burst)
	mean          float64 // tokens a second from the first to the last
	within        bool
}

func checkRate(at []time.Duration, rate float64) rateCheck {
	var c rateCheck
	if len(at) == 0 || rate <= 0 {
		return c
	}
	c.max1s, c.max10s = maxInWindow(at, time.Second), maxInWindow(at, 10*time.Second)
	late, _ := slices.BinarySearch(at, time.Second)
	c.steady1s = maxInWindow(at[late:], time.Second)
	if span := at[len(at)-1] - at[0]; span > 0 {
		c.mean = float64(len(at)-1) / span.Seconds()
	}
	burst := max(2, int(math.Ceil(rate)))
	above := float64(burst - burst/2)
	c.within = float64(c.max1s) <= rate+above && float64(c.max10s) <= 10*rate+above
	return c
}

// maxInWindow is the most of the sorted times at falling in any window of
// length w (from one time to just under w after it).
func maxInWindow(at []time.Duration, w time.Duration) int {
	best, j := 0, 0
	for i := range at {
		for at[i]-at[j] >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// tokenLog records when each provider budget token was taken: a conditional
// UPDATE of provider_budgets that changed its row (ratelimit.Budget.try),
// read off the database connections under everything.
type tokenLog struct {
	t0 time.Time
	mu sync.Mutex
	at [2][]time.Duration // MHV, OH
}

func (l *tokenLog) wrap(c driver.Connector) driver.Connector {
	return storetest.WrapConns(c, func(conn driver.Conn) driver.Conn { return tokenConn{storetest.ForwardingConn{Conn: conn}, l} })
}

func (l *tokenLog) times() [2][]time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return [2][]time.Duration{slices.Clone(l.at[0]), slices.Clone(l.at[1])}
}

// tokenConn watches the statements run on the connection for budget takes.
type tokenConn struct {
	storetest.ForwardingConn
	l *tokenLog
}

func (k tokenConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	r, err := k.ForwardingConn.ExecContext(ctx, q, args)
	if err == nil && strings.HasPrefix(q, "UPDATE provider_budgets") && len(args) > 2 {
		if n, _ := r.RowsAffected(); n == 1 {
			i := 0
			if p, _ := args[2].Value.(string); p != "MHV" {
				i = 1
			}
			k.l.mu.Lock()
			k.l.at[i] = append(k.l.at[i], time.Since(k.l.t0))
			k.l.mu.Unlock()
		}
	}
	return r, err
}
