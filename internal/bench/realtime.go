package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/va/vams/internal/platform/defaults"
)

// RealtimeOptions size the real-time benchmark (Realtime).
type RealtimeOptions struct {
	Subscribers  int           // WebSocket subscribers wanted on the one server (20,000)
	Devices      int           // subscribers per veteran (2; the server caps it at 10)
	Rate         int           // clinician messages per second in the latency phase (500)
	Duration     time.Duration // of the latency phase (20s)
	PerGenerator int           // subscribers per load-generator process (10,000)
	Out, Log     io.Writer
	// Spawn runs the server in its own process; SpawnGenerator runs one
	// load generator (Subscribers) in its own process.
	Spawn          Spawn
	SpawnGenerator func(GenConfig) *exec.Cmd
	// ProfileDir, when set, receives the server's heap profile with every
	// subscriber connected (realtime.heap.pprof) and its CPU profile over
	// the latency phase (realtime.cpu.pprof).
	ProfileDir string
}

func (o *RealtimeOptions) defaults() {
	defaults.Positive(&o.Subscribers, 20000)
	defaults.Positive(&o.Devices, 2)
	defaults.Positive(&o.Rate, 500)
	defaults.Positive(&o.Duration, 20*time.Second)
	defaults.Positive(&o.PerGenerator, 10000)
}

// RealtimeSizes is the data set of the real-time benchmark: one thread of
// one message per veteran, enough veterans for every subscriber (Devices per
// veteran), so generation takes seconds.
func RealtimeSizes(o RealtimeOptions) Sizes {
	o.defaults()
	v := (o.Subscribers + o.Devices - 1) / o.Devices
	return Sizes{Veterans: v, Threads: v, Messages: v, Seed: 1}
}

// serverFDReserve is the open files the server needs besides its
// subscribers' sockets: listeners, database connections, the SQLite files,
// epoll, stdio, with room to spare.
const serverFDReserve = 200

// realtimeSubscription is what every generated client subscribes to: the
// event a clinician's message triggers.
const realtimeSubscription = `subscription { messageReceived { state message { id sentAt } thread { id unreadCount } } }`

// raiseFileLimit lifts this process's soft open-files limit to the hard one
// and returns the hard limit.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, err
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return l.Max, err
		}
	}
	return l.Max, nil
}

// Realtime measures WebSocket subscribers on one VAMS server in its own
// process, held by load generators in processes of their own: the server's
// memory per idle connection (RSS, Go heap and goroutine stacks after all
// connected minus before, over the count), then commit-to-client latency
// while o.Rate clinician messages a second are ingested through the domain
// core in the server (the bench ingest hook, stamped when the transaction
// has committed), spread over the subscribed veterans, with the server's
// CPU over that phase. The server's open-files hard limit bounds the count:
// when it is below o.Subscribers plus serverFDReserve, the count reached is
// printed with the count wanted.
func Realtime(ctx context.Context, t Target, o RealtimeOptions) error {
	o.defaults()
	if o.Spawn == nil || o.SpawnGenerator == nil {
		return errors.New("realtime: the server and the load generators must run in processes of their own (Spawn, SpawnGenerator)")
	}
	logf := func(format string, a ...any) { fmt.Fprintf(o.Log, "realtime: "+format+"\n", a...) }
	hard, err := raiseFileLimit()
	if err != nil {
		return err
	}
	n := o.Subscribers
	if room := int(hard) - serverFDReserve; n > room {
		logf("the open-files hard limit is %d: %d subscribers wanted, %d fit on one server process", hard, n, room)
		n = room
	}
	vets, err := realtimeVeterans(ctx, t, (n+o.Devices-1)/o.Devices)
	if err != nil {
		return err
	}
	srv, prof, dataDir, stop, err := childServer(ctx, t, o.Spawn, o.Log)
	if err != nil {
		return err
	}
	defer stop()
	heapFile := os.DevNull
	if o.ProfileDir != "" {
		if err := os.MkdirAll(o.ProfileDir, 0o755); err != nil {
			return err
		}
		heapFile = filepath.Join(o.ProfileDir, "realtime.heap.pprof")
	}
	// One subscriber first, so that what every connection shares (the
	// schema's caches, the first goroutines) is in the baseline.
	warm, err := startGenerators(ctx, o, GenConfig{URL: srv.url, DataDir: dataDir, First: 0, Count: 1, Devices: o.Devices}, 1)
	if err != nil {
		return err
	}
	if err := prof.waitSubscribers(ctx, 1); err != nil {
		warm.stop()
		return err
	}
	before, err := prof.memory(ctx, os.DevNull)
	if err != nil {
		warm.stop()
		return err
	}
	start := time.Now()
	gens, err := startGenerators(ctx, o, GenConfig{URL: srv.url, DataDir: dataDir, Devices: o.Devices}, n)
	if err != nil {
		warm.stop()
		return err
	}
	defer gens.stop()
	defer warm.stop()
	connected, failed := gens.connected, gens.failed
	logf("%d subscribers connected, %d failed (%s), in %s", connected, failed, gens.firstErr, time.Since(start).Round(time.Millisecond))
	if err := prof.waitSubscribers(ctx, 1+connected); err != nil {
		return err
	}
	idle := 5 * time.Second
	cpu0, err := prof.cpuSeconds(ctx)
	if err != nil {
		return err
	}
	time.Sleep(idle)
	cpu1, err := prof.cpuSeconds(ctx)
	if err != nil {
		return err
	}
	after, err := prof.memory(ctx, heapFile)
	if err != nil {
		return err
	}
	per := func(k string) float64 { return (after[k] - before[k]) / float64(max(1, connected)) }
	fmt.Fprintf(o.Out, "BENCH name=realtime_idle subscribers=%d wanted=%d failed=%d veterans=%d rss_kb_per_conn=%.1f heap_kb_per_conn=%.1f stack_kb_per_conn=%.1f goroutines_per_conn=%.2f idle_cpu_pct=%.1f target_kb=20\n",
		connected, o.Subscribers, failed, len(vets), per("process_resident_memory_bytes")/1024, per("go_memstats_heap_inuse_bytes")/1024,
		per("go_memstats_stack_inuse_bytes")/1024, per("go_goroutines"), 100*(cpu1-cpu0)/idle.Seconds())

	// The latency phase.
	subscribed := (connected + o.Devices - 1) / o.Devices
	logf("%d messages a second for %s over %d veterans", o.Rate, o.Duration, subscribed)
	cpu0, err = prof.cpuSeconds(ctx)
	if err != nil {
		return err
	}
	cpuProfile := make(chan error, 1)
	if o.ProfileDir != "" {
		go func() {
			cpuProfile <- prof.fetch(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(1, int(o.Duration.Seconds()))),
				filepath.Join(o.ProfileDir, "realtime.cpu.pprof"))
		}()
	} else {
		cpuProfile <- nil
	}
	ph, err := drive(ctx, prof, vets[:subscribed], o.Rate, o.Duration)
	if err != nil {
		return err
	}
	if err := <-cpuProfile; err != nil {
		return err
	}
	cpu1, err = prof.cpuSeconds(ctx)
	if err != nil {
		return err
	}
	expected := 0
	for _, c := range ph.commits {
		expected += min(o.Devices, n-c.vet*o.Devices)
	}
	// Deliveries still in flight: wait for them, at most 15 s.
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		got, err := gens.count()
		if err != nil {
			return err
		}
		if got >= expected {
			break
		}
	}
	receipts, err := gens.report()
	if err != nil {
		return err
	}
	j := joinReceipts(ph.commits, receipts)
	lat := percentiles(j.latencies, 0.5, 0.9, 0.99, 1)
	ing := percentiles(ph.ingest, 0.5, 0.99)
	secs := ph.elapsed.Seconds()
	fmt.Fprintf(o.Out, "BENCH name=realtime_latency subscribers=%d rate_wanted=%d rate=%.0f messages=%d deliveries=%d expected=%d missing=%d unknown=%d p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f ingest_p50_ms=%.1f ingest_p99_ms=%.1f server_cpu_pct=%.0f cpu_ms_per_msg=%.2f target_p99_ms=100\n",
		connected, o.Rate, float64(len(ph.commits))/secs, len(ph.commits), len(j.latencies), expected, expected-len(j.latencies), j.unknown,
		ms(lat[0]), ms(lat[1]), ms(lat[2]), ms(lat[3]), ms(ing[0]), ms(ing[1]), 100*(cpu1-cpu0)/secs, 1000*(cpu1-cpu0)/float64(max(1, len(ph.commits))))
	return nil
}

// rtVeteran is a generated veteran and the care team a bench clinician
// writes from.
type rtVeteran struct {
	id, provider, careTeam string
}

// realtimeVeterans reads generated veterans 0..n-1 and each one's preferred
// care team.
func realtimeVeterans(ctx context.Context, t Target, n int) ([]rtVeteran, error) {
	db, err := openRaw(t)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT v.icn, v.id, c.provider, c.provider_id FROM veterans v
		JOIN associations a ON a.veteran_id = v.id AND a.preferred
		JOIN care_teams c ON c.id = a.care_team_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byICN := map[string]rtVeteran{}
	for rows.Next() {
		var icn string
		var v rtVeteran
		if err := rows.Scan(&icn, &v.id, &v.provider, &v.careTeam); err != nil {
			return nil, err
		}
		byICN[icn] = v
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]rtVeteran, n)
	for i := range out {
		v, ok := byICN[ICN(i)]
		if !ok {
			return nil, fmt.Errorf("realtime: generated veteran %d (%s) is missing: %d veterans in the database", i, ICN(i), len(byICN))
		}
		out[i] = v
	}
	return out, nil
}

// commit is one message the hook ingested: whose, and when its transaction
// had committed.
type commit struct {
	vet int
	at  int64 // Unix nanoseconds
}

type phase struct {
	commits map[string]commit // by message id
	ingest  []time.Duration   // hook time per message, request to commit
	elapsed time.Duration
}

// drive ingests rate messages a second for d, each for a veteran picked at
// random, through the server's bench ingest hook. A server that cannot keep
// up gets fewer: the phase ends at d (the rate reached is reported).
func drive(ctx context.Context, p *profiler, vets []rtVeteran, rate int, d time.Duration) (phase, error) {
	total := int(float64(rate) * d.Seconds())
	ph := phase{commits: make(map[string]commit, total)}
	var (
		next  atomic.Int64
		mu    sync.Mutex
		wg    sync.WaitGroup
		first error
	)
	start := time.Now().Add(50 * time.Millisecond)
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(7, uint64(w)))
			for {
				k := int(next.Add(1) - 1)
				if k >= total || ctx.Err() != nil || time.Now().After(start.Add(d)) {
					return
				}
				time.Sleep(time.Until(start.Add(time.Duration(k) * time.Second / time.Duration(rate))))
				vi := r.IntN(len(vets))
				sent := time.Now()
				res, err := p.ingest(ctx, vets[vi], k)
				mu.Lock()
				if err != nil {
					if first == nil {
						first = err
					}
				} else {
					ph.commits[res.ID] = commit{vet: vi, at: res.Committed}
					ph.ingest = append(ph.ingest, time.Unix(0, res.Committed).Sub(sent))
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	ph.elapsed = time.Since(start)
	return ph, first
}

// waitSubscribers waits until the server holds at least n subscriptions.
func (p *profiler) waitSubscribers(ctx context.Context, n int) error {
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		m, err := p.metrics(ctx, "vams_subscribers")
		if err != nil {
			return err
		}
		if int(m["vams_subscribers"]) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("realtime: the server holds %v subscriptions, want %d", m["vams_subscribers"], n)
		}
	}
}

var memoryMetrics = []string{"process_resident_memory_bytes", "go_memstats_heap_inuse_bytes", "go_memstats_stack_inuse_bytes", "go_goroutines"}

// memory collects garbage in the server (through its heap profile, written
// to file) and then reads its memory metrics.
func (p *profiler) memory(ctx context.Context, file string) (map[string]float64, error) {
	if err := p.fetch(ctx, "/debug/pprof/heap?gc=1", file); err != nil {
		return nil, err
	}
	return p.metrics(ctx, memoryMetrics...)
}

// metrics reads unlabelled metrics from the server's /metrics.
func (p *profiler) metrics(ctx context.Context, names ...string) (map[string]float64, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/metrics", nil)
	res, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	return parseMetrics(res.Body, names...)
}

// parseMetrics picks the named unlabelled samples out of a Prometheus text
// exposition; a name missing from it is an error.
func parseMetrics(r io.Reader, names ...string) (map[string]float64, error) {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if !ok || !slices.Contains(names, name) {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, fmt.Errorf("metric %s: %w", name, err)
		}
		out[name] = f
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("no %s in the server's metrics", n)
		}
	}
	return out, nil
}

// receipt is one event a generated client received: the message it named
// and when it arrived.
type receipt struct {
	id string
	at int64 // Unix nanoseconds
}

type joined struct {
	latencies []time.Duration // commit to client, one per delivery
	unknown   int             // receipts of messages not ingested in the phase
}

// joinReceipts pairs each receipt with its message's commit.
func joinReceipts(commits map[string]commit, receipts []receipt) joined {
	var j joined
	for _, r := range receipts {
		c, ok := commits[r.id]
		if !ok {
			j.unknown++
			continue
		}
		j.latencies = append(j.latencies, time.Duration(r.at-c.at))
	}
	return j
}

// percentiles returns the nearest-rank percentile of ds for each p in
// (0, 1]; all zero when ds is empty. ds is sorted in place.
func percentiles(ds []time.Duration, ps ...float64) []time.Duration {
	out := make([]time.Duration, len(ps))
	if len(ds) == 0 {
		return out
	}
	slices.Sort(ds)
	for i, p := range ps {
		k := int(p*float64(len(ds))+0.999999) - 1
		out[i] = ds[min(len(ds)-1, max(0, k))]
	}
	return out
}
