package bench

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"entgo.io/ent/dialect"

	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/platform/config"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
)

// Target is one database to measure: a PostgreSQL URL, or "" with DataDir
// for SQLite.
type Target struct {
	DatabaseURL string
	DataDir     string
}

func (t Target) dialect() string {
	if t.DatabaseURL == "" {
		return dialect.SQLite
	}
	return dialect.Postgres
}

// Options tune a measurement run.
type Options struct {
	Clients     int           // concurrent clients for throughput (32)
	Duration    time.Duration // per operation at Clients
	SingleOps   int           // operations per single-client latency run
	HeavyMix    float64       // share of requests from heavy users
	Out         io.Writer     // BENCH lines
	Log         io.Writer     // progress
	OnlyReads   bool          // inbox and thread only (growth runs)
	NameSuffix  string        // appended to operation names (growth runs)
	SkipFloor   bool
	SkipCounted bool
	// ProfileDir, when set, has the measured server run in a process of its
	// own (Spawn) and receives its CPU and allocation profiles under the
	// Clients load, per operation.
	ProfileDir string
	Spawn      Spawn
}

// GraphQL operations, as the VA.gov app would send them.
const (
	inboxQuery = `query Inbox($folder: ID) { viewer { unreadCount threads(folder: $folder, first: 20) { edges { cursor node {
		id subject category unreadCount messageCount hasAttachments updatedAt
		careTeam { id name facilityName } tags { id name }
		lastMessage { id body sentAt readAt author { kind displayName } } } }
		pageInfo { hasNextPage endCursor } } } }`
	threadQuery = `query Thread($id: ID!) { node(id: $id) { ... on Thread { id subject category unreadCount canReply
		careTeam { id name } folder { id name }
		messages(first: 20) { edges { node { id body sentAt readAt isDraft author { kind displayName }
		attachments { id filename size } } } pageInfo { hasNextPage endCursor } } } } }`
	foldersQuery = `query Folders { viewer { unreadCount folders { id name system unreadCount threadCount } } }`
	searchQuery  = `query Search($q: String!) { viewer { threads(filter: {search: $q}, first: 20) { edges { node {
		id subject lastMessage { id sentAt } } } } } }`
	sendMutation = `mutation Send($in: SendMessageInput!) { sendMessage(input: $in) { thread { id } message { id sentAt } } }`
	markMutation = `mutation Mark($id: ID!) { markThreadRead(input: {threadId: $id}) { thread { id unreadCount } } }`
)

type gqlOp struct {
	name string
	// build returns the operation and the ICN it runs as.
	build func(w *workload, r *rand.Rand) (icn, query string, vars map[string]any)
}

var searchWords = []string{"refill", "appointment", "insulin", "audiology", "copay"}

var gqlOps = []gqlOp{
	{"inbox", func(w *workload, r *rand.Rand) (string, string, map[string]any) {
		u := w.pick(r)
		return u.icn, inboxQuery, map[string]any{"folder": u.inbox}
	}},
	{"thread", func(w *workload, r *rand.Rand) (string, string, map[string]any) {
		u := w.pick(r)
		return u.icn, threadQuery, map[string]any{"id": u.threads[r.IntN(len(u.threads))]}
	}},
	{"folders", func(w *workload, r *rand.Rand) (string, string, map[string]any) {
		return w.pick(r).icn, foldersQuery, nil
	}},
	{"search", func(w *workload, r *rand.Rand) (string, string, map[string]any) {
		return w.pick(r).icn, searchQuery, map[string]any{"q": searchWords[r.IntN(len(searchWords))]}
	}},
	{"send", func(w *workload, r *rand.Rand) (string, string, map[string]any) {
		u := w.pick(r)
		return u.icn, sendMutation, map[string]any{"in": map[string]any{"careTeamId": u.careTeam, "category": "OTHER",
			"subject": "Benchmark question", "body": "Could you tell me when my next appointment is? Thank you."}}
	}},
	{"mark_read", func(w *workload, r *rand.Rand) (string, string, map[string]any) {
		m, ok := w.nextUnread()
		if !ok {
			return "", "", nil // the pool is used up: measure stops this client
		}
		return m.icn, markMutation, map[string]any{"id": m.thread}
	}},
}

// server is a VAMS serving the bench database.
type server struct {
	url    string
	issuer *auth.DevIssuer
	client *http.Client
	tokens sync.Map
	close  func()
}

func (s *server) token(icn string) (string, error) {
	if t, ok := s.tokens.Load(icn); ok {
		return t.(string), nil
	}
	t, err := s.issuer.Issue(icn, 6*time.Hour)
	if err != nil {
		return "", err
	}
	s.tokens.Store(icn, t)
	return t, nil
}

func (s *server) do(ctx context.Context, icn, query string, vars map[string]any) error {
	_, err := s.answer(ctx, icn, query, vars)
	return err
}

// answer runs query as icn and returns the response body.
func (s *server) answer(ctx context.Context, icn, query string, vars map[string]any) ([]byte, error) {
	tok, err := s.token(icn)
	if err != nil {
		return nil, err
	}
	return post(ctx, s.client, s.url+"/graphql", "Bearer "+tok, query, vars)
}

// post sends a GraphQL request (with authorization unless it is empty) and
// returns the body of an answer without errors.
func post(ctx context.Context, c *http.Client, url, authorization, query string, vars map[string]any) ([]byte, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK || bytes.Contains(raw, []byte(`"errors"`)) {
		return nil, fmt.Errorf("graphql %d: %.300s", res.StatusCode, raw)
	}
	return raw, nil
}

func httpClient() *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
}

// startApp starts the benchmark's assembly (see assemble) in this process.
func startApp(ctx context.Context, t Target, dataDir string, wrap func(driver.Connector) driver.Connector) (*server, error) {
	ts := newLateServer()
	a, err := assemble(ctx, t, dataDir, ts.URL, wrap)
	if err != nil {
		ts.Close()
		return nil, err
	}
	ts.serve(a.Handler)
	return &server{url: ts.URL, issuer: a.Issuer, client: httpClient(), close: func() {
		ts.Close()
		_ = a.Close(context.Background())
	}}, nil
}

// startCounted is the same assembly over connections that count every
// statement, the job queue's inserts included (audit appends are batched
// off the request path, so they are not part of an operation's count).
func startCounted(ctx context.Context, t Target, dataDir string) (*server, *storetest.SQLCounter, error) {
	c := &storetest.SQLCounter{}
	srv, err := startApp(ctx, t, dataDir, c.Wrap)
	return srv, c, err
}

// result is one operation's measurement.
type result struct {
	n                 int
	elapsed           time.Duration
	p50, p95, p99     time.Duration
	errors            int
	firstErr          error
	sqlPerOp          float64
	haveSQL, haveRate bool
}

func (r result) line(name string) string {
	sqlv := "n/a"
	if r.haveSQL {
		sqlv = trimFloat(r.sqlPerOp)
	}
	return fmt.Sprintf("BENCH name=%s rps=%.0f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f sql_per_op=%s",
		name, float64(r.n)/r.elapsed.Seconds(), ms(r.p50), ms(r.p95), ms(r.p99), sqlv)
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// measure runs op with c clients, for n operations in total (n > 0) or for
// d, or until op reports errPoolUsed; it reports latency percentiles and
// throughput.
func measure(ctx context.Context, c, n int, d time.Duration, seed uint64, op func(ctx context.Context, r *rand.Rand) error) result {
	var (
		mu    sync.Mutex
		lats  []time.Duration
		errs  int
		first error
		count atomic.Int64
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < c; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			var local []time.Duration
			for {
				if n > 0 {
					if count.Add(1) > int64(n) {
						break
					}
				} else if time.Now().After(deadline) {
					break
				}
				t0 := time.Now()
				err := op(ctx, r)
				if errors.Is(err, errPoolUsed) {
					break
				}
				local = append(local, time.Since(t0))
				if err != nil {
					mu.Lock()
					if errs++; first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	res := result{n: len(lats), elapsed: time.Since(start), errors: errs, firstErr: first, haveRate: true}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	pct := func(p float64) time.Duration {
		if len(lats) == 0 {
			return 0
		}
		return lats[min(len(lats)-1, int(p*float64(len(lats))))]
	}
	res.p50, res.p95, res.p99 = pct(0.50), pct(0.95), pct(0.99)
	return res
}

// Measure runs every operation against t over GraphQL and as the floor,
// printing BENCH and RATIO lines.
func Measure(ctx context.Context, t Target, sz Sizes, o Options) error {
	logf := func(format string, a ...any) { fmt.Fprintf(o.Log, format+"\n", a...) }
	raw, err := openRaw(t)
	if err != nil {
		return err
	}
	defer raw.Close()
	w, err := loadWorkload(ctx, raw, t.dialect(), sz, o.HeavyMix)
	if err != nil {
		return err
	}
	logf("workload: %d heavy users (%d inbox threads shown of their page), %d typical users, %d unread threads to mark",
		len(w.heavy), len(w.heavy[0].threads), len(w.typical), len(w.unread))

	tmp, err := os.MkdirTemp("", "vamsbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dataDir := t.DataDir
	if dataDir == "" {
		dataDir = tmp
	}
	var (
		srv  *server
		prof *profiler
	)
	if o.ProfileDir != "" {
		if err := os.MkdirAll(o.ProfileDir, 0o755); err != nil {
			return err
		}
		srv, prof, err = startChild(ctx, t, dataDir, o.Spawn, o.Log)
		if prof != nil {
			prof.dir = o.ProfileDir
		}
	} else {
		srv, err = startApp(ctx, t, dataDir, nil)
	}
	if err != nil {
		return err
	}
	defer srv.close()
	sqlPer := map[string]float64{}
	if !o.SkipCounted {
		if sqlPer, err = countStatements(ctx, t, dataDir, w, o); err != nil {
			return err
		}
	}

	floors := floorOps(t.dialect())
	for _, op := range gqlOps {
		if o.OnlyReads && op.name != "inbox" && op.name != "thread" {
			continue
		}
		if err := measureOp(ctx, op, srv, prof, raw, w, floors[op.name], sqlPer, o); err != nil {
			return err
		}
	}
	return nil
}

// measureOp measures one operation over GraphQL, one client then
// o.Clients (profiled when prof is set), and then its floor, printing its
// BENCH and RATIO lines.
func measureOp(ctx context.Context, op gqlOp, srv *server, prof *profiler, raw *sql.DB, w *workload, fl floorOp, sqlPer map[string]float64, o Options) error {
	logf := func(format string, a ...any) { fmt.Fprintf(o.Log, format+"\n", a...) }
	run := func(ctx context.Context, r *rand.Rand) error {
		icn, qry, vars := op.build(w, r)
		if icn == "" {
			return errPoolUsed
		}
		return srv.do(ctx, icn, qry, vars)
	}
	// Each measurement of mark read starts from the same unread pool; one
	// that used the pool up before its time says so.
	fresh := func() error {
		if op.name != "mark_read" {
			return nil
		}
		return w.restoreUnread(ctx, raw)
	}
	used := func(what string, r result) {
		if op.name == "mark_read" && r.n >= len(w.unread) {
			logf("%s: the pool of %d unread threads was used up after %.1f s", what, len(w.unread), r.elapsed.Seconds())
		}
	}
	// Warm every user's ICN mapping, verified token and the query cache, as
	// countStatements does: a veteran's first request after sign-in is not
	// what an operation measures. Mark read's pool spans veterans of its own.
	for _, icn := range w.warmICNs(op.name == "mark_read") {
		_ = srv.do(ctx, icn, foldersQuery, nil)
	}
	if err := fresh(); err != nil {
		return err
	}
	single := measure(ctx, 1, o.SingleOps, 0, 11, run)
	used(op.name+" 1 client", single)
	single.sqlPerOp, single.haveSQL = sqlPer[op.name], !o.SkipCounted
	multi := result{}
	if o.Clients > 0 {
		profiled := func() error { return nil }
		if prof != nil {
			profiled = prof.start(ctx, fmt.Sprintf("%s_%dc", op.name+o.NameSuffix, o.Clients), o.Duration)
		}
		if err := fresh(); err != nil {
			return err
		}
		multi = measure(ctx, o.Clients, 0, o.Duration, 13, run)
		used(fmt.Sprintf("%s %d clients", op.name, o.Clients), multi)
		multi.sqlPerOp, multi.haveSQL = single.sqlPerOp, single.haveSQL
		if err := profiled(); err != nil {
			return err
		}
	}
	for _, r := range []result{single, multi} {
		if r.errors > 0 {
			logf("%s: %d errors, first: %v", op.name, r.errors, r.firstErr)
		}
	}
	name := op.name + o.NameSuffix
	fmt.Fprintln(o.Out, single.line(name+"_1c"))
	if multi.n > 0 {
		fmt.Fprintln(o.Out, multi.line(fmt.Sprintf("%s_%dc", name, o.Clients)))
	}
	if o.SkipFloor || o.Clients == 0 {
		return nil
	}
	frun := func(ctx context.Context, r *rand.Rand) error { return fl.run(ctx, raw, w, r) }
	if err := fresh(); err != nil {
		return err
	}
	fsingle := measure(ctx, 1, o.SingleOps, 0, 11, frun)
	used(op.name+" floor 1 client", fsingle)
	if err := fresh(); err != nil {
		return err
	}
	fmulti := measure(ctx, o.Clients, 0, o.Duration, 13, frun)
	used(fmt.Sprintf("%s floor %d clients", op.name, o.Clients), fmulti)
	for _, r := range []*result{&fsingle, &fmulti} {
		r.sqlPerOp, r.haveSQL = float64(fl.statements), true
		if r.errors > 0 {
			logf("%s floor: %d errors, first: %v", op.name, r.errors, r.firstErr)
		}
	}
	fmt.Fprintln(o.Out, fsingle.line(name+"_1c_floor"))
	fmt.Fprintln(o.Out, fmulti.line(fmt.Sprintf("%s_%dc_floor", name, o.Clients)))
	fmt.Fprintf(o.Out, "RATIO name=%s graphql_over_floor_p50_1c=%.2f graphql_over_floor_rps_%dc=%.2f\n", name,
		ms(single.p50)/ms(fsingle.p50), o.Clients,
		(float64(multi.n)/multi.elapsed.Seconds())/(float64(fmulti.n)/fmulti.elapsed.Seconds()))
	return nil
}

// countStatements measures statements per operation: a single client on a
// counting assembly, 20 operations each.
func countStatements(ctx context.Context, t Target, dataDir string, w *workload, o Options) (map[string]float64, error) {
	cs, counter, err := startCounted(ctx, t, dataDir)
	if err != nil {
		return nil, err
	}
	defer cs.close()
	sqlPer := map[string]float64{}
	for _, op := range gqlOps {
		if o.OnlyReads && op.name != "inbox" && op.name != "thread" {
			continue
		}
		r := rand.New(rand.NewPCG(5, 5))
		const reps = 20
		total := 0
		for i := 0; i < reps; i++ {
			icn, qry, vars := op.build(w, r)
			if icn == "" {
				return nil, fmt.Errorf("%s: fewer than %d threads in the pool", op.name, reps)
			}
			// Warm: the first request of a veteran resolves the ICN.
			if err := cs.do(ctx, icn, foldersQuery, nil); err != nil {
				return nil, err
			}
			counter.Reset()
			if err := cs.do(ctx, icn, qry, vars); err != nil {
				return nil, fmt.Errorf("%s: %w", op.name, err)
			}
			total += counter.Count()
		}
		sqlPer[op.name] = float64(total) / reps
	}
	return sqlPer, nil
}

func openRaw(t Target) (*sql.DB, error) {
	if t.DatabaseURL != "" {
		// The floors talk to PostgreSQL as VAMS does (one round trip a
		// statement, the same statements kept prepared).
		statements, err := config.StatementCache()
		if err != nil {
			return nil, err
		}
		return store.OpenPostgres(t.DatabaseURL, statements)
	}
	return store.OpenSQLite(t.DataDir + "/vams.db")
}

// lateServer listens before its handler exists, so the app can be built
// knowing its own public URL; until serve, requests answer 503.
type lateServer struct {
	*httptest.Server
	h atomic.Pointer[http.Handler]
}

func newLateServer() *lateServer {
	s := &lateServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := s.h.Load(); p != nil {
			(*p).ServeHTTP(w, r)
			return
		}
		http.Error(w, "starting", http.StatusServiceUnavailable)
	}))
	return s
}

func (s *lateServer) serve(h http.Handler) { s.h.Store(&h) }
