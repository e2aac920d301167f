package vamstest

import (
	"bytes"
	"context"
	"encoding/json"
	"github.com/va/vams/internal/platform/clock"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/va/vams/internal/app"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/config"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/providers/mhv/mhvsim"
	"github.com/va/vams/providers/oh/ohsim"
)

// System is the whole of VAMS in demo mode — demo data, both simulators,
// the sync engine's workers — serving on a loopback port, as `make run` does.
type System struct {
	T      testing.TB
	App    *app.App
	Server *httptest.Server
	URL    string
	Log    *LogBuffer

	cfg     config.Config
	opts    app.Options
	handler atomic.Pointer[http.Handler]
}

// SystemOptions tune NewSystem.
type SystemOptions struct {
	Engine syncengine.Config
	// NoAtomPush makes the OH simulator publish nothing, so OH messages
	// arrive only through reconciliation.
	NoAtomPush bool
	// DemoHistory puts the demo mailboxes in the simulators, as `make run`
	// does, for VAMS to import (slow under -race: use it where a test needs
	// the history). Without it they hold the demo directory only.
	DemoHistory bool
	// NoImportWait returns at once: by default NewSystem starts the first
	// import and waits until it (and, with DemoHistory, the VAMS-only demo
	// data) is done.
	NoImportWait bool
	// Clock is VAMS's time (inbox and sync engine); default the system's.
	Clock clock.Clock
	// CutoverSchedule is the path of a cutover schedule file
	// (VAMS_CUTOVER_SCHEDULE).
	CutoverSchedule string
	// AdjustOHSim changes the OH simulator's configuration (extra pools).
	AdjustOHSim func(*ohsim.Config)
	// SendLimit replaces demo mode's send limit (VAMS_SEND_LIMIT_PER_HOUR,
	// VAMS_SEND_LIMIT_BURST) when set.
	SendLimit inbox.SendLimit
}

// NewSystem starts VAMS on backend b.
func NewSystem(t testing.TB, b storetest.Backend, opts ...SystemOptions) *System {
	t.Helper()
	o := optional(opts)
	s := &System{T: t, Log: &LogBuffer{}}
	// The server exists before VAMS so that its URL is known to the
	// simulators (the OH simulator pushes to it); requests wait for a handler.
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := s.handler.Load()
		if h == nil {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		(*h).ServeHTTP(w, r)
	}))
	s.Server.Start()
	t.Cleanup(s.Server.Close)
	s.URL = s.Server.URL
	s.cfg = config.Config{Mode: config.Demo, DataDir: t.TempDir(), PublicURL: s.URL, DatabaseURL: b.DatabaseURL(t), OHAuthority: "va",
		CutoverSchedule: o.CutoverSchedule, SendsPerHour: o.SendLimit.PerHour, SendBurst: o.SendLimit.Burst}
	e := o.Engine
	e.PollInterval = cmp(e.PollInterval, 20*time.Millisecond)
	e.RetryBase = cmp(e.RetryBase, 50*time.Millisecond)
	e.RetryCap = cmp(e.RetryCap, 400*time.Millisecond)
	e.BreakerTimeout = cmp(e.BreakerTimeout, 300*time.Millisecond)
	e.EchoWait = cmp(e.EchoWait, 3*time.Second)
	e.ImportHorizon = cmp(e.ImportHorizon, demoHorizon)
	ao := app.Options{Engine: e, NoDemoHistory: !o.DemoHistory, Clock: o.Clock}
	ao.AdjustOHSim = func(c *ohsim.Config) {
		if o.NoAtomPush {
			c.PublicationURL = ""
		}
		if o.AdjustOHSim != nil {
			o.AdjustOHSim(c)
		}
	}
	s.opts = ao
	s.start(ao)
	if !o.NoImportWait {
		s.WaitForImport()
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log (tail):\n%s", tail(s.Log.String(), 6000))
		}
	})
	return s
}

// demoHorizon bounds the first import in tests: the demo history spans the
// last 120 days, so walking back the production two years would only add
// empty windows (each one a full thread walk at MHV).
const demoHorizon = 130 * 24 * time.Hour

func cmp(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (s *System) start(o app.Options) {
	s.T.Helper()
	o.Log = slog.New(slog.NewJSONHandler(s.Log, nil))
	a, err := app.New(context.Background(), s.cfg, o)
	if err != nil {
		s.T.Fatal(err)
	}
	h := a.Handler
	s.handler.Store(&h)
	if err := a.Start(context.Background()); err != nil {
		s.T.Fatal(err)
	}
	s.App = a
	s.T.Cleanup(func() { s.stop() })
}

func (s *System) stop() {
	if s.App == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.App.Close(ctx)
	s.App = nil
}

// Restart stops VAMS (workers, store) and starts it again on the same
// database and clock, while the providers (simulators) keep their state.
func (s *System) Restart(engine syncengine.Config) {
	s.T.Helper()
	mhv, oh := s.App.MHVSim, s.App.OHSim
	s.handler.Store(nil)
	s.stop()
	engine.PollInterval = cmp(engine.PollInterval, 20*time.Millisecond)
	engine.RetryBase = cmp(engine.RetryBase, 50*time.Millisecond)
	engine.RetryCap = cmp(engine.RetryCap, 400*time.Millisecond)
	engine.BreakerTimeout = cmp(engine.BreakerTimeout, 300*time.Millisecond)
	engine.ImportHorizon = cmp(engine.ImportHorizon, demoHorizon)
	s.start(app.Options{Engine: engine, SkipSeed: true, MHVSim: mhv, OHSim: oh, Clock: s.opts.Clock})
}

// RestartAll stops VAMS and its simulators and starts everything again on
// the same data directory and database, as a restart of `make run` does:
// the simulators resume from their state files.
func (s *System) RestartAll() {
	s.T.Helper()
	s.handler.Store(nil)
	s.stop()
	s.start(s.opts)
}

// WaitForImport starts a reconciliation (the first import of every demo
// veteran) and waits until it is complete and, with DemoHistory, the
// VAMS-only demo data (tags, Travel Claims, drafts) is in.
func (s *System) WaitForImport() {
	s.T.Helper()
	ctx := context.Background()
	if err := s.App.Engine.ScheduleReconcile(ctx); err != nil {
		s.T.Fatal(err)
	}
	Eventually(s.T, 2*time.Minute, "the first import", func() bool {
		done, err := demo.Imported(ctx, s.App.Store)
		if err == nil && done && !s.opts.NoDemoHistory {
			done, err = demo.Applied(ctx, s.App.Store, s.cfg.DataDir)
		}
		if err != nil {
			s.T.Fatal(err)
		}
		return done
	})
}

// DataDir is the demo's data directory (database, state files, keys).
func (s *System) DataDir() string { return s.cfg.DataDir }

// MHV and OH return the running simulators.
func (s *System) MHV() *mhvsim.Simulator { return s.App.MHVSim }
func (s *System) OH() *ohsim.Simulator   { return s.App.OHSim }

// Token issues a bearer token for icn from the demo issuer.
func (s *System) Token(icn string) string {
	tok, err := s.App.Issuer.Issue(icn, time.Hour)
	if err != nil {
		s.T.Fatal(err)
	}
	return tok
}

// Do posts a GraphQL operation as icn.
func (s *System) Do(icn, query string, vars map[string]any) Response {
	s.T.Helper()
	return post(s.T, s.URL, s.Token(icn), query, vars)
}

// DoUpload posts an operation with files as icn.
func (s *System) DoUpload(icn, query string, vars map[string]any, files []Upload) Response {
	s.T.Helper()
	return postUpload(s.T, s.URL, s.Token(icn), query, vars, files)
}

// MustDo decodes the data of a successful operation into out.
func (s *System) MustDo(icn, query string, vars map[string]any, out any) {
	s.T.Helper()
	s.Do(icn, query, vars).Decode(s.T, out)
}

// Control calls a simulator's control API (provider "mhv" or "oh") and
// decodes the JSON answer into out (may be nil).
func (s *System) Control(provider, method, path string, in, out any) int {
	s.T.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL+"/sim/"+provider+"/control/"+path, body)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.T.Fatalf("control %s %s: %v", provider, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		s.T.Fatalf("control %s %s: %d %s", provider, path, res.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			s.T.Fatalf("control %s %s: %v: %s", provider, path, err, raw)
		}
	}
	return res.StatusCode
}

// SimMessage is one entry of GET /control/messages.
type SimMessage struct {
	ID        string `json:"id"`
	Direction string `json:"direction"`
	CareTeam  string `json:"careTeam"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
	Status    string `json:"status"`
	InReplyTo string `json:"inReplyTo"`
}

// SimMessages lists what a provider holds for icn.
func (s *System) SimMessages(provider, icn string) []SimMessage {
	var out []SimMessage
	s.Control(provider, http.MethodGet, "messages?icn="+icn, nil, &out)
	return out
}

// Eventually polls cond until it holds or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Call sends a bodiless request to path with a bearer token (an operator's
// for /ops/) and decodes a JSON answer into out (may be nil).
func (s *System) Call(method, path, token string, out any) int {
	s.T.Helper()
	req, _ := http.NewRequest(method, s.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.T.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}
