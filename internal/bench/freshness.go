package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/app"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/platform/config"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/providers/mhv/mhvsim"
)

// FreshnessOptions size the freshness scenario.
type FreshnessOptions struct {
	Messages int           // clinician messages per provider timed from write to visible
	Backfill int           // bodyless MHV messages for the bench-size backfill figure
	Clients  int           // concurrent clients of the inbox figures
	Duration time.Duration // per inbox figure
	Bound    time.Duration // freshness bound (VAMS's default 5s)
}

// freshBench is one VAMS in demo mode, the simulators mounted at /sim/ and
// reached over real HTTP, as `make run` serves it.
type freshBench struct {
	a          *app.App
	srv        *server
	ohListings atomic.Int64
	close      func()
}

// countingTransport counts VAMS's OH listing calls (GET …/messages without
// ids), which the OH simulator does not count itself.
type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/sim/oh/") && strings.HasSuffix(r.URL.Path, "/messages") {
		c.n.Add(1)
	}
	return c.next.RoundTrip(r)
}

func startFresh(ctx context.Context, t Target, dataDir string, bound time.Duration) (*freshBench, error) {
	fb := &freshBench{}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: countingTransport{next: http.DefaultTransport, n: &fb.ohListings}}
	a, baseURL, stop, err := demoApp(ctx, t, dataDir, config.Config{FreshnessBound: bound, FreshnessBudget: 300 * time.Millisecond},
		app.Options{HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	fb.a, fb.close = a, stop
	fb.srv = &server{url: baseURL, issuer: a.Issuer, client: httpClient()}
	if err := a.Start(ctx); err != nil {
		fb.close()
		return nil, err
	}
	return fb, nil
}

// Freshness measures freshness on demand and the body backfill (see
// docs/performance.md): write-to-visible latency of MHV (freshness checks)
// and OH (Atom push) clinician messages for an active veteran, provider
// listing calls per active veteran per minute, the inbox with freshness on
// and off, and how much of what a scan stores without bodies is searchable
// within 60 s, at the demo's size and at o.Backfill.
func Freshness(ctx context.Context, t Target, o FreshnessOptions, out, logw io.Writer) error {
	logf := func(format string, a ...any) { fmt.Fprintf(logw, format+"\n", a...) }
	dataDir, cleanup, err := benchDataDir(t, "fresh")
	if err != nil {
		return err
	}
	defer cleanup()
	fb, err := startFresh(ctx, t, dataDir, o.Bound)
	if err != nil {
		return err
	}
	defer func() { fb.close() }()
	a := fb.a
	sys := viewer.System(ctx)

	// Backfill at the demo's size: the first import stores the demo's MHV
	// history without bodies.
	bf := newBackfillWatch(a)
	watchCtx, stopWatch := context.WithCancel(ctx)
	go bf.run(watchCtx)
	if err := a.Engine.ScheduleReconcile(ctx); err != nil {
		stopWatch()
		return err
	}
	if err := waitFor(5*time.Minute, "the first import", func() bool {
		done, err := demo.Imported(ctx, a.Store)
		return err == nil && done
	}); err != nil {
		stopWatch()
		return err
	}
	if err := bf.settle(2 * time.Minute); err != nil {
		stopWatch()
		return err
	}
	stopWatch()
	bf.report(out, logf, "backfill_demo")

	v2, err := a.Store.Client.Veteran.Query().Where(veteran.Icn(demo.Veteran2ICN)).OnlyID(sys)
	if err != nil {
		return err
	}

	// Write to visible for an active veteran: each client holds a
	// subscription and lists its threads every half second, as an open
	// inbox page would.
	subCtx, stopSubs := context.WithCancel(ctx)
	defer stopSubs()
	arrivals := &arrivalLog{at: map[string]time.Time{}}
	var queries atomic.Int64
	var wg sync.WaitGroup
	for _, icn := range []string{demo.Veteran2ICN, demo.Veteran3ICN} {
		if err := fb.subscribe(subCtx, icn, arrivals, &wg); err != nil {
			return err
		}
		wg.Go(func() {
			every(subCtx, 500*time.Millisecond, func() {
				if err := fb.srv.do(subCtx, icn, `{ viewer { threads(first: 20) { edges { node { subject } } } } }`, nil); err == nil {
					queries.Add(1)
				}
			})
		})
	}
	time.Sleep(o.Bound) // the first checks of both
	mhvTeam := demo.Directory.TeamsFor(demo.Veteran2ICN, "MHV")[0].ProviderID
	var ohTeam string
	for _, ct := range demo.Directory.TeamsFor(demo.Veteran3ICN, "OH") {
		if !ct.Blocks(demo.Veteran3ICN) {
			ohTeam = ct.ProviderID
			break
		}
	}
	mhvBase, ohBase, qBase := a.MHVSim.Requests(mhvsim.RouteFolders), fb.ohListings.Load(), queries.Load()
	t0 := time.Now()
	written := map[string]time.Time{}
	r := rand.New(rand.NewPCG(13, 13))
	for i := range o.Messages {
		for _, w := range []struct{ sim, icn, team, subject string }{
			{"mhv", demo.Veteran2ICN, mhvTeam, fmt.Sprintf("Fresh MHV %d", i)},
			{"oh", demo.Veteran3ICN, ohTeam, fmt.Sprintf("Fresh OH %d", i)},
		} {
			written[w.subject] = time.Now()
			if err := fb.control(w.sim, map[string]any{"icn": w.icn, "careTeam": w.team, "subject": w.subject,
				"body": "A note from your care team."}, nil); err != nil {
				return err
			}
		}
		// Spread the writes over the bound's phases.
		time.Sleep(time.Duration(float64(o.Bound) * (0.2 + 0.6*r.Float64())))
	}
	_ = waitFor(o.Bound+30*time.Second, "every message seen", func() bool { return arrivals.count() >= len(written) })
	minutes := time.Since(t0).Minutes()
	mhvCalls, ohCalls, nq := a.MHVSim.Requests(mhvsim.RouteFolders)-mhvBase, fb.ohListings.Load()-ohBase, queries.Load()-qBase
	stopSubs()
	wg.Wait()
	for _, p := range []string{"MHV", "OH"} {
		var lats []time.Duration
		missed := 0
		for subj, w := range written {
			if !strings.Contains(subj, " "+p+" ") {
				continue
			}
			if at, ok := arrivals.get(subj); ok {
				lats = append(lats, at.Sub(w))
			} else {
				missed++
			}
		}
		slices.Sort(lats)
		fmt.Fprintf(out, "BENCH name=freshness_%s_write_to_visible n=%d missed=%d p50_ms=%.0f p99_ms=%.0f max_ms=%.0f bound_ms=%.0f\n",
			strings.ToLower(p), len(lats), missed, ms(pct(lats, 0.5)), ms(pct(lats, 0.99)), ms(pct(lats, 1)), ms(o.Bound))
	}
	// One active veteran per provider: every listing call in the window is
	// theirs or the background scans'.
	fmt.Fprintf(out, "BENCH name=freshness_listing_calls_per_active_veteran_min mhv=%.1f oh=%.1f client_queries_per_min=%.0f vagov_mhv_calls_per_min=%.0f\n",
		float64(mhvCalls)/minutes, float64(ohCalls)/minutes, float64(nq)/2/minutes, float64(nq)/2/minutes+1)

	// Backfill at bench size: threads of five bodyless messages each, stored
	// by one scan.
	bf = newBackfillWatch(a)
	watchCtx, stopWatch = context.WithCancel(ctx)
	defer stopWatch()
	go bf.run(watchCtx)
	for i := 0; i < o.Backfill; {
		var first struct{ ID string }
		for j := 0; j < 5 && i < o.Backfill; j, i = j+1, i+1 {
			in := map[string]any{"icn": demo.Veteran2ICN, "careTeam": mhvTeam, "subject": fmt.Sprintf("Backfill %d", i),
				"body": fmt.Sprintf("Results of panel backfillword%d are in.", i)}
			if j > 0 {
				in = map[string]any{"icn": demo.Veteran2ICN, "inReplyTo": first.ID, "body": fmt.Sprintf("Results of panel backfillword%d are in.", i)}
			}
			var got struct{ ID string }
			if err := fb.control("mhv", in, &got); err != nil {
				return err
			}
			if j == 0 {
				first = got
			}
		}
	}
	if err := a.Engine.Reconcile(ctx, v2, providerkind.MHV); err != nil {
		return err
	}
	// Not all filled in the wait is itself the figure: report what was.
	settled := bf.settle(3*time.Minute) == nil
	stopWatch()
	bf.report(out, logf, fmt.Sprintf("backfill_%d", o.Backfill))
	if settled && o.Backfill > 0 {
		// Searchable, not only stored: the last body's word finds its thread.
		word := fmt.Sprintf("backfillword%d", o.Backfill-1)
		var res struct {
			Data struct {
				Viewer struct {
					Threads struct{ Edges []json.RawMessage }
				}
			}
		}
		if err := fb.query(ctx, demo.Veteran2ICN, `query($q: String!) { viewer { threads(filter: {search: $q}) { edges { node { id } } } } }`,
			map[string]any{"q": word}, &res); err != nil || len(res.Data.Viewer.Threads.Edges) != 1 {
			return fmt.Errorf("backfill: a search for %s found %d threads (%v)", word, len(res.Data.Viewer.Threads.Edges), err)
		}
	}

	// The inbox, freshness on (this VAMS) and off (the same database
	// reopened with the bound 0), side by side.
	inbox := func(srv *server) result {
		icns := []string{demo.Veteran1ICN, demo.Veteran2ICN, demo.Veteran3ICN}
		return measure(ctx, o.Clients, 0, o.Duration, 13, func(ctx context.Context, r *rand.Rand) error {
			return srv.do(ctx, icns[r.IntN(len(icns))], inboxQuery, map[string]any{"first": 20})
		})
	}
	on := inbox(fb.srv)
	fb.close()
	fb, err = startFresh(ctx, t, dataDir, 0)
	if err != nil {
		return err
	}
	off := inbox(fb.srv)
	for _, x := range []struct {
		name string
		r    result
	}{{"freshness_inbox_on", on}, {"freshness_inbox_off", off}} {
		fmt.Fprintln(out, x.r.line(x.name))
		if x.r.errors > 0 {
			logf("%s: %d errors, first: %v", x.name, x.r.errors, x.r.firstErr)
		}
	}
	fmt.Fprintf(out, "RATIO name=freshness_inbox_p50_on_over_off value=%.2f\n", float64(on.p50)/float64(max(off.p50, 1)))
	fmt.Fprintf(out, "RATIO name=freshness_inbox_rps_on_over_off value=%.2f\n",
		(float64(on.n)/on.elapsed.Seconds())/(float64(off.n)/off.elapsed.Seconds()))
	return nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// waitFor waits up to d for done, as the freshness and import scenarios do.
func waitFor(d time.Duration, what string, done func() bool) error {
	return pollUntil("freshness", 20*time.Millisecond, d, what, done)
}

// pollUntil checks done every poll until it holds, or fails after d with an
// error naming the scenario and what it waited for.
func pollUntil(scenario string, poll, d time.Duration, what string, done func() bool) error {
	deadline := time.Now().Add(d)
	for !done() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: timed out waiting for %s", scenario, what)
		}
		time.Sleep(poll)
	}
	return nil
}

// every calls f every d until ctx ends.
func every(ctx context.Context, d time.Duration, f func()) {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			f()
		}
	}
}

// arrivalLog is when each subject first reached a subscriber.
type arrivalLog struct {
	mu sync.Mutex
	at map[string]time.Time
}

func (l *arrivalLog) add(subject string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.at[subject]; !ok {
		l.at[subject] = at
	}
}

func (l *arrivalLog) get(subject string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.at[subject]
	return at, ok
}

func (l *arrivalLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.at)
}

// subscribe holds icn's messageReceived subscription (SSE) and logs each
// message's subject when it arrives.
func (fb *freshBench) subscribe(ctx context.Context, icn string, log *arrivalLog, wg *sync.WaitGroup) error {
	tok, err := fb.srv.token(icn)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"query": `subscription { messageReceived { thread { subject } } }`})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fb.srv.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := (&http.Client{}).Do(req)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return fmt.Errorf("freshness: subscription answered %d", res.StatusCode)
	}
	wg.Go(func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev struct {
				Data struct {
					MessageReceived struct{ Thread struct{ Subject string } }
				}
			}
			if json.Unmarshal([]byte(data), &ev) == nil && ev.Data.MessageReceived.Thread.Subject != "" {
				log.add(ev.Data.MessageReceived.Thread.Subject, time.Now())
			}
		}
	})
	return nil
}

// control posts a clinician message at a simulator's control API.
func (fb *freshBench) control(sim string, in map[string]any, out any) error {
	return postClinician("freshness", fb.srv.client, fb.srv.url, sim, in, out)
}

// postClinician posts a clinician message at the control API of the
// simulator sim ("mhv", "oh") mounted on the VAMS at baseURL, and decodes
// the answer into out unless it is nil; errors name the scenario.
func postClinician(scenario string, c *http.Client, baseURL, sim string, in map[string]any, out any) error {
	b, _ := json.Marshal(in)
	res, err := c.Post(baseURL+"/sim/"+sim+"/control/clinician-messages", "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s control answered %d", scenario, sim, res.StatusCode)
	}
	if out != nil {
		return json.NewDecoder(res.Body).Decode(out)
	}
	return nil
}

// query posts a GraphQL operation as icn and decodes the answer.
func (fb *freshBench) query(ctx context.Context, icn, query string, vars map[string]any, out any) error {
	tok, err := fb.srv.token(icn)
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fb.srv.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := fb.srv.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	return json.NewDecoder(res.Body).Decode(out)
}

// backfillWatch follows MHV messages stored without a body: when each was
// stored and when its body (and so its text in search) arrived.
type backfillWatch struct {
	a      *app.App
	mu     sync.Mutex
	stored map[string]time.Time // bodyless when first seen: stored at
	filled map[string]time.Time
	seen   map[string]bool
}

func newBackfillWatch(a *app.App) *backfillWatch {
	w := &backfillWatch{a: a, stored: map[string]time.Time{}, filled: map[string]time.Time{}, seen: map[string]bool{}}
	w.poll(context.Background(), true)
	return w
}

// poll records the messages stored without a body and those whose body
// has since arrived; the first poll marks what is bodyless already as not
// this figure's.
func (w *backfillWatch) poll(ctx context.Context, baseline bool) {
	rows, err := w.a.Store.Client.Message.Query().Where(message.BodyLoaded(false), message.IsDraft(false)).
		Select(message.FieldID, message.FieldCreatedAt).All(viewer.System(ctx))
	if err != nil {
		return
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	bodyless := map[string]bool{}
	for _, m := range rows {
		bodyless[m.ID] = true
		if !w.seen[m.ID] {
			w.seen[m.ID] = true
			if !baseline {
				w.stored[m.ID] = m.CreatedAt
			}
		}
	}
	for id := range w.stored {
		if !bodyless[id] && w.filled[id].IsZero() {
			w.filled[id] = now
		}
	}
}

func (w *backfillWatch) run(ctx context.Context) {
	every(ctx, 100*time.Millisecond, func() { w.poll(ctx, false) })
}

// settle waits until every bodyless message seen has its body.
func (w *backfillWatch) settle(d time.Duration) error {
	return waitFor(d, "the body backfill", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return len(w.stored) > 0 && len(w.filled) == len(w.stored)
	})
}

func (w *backfillWatch) report(out io.Writer, logf func(string, ...any), name string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var lats []time.Duration
	within := 0
	for id, at := range w.stored {
		if f, ok := w.filled[id]; ok {
			lats = append(lats, f.Sub(at))
			if f.Sub(at) <= time.Minute {
				within++
			}
		}
	}
	slices.Sort(lats)
	share := 0.0
	if len(w.stored) > 0 {
		share = 100 * float64(within) / float64(len(w.stored))
	}
	fmt.Fprintf(out, "BENCH name=%s bodyless=%d searchable_within_60s_pct=%.1f p50_ms=%.0f p95_ms=%.0f max_ms=%.0f\n",
		name, len(w.stored), share, ms(pct(lats, 0.5)), ms(pct(lats, 0.95)), ms(pct(lats, 1)))
	logf("%s: %d bodyless, %d filled", name, len(w.stored), len(w.filled))
}
