// Command vamsbench generates a VA-scale data set and measures VAMS on it
// (see docs/performance.md). Sizes and durations come from flags or BENCH_*
// environment variables; the database from VAMS_BENCH_DATABASE_URL, else a
// throwaway PostgreSQL cluster it starts, else SQLite.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq"

	"github.com/va/vams/internal/bench"
	"github.com/va/vams/internal/store"
)

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

func envFloat(k string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(k), 64); err == nil {
		return v
	}
	return def
}

func envDur(k string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

func envStr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func main() {
	def := bench.DefaultSizes
	messages := flag.Int("messages", envInt("BENCH_MESSAGES", def.Messages), "messages (threads and veterans scale with it unless set)")
	threads := flag.Int("threads", envInt("BENCH_THREADS", 0), "threads (default: messages/5)")
	veterans := flag.Int("veterans", envInt("BENCH_VETERANS", 0), "veterans (default: messages/50)")
	clients := flag.Int("clients", envInt("BENCH_CLIENTS", 32), "concurrent clients")
	dur := flag.Duration("duration", envDur("BENCH_DURATION", 5*time.Second), "time per operation at full concurrency")
	single := flag.Int("single", envInt("BENCH_SINGLE_OPS", 300), "operations per single-client latency run")
	growth := flag.String("growth", envStr("BENCH_GROWTH", "10000,100000"), "extra message counts for the growth figures (comma-separated, empty for none)")
	syncN := flag.Int("sync", envInt("BENCH_SYNC", 300), "messages per sync throughput figure (0 skips)")
	reuse := flag.Bool("reuse", os.Getenv("BENCH_REUSE") == "1", "reuse an already generated database of the same size")
	profile := flag.String("profile", os.Getenv("BENCH_PROFILE"), "directory for the server's CPU and allocation profiles under load, per operation (the server then runs in its own process)")
	scenario := flag.String("scenario", os.Getenv("BENCH_SCENARIO"), `parts to run, comma-separated (api, attacks, sync, freshness, import, realtime, generic; see scenarios); empty runs everything`)
	attacks := flag.Int("attacks", envInt("BENCH_ATTACKS", 10), "requests per attack shape, for the server CPU each costs (0 skips)")
	serveAddr := flag.String("serve", "", "only serve VAMS at this address over an existing database (-database or -data-dir), no seeding, sync workers off")
	operatorAddr := flag.String("operator-addr", "", "with -serve: the operator listener (metrics, /ops/, /debug/pprof/)")
	databaseURL := flag.String("database", "", "with -serve: the PostgreSQL URL of the database to serve")
	dataDir := flag.String("data-dir", "", "with -serve: the data directory (the development issuer's key; the SQLite database when -database is empty)")
	fresh := bench.FreshnessOptions{Messages: envInt("BENCH_FRESH_MESSAGES", 20), Backfill: envInt("BENCH_BACKFILL", 1000),
		Bound: envDur("BENCH_FRESH_BOUND", 5*time.Second)}
	flag.IntVar(&fresh.Messages, "fresh", fresh.Messages, "freshness: clinician messages per provider timed from write to visible (0 skips)")
	flag.IntVar(&fresh.Backfill, "backfill", fresh.Backfill, "freshness: bodyless MHV messages for the bench-size body backfill figure")
	flag.DurationVar(&fresh.Bound, "fresh-bound", fresh.Bound, "freshness: the freshness bound (VAMS's default 5s)")
	rt := bench.RealtimeOptions{Subscribers: envInt("BENCH_RT_SUBSCRIBERS", 20000), Devices: envInt("BENCH_RT_DEVICES", 2),
		Rate: envInt("BENCH_RT_RATE", 500), Duration: envDur("BENCH_RT_DURATION", 20*time.Second)}
	flag.IntVar(&rt.Subscribers, "rt-subscribers", rt.Subscribers, "realtime: WebSocket subscribers on one server (0 skips)")
	flag.IntVar(&rt.Devices, "rt-devices", rt.Devices, "realtime: subscribers per veteran")
	flag.IntVar(&rt.Rate, "rt-rate", rt.Rate, "realtime: clinician messages per second in the latency phase")
	flag.DurationVar(&rt.Duration, "rt-duration", rt.Duration, "realtime: length of the latency phase")
	generator := flag.String("generator", "", "only run a realtime load generator against the server at this URL (-data-dir, -gen-first, -gen-count, -rt-devices)")
	genFirst := flag.Int("gen-first", 0, "with -generator: the first subscriber")
	genCount := flag.Int("gen-count", 0, "with -generator: how many subscribers")
	imp := bench.ImportOptions{Veterans: envInt("BENCH_IMPORT_VETERANS", 200), Rate: envFloat("BENCH_IMPORT_RATE", 40),
		ProjectVeterans: envInt("BENCH_IMPORT_PROJECT_VETERANS", 9000000), ProjectRateMHV: envFloat("BENCH_IMPORT_PROJECT_RATE_MHV", 100),
		ProjectRateOH: envFloat("BENCH_IMPORT_PROJECT_RATE_OH", 100), Workers: envInt("BENCH_IMPORT_WORKERS", 0), Seed: 1, Timeout: envDur("BENCH_IMPORT_TIMEOUT", 5*time.Minute)}
	flag.IntVar(&imp.Veterans, "import-veterans", imp.Veterans, "import: veterans whose two years of history are imported (0 skips)")
	flag.Float64Var(&imp.Rate, "import-rate", imp.Rate, "import: requests a second per provider of the rate-limited run")
	genericRounds := flag.Int("generic-rounds", envInt("BENCH_GENERIC_ROUNDS", 3), "generic: alternating rounds of VAMS and PostGraphile")
	flag.Parse()
	if *generator != "" {
		c := bench.GenConfig{URL: *generator, DataDir: *dataDir, First: *genFirst, Count: *genCount, Devices: rt.Devices}
		if err := bench.Subscribers(context.Background(), c, os.Stdin, os.Stdout); err != nil {
			fatal(err)
		}
		return
	}
	if *serveAddr != "" {
		serveOnly(*serveAddr, *operatorAddr, *databaseURL, *dataDir)
		return
	}

	sz := def.Scale(*messages)
	if *threads > 0 {
		sz.Threads = *threads
	}
	if *veterans > 0 {
		sz.Veterans = *veterans
	}
	picked, err := pick(*scenario)
	if err != nil {
		fatal(err)
	}
	ctx := context.Background()
	server, stop, err := database()
	if err != nil {
		fatal(err)
	}
	defer stop()
	r := &run{ctx: ctx, server: server, sz: sz, reuse: *reuse, growth: *growth, syncN: *syncN, attacks: *attacks,
		opts: bench.Options{Clients: *clients, Duration: *dur, SingleOps: *single, HeavyMix: 0.3, Out: os.Stdout, Log: os.Stderr,
			ProfileDir: *profile, Spawn: spawn}, rt: rt, fresh: fresh, genericRounds: *genericRounds}
	imp.Out, imp.Log = os.Stdout, os.Stderr
	r.imp = imp
	r.rt.Out, r.rt.Log, r.rt.Spawn, r.rt.SpawnGenerator, r.rt.ProfileDir = os.Stdout, os.Stderr, spawn, spawnGenerator, *profile
	for _, sc := range picked {
		fmt.Fprintf(os.Stderr, "vamsbench: scenario %s\n", sc.name)
		if err := sc.run(r); err != nil {
			fatal(fmt.Errorf("%s: %w", sc.name, err))
		}
	}
}

// run is what every scenario shares: the database server, the data set's
// size and the knobs from flags.
type run struct {
	ctx     context.Context
	server  string // PostgreSQL server URL, "" for SQLite
	sz      bench.Sizes
	opts    bench.Options
	reuse   bool
	growth  string
	syncN   int
	attacks int
	rt      bench.RealtimeOptions
	fresh   bench.FreshnessOptions
	imp     bench.ImportOptions
	// genericRounds is how many alternating rounds the generic comparison runs.
	genericRounds int
}

// scenario is one part of make bench.
type scenario struct {
	name string
	run  func(*run) error
}

// scenarios are the parts of make bench, in the order a full run takes them;
// BENCH_SCENARIO names one or several (comma-separated), each under 20
// minutes at full size. Add a part by adding a line.
var scenarios = []scenario{
	{"api", runAPI},
	{"attacks", runAttacks},
	{"sync", runSync},
	{"freshness", runFreshness},
	{"import", runImport},
	{"realtime", runRealtime},
	{"generic", runGeneric},
}

// pick returns the scenarios BENCH_SCENARIO names, or all of them.
func pick(names string) ([]scenario, error) {
	if strings.TrimSpace(names) == "" {
		return scenarios, nil
	}
	var out []scenario
	var known []string
	for _, sc := range scenarios {
		known = append(known, sc.name)
	}
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		found := false
		for _, sc := range scenarios {
			if sc.name == n {
				out, found = append(out, sc), true
			}
		}
		if !found {
			return nil, fmt.Errorf("BENCH_SCENARIO %q: want one or more of %s (comma-separated), or nothing for all", n, strings.Join(known, ","))
		}
	}
	return out, nil
}

// runAPI measures every GraphQL operation beside its floor on a copy of the
// generated data set, then the growth sizes.
func runAPI(r *run) error {
	t, dropCopy, err := r.copyOfDataSet()
	if err != nil {
		return err
	}
	defer dropCopy()
	fmt.Printf("# %s: %d veterans, %d threads, %d messages; %d clients, %s per operation\n",
		backend(r.server), r.sz.Veterans, r.sz.Threads, r.sz.Messages, r.opts.Clients, r.opts.Duration)
	if err := bench.Measure(r.ctx, t, r.sz, r.opts); err != nil {
		return err
	}
	// Growth: inbox and thread at other sizes, single client, same proportions.
	fmt.Printf("BENCH_GROWTH size=%d (the run above: inbox_1c, thread_1c)\n", r.sz.Messages)
	for _, f := range strings.Split(r.growth, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || n == r.sz.Messages {
			continue
		}
		gs := r.sz.Scale(n)
		gt, err := prepare(r.ctx, r.server, gs, r.reuse)
		if err != nil {
			return err
		}
		g := r.opts
		g.Clients, g.OnlyReads, g.NameSuffix, g.ProfileDir = 0, true, "_at_"+human(n), ""
		if err := bench.Measure(r.ctx, gt, gs, g); err != nil {
			return err
		}
	}
	return nil
}

// copyOfDataSet generates (or reuses) the data set and returns a copy to
// measure on: a run marks threads read and sends messages, so the generated
// database stays as generated for the next BENCH_REUSE=1.
func (r *run) copyOfDataSet() (bench.Target, func(), error) {
	pristine, err := prepare(r.ctx, r.server, r.sz, r.reuse)
	if err != nil {
		return bench.Target{}, nil, err
	}
	return runCopy(r.server, pristine)
}

// runAttacks measures the server CPU each attack shape costs (no data set).
func runAttacks(r *run) error {
	return r.onFreshDatabase(r.attacks, "vams_bench_attacks", func(at bench.Target) error {
		return bench.Attacks(r.ctx, at, r.attacks, r.opts)
	})
}

// runSync measures delivery, intake and reconciliation with the simulators.
func runSync(r *run) error {
	return r.onFreshDatabase(r.syncN, "vams_bench_sync", func(st bench.Target) error {
		return bench.Sync(r.ctx, st, r.syncN, os.Stdout, os.Stderr)
	})
}

// runFreshness times MHV and OH messages from write to visible for active
// veterans, their listing calls, the inbox with freshness on and off, and
// the body backfill.
func runFreshness(r *run) error {
	return r.onFreshDatabase(r.fresh.Messages, "vams_bench_fresh", func(ft bench.Target) error {
		o := r.fresh
		o.Clients, o.Duration = min(r.opts.Clients, 8), r.opts.Duration
		return bench.Freshness(r.ctx, ft, o, os.Stdout, os.Stderr)
	})
}

// onFreshDatabase runs scenario, when its size n asks for it (n > 0), on a
// fresh database (or SQLite directory) called name.
func (r *run) onFreshDatabase(n int, name string, scenario func(bench.Target) error) error {
	if n <= 0 {
		return nil
	}
	t, err := target(r.server, name, true)
	if err != nil {
		return err
	}
	return scenario(t)
}

// runImport times the first import of a population of veterans from the
// simulators, with the provider rate off and on, and projects it to VA's size.
func runImport(r *run) error {
	if r.imp.Veterans <= 0 {
		return nil
	}
	return bench.Import(r.ctx, func(name string) (bench.Target, error) { return target(r.server, name, true) }, r.imp)
}

// runRealtime holds WebSocket subscribers on one server process and
// measures their memory and commit-to-client latency.
func runRealtime(r *run) error {
	if r.rt.Subscribers <= 0 {
		return nil
	}
	rs, err := prepare(r.ctx, r.server, bench.RealtimeSizes(r.rt), r.reuse)
	if err != nil {
		return err
	}
	fmt.Printf("# realtime on %s: %d WebSocket subscribers wanted, %d per veteran, %d messages/s for %s\n",
		backend(r.server), r.rt.Subscribers, r.rt.Devices, r.rt.Rate, r.rt.Duration)
	return bench.Realtime(r.ctx, rs, r.rt)
}

// runGeneric serves the inbox page from VAMS and from PostGraphile (a stock
// generic GraphQL server) side by side over a copy of the data set.
func runGeneric(r *run) error {
	if r.server == "" {
		fmt.Fprintln(os.Stderr, "vamsbench: generic: PostGraphile needs PostgreSQL; skipped on SQLite")
		return nil
	}
	t, dropCopy, err := r.copyOfDataSet()
	if err != nil {
		return err
	}
	defer dropCopy()
	fmt.Printf("# generic: VAMS beside PostGraphile 4.14.1 on %d messages, %d and 1 connections, %s per measurement, %d rounds\n",
		r.sz.Messages, r.opts.Clients, r.opts.Duration, r.genericRounds)
	return bench.Generic(r.ctx, t, r.sz, bench.GenericOptions{Clients: r.opts.Clients, Duration: r.opts.Duration,
		Rounds: r.genericRounds, PackageDir: filepath.Join("internal", "bench", "generic"), Spawn: spawn, Out: os.Stdout, Log: os.Stderr})
}

func human(n int) string {
	switch {
	case n%1000000 == 0:
		return fmt.Sprintf("%dM", n/1000000)
	case n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "vamsbench:", err)
	os.Exit(1)
}

func backend(server string) string {
	if server == "" {
		return "SQLite"
	}
	return "PostgreSQL"
}

// database returns a PostgreSQL server URL ("" for SQLite) and how to stop
// what was started.
func database() (string, func(), error) {
	if u := os.Getenv("VAMS_BENCH_DATABASE_URL"); u != "" {
		return u, func() {}, nil
	}
	if os.Getenv("BENCH_SQLITE") == "1" {
		fmt.Fprintln(os.Stderr, "vamsbench: BENCH_SQLITE=1: measuring SQLite")
		return "", func() {}, nil
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		fmt.Fprintln(os.Stderr, "vamsbench: no VAMS_BENCH_DATABASE_URL and no PostgreSQL installed (apt-get install postgresql, as .ci/run does):"+
			" FALLING BACK TO SQLITE; these figures are not the PostgreSQL targets")
		return "", func() {}, nil
	}
	dir := envStr("BENCH_PG_DIR", "/tmp/vams-bench-pg")
	port := envStr("BENCH_PG_PORT", "55479")
	out, err := exec.Command("scripts/pg-throwaway.sh", dir, port).Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "vamsbench: starting PostgreSQL failed (%v): FALLING BACK TO SQLITE\n", err)
		return "", func() {}, nil
	}
	u := strings.TrimSpace(string(out))
	fmt.Fprintf(os.Stderr, "vamsbench: started PostgreSQL in %s at %s\n", dir, u)
	bin := filepath.Dir(bins[len(bins)-1])
	return u, func() {
		stop := bin + "/pg_ctl -D " + dir + " stop -m fast"
		c := exec.Command("bash", "-c", stop)
		if os.Getuid() == 0 {
			c = exec.Command("su", "postgres", "-s", "/bin/bash", "-c", stop)
		}
		_ = c.Run()
	}, nil
}

// target makes a fresh database (or SQLite directory) called name.
func target(server, name string, fresh bool) (bench.Target, error) {
	if server == "" {
		dir := filepath.Join(os.TempDir(), name)
		if fresh {
			if err := os.RemoveAll(dir); err != nil {
				return bench.Target{}, err
			}
		}
		return bench.Target{DataDir: dir}, os.MkdirAll(dir, 0o700)
	}
	admin, err := sql.Open("postgres", server)
	if err != nil {
		return bench.Target{}, err
	}
	defer admin.Close()
	if fresh {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			return bench.Target{}, err
		}
		if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
			return bench.Target{}, err
		}
	}
	u, err := url.Parse(server)
	if err != nil {
		return bench.Target{}, err
	}
	u.Path = "/" + name
	return bench.Target{DatabaseURL: u.String()}, nil
}

// prepare returns a database holding a data set of size sz, generating it
// unless reuse finds one.
func prepare(ctx context.Context, server string, sz bench.Sizes, reuse bool) (bench.Target, error) {
	name := fmt.Sprintf("vams_bench_%d_%d_%d", sz.Veterans, sz.Threads, sz.Messages)
	if reuse {
		t, err := target(server, name, false)
		if err == nil {
			if s, err := store.Open(ctx, store.Config{DatabaseURL: t.DatabaseURL, DataDir: t.DataDir}); err == nil {
				var n int
				err := s.DB.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages").Scan(&n)
				s.Close()
				if err == nil && n >= sz.Messages {
					fmt.Fprintf(os.Stderr, "vamsbench: reusing %s (%d messages)\n", name, n)
					return t, nil
				}
			}
		}
	}
	t, err := target(server, name, true)
	if err != nil {
		return t, err
	}
	s, err := store.Open(ctx, store.Config{DatabaseURL: t.DatabaseURL, DataDir: t.DataDir})
	if err != nil {
		return t, err
	}
	defer s.Close()
	return t, bench.Generate(ctx, s, sz, os.Stderr)
}

// runCopy copies a generated database for one run: a PostgreSQL database
// made from it as a template, or a copy of the SQLite directory. The
// returned function drops the copy.
func runCopy(server string, src bench.Target) (bench.Target, func(), error) {
	if server == "" {
		dst := src.DataDir + "_run"
		if err := os.RemoveAll(dst); err != nil {
			return bench.Target{}, nil, err
		}
		if err := os.CopyFS(dst, os.DirFS(src.DataDir)); err != nil {
			return bench.Target{}, nil, err
		}
		return bench.Target{DataDir: dst}, func() { _ = os.RemoveAll(dst) }, nil
	}
	su, err := url.Parse(src.DatabaseURL)
	if err != nil {
		return bench.Target{}, nil, err
	}
	name := strings.TrimPrefix(su.Path, "/") + "_run"
	admin, err := sql.Open("postgres", server)
	if err != nil {
		return bench.Target{}, nil, err
	}
	drop := func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	}
	start := time.Now()
	if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
		admin.Close()
		return bench.Target{}, nil, err
	}
	// FILE_COPY: a file-level copy, much faster than WAL-logging a large one.
	if _, err := admin.Exec("CREATE DATABASE " + name + " TEMPLATE " + strings.TrimPrefix(su.Path, "/") + " STRATEGY FILE_COPY"); err != nil {
		admin.Close()
		return bench.Target{}, nil, fmt.Errorf("copy of %s: %w", su.Path, err)
	}
	fmt.Fprintf(os.Stderr, "vamsbench: measuring on %s, a copy made in %s\n", name, time.Since(start).Round(time.Millisecond))
	su.Path = "/" + name
	return bench.Target{DatabaseURL: su.String()}, drop, nil
}

// spawn re-runs this command with -serve over t (the server of a profiled
// run, in a process of its own).
func spawn(t bench.Target, dataDir string, c bench.ServeConfig) *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	return exec.Command(self, "-serve", c.Addr, "-operator-addr", c.OperatorAddr, "-database", t.DatabaseURL, "-data-dir", dataDir)
}

// spawnGenerator re-runs this command with -generator: one realtime load
// generator in a process of its own.
func spawnGenerator(c bench.GenConfig) *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	return exec.Command(self, "-generator", c.URL, "-data-dir", c.DataDir, "-gen-first", strconv.Itoa(c.First),
		"-gen-count", strconv.Itoa(c.Count), "-rt-devices", strconv.Itoa(c.Devices))
}

// serveOnly serves VAMS over an existing database until interrupted.
func serveOnly(addr, operatorAddr, databaseURL, dataDir string) {
	if dataDir == "" {
		fatal(fmt.Errorf("-serve needs -data-dir (the development issuer's key; the SQLite database without -database)"))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "vamsbench: serving http://%s (operator listener %q); tokens: VAMS_DATA_DIR=%s VAMS_PUBLIC_URL=http://%s go run . token --icn %s\n",
		addr, operatorAddr, dataDir, addr, bench.ICN(0))
	t := bench.Target{DatabaseURL: databaseURL, DataDir: dataDir}
	if databaseURL != "" {
		t.DataDir = ""
	}
	if err := bench.Serve(ctx, t, dataDir, bench.ServeConfig{Addr: addr, OperatorAddr: operatorAddr}); err != nil {
		fatal(err)
	}
}
