package bench

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/va/vams/internal/app"
	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/platform/config"
)

// assemble builds VAMS the way the benchmark measures it: the real assembly
// (app.New) in demo mode, so its development issuer signs the clients'
// tokens, with no demo data, sync workers never started (provider calls are
// not part of the figures) and a send limit none of its users reaches.
func assemble(ctx context.Context, t Target, dataDir, publicURL string, wrap func(driver.Connector) driver.Connector) (*app.App, error) {
	statements, err := config.StatementCache()
	if err != nil {
		return nil, err
	}
	cfg := config.Config{Mode: config.Demo, DataDir: dataDir, PublicURL: publicURL, DatabaseURL: t.DatabaseURL, OHAuthority: "va", DBStatementCache: statements}
	return app.New(ctx, generous(cfg), app.Options{SkipSeed: true, Log: slog.New(slog.DiscardHandler), WrapConnector: wrap})
}

// generous sets a send limit no simulated user reaches: a few hundred of
// them send far more than any veteran may, yet each send still checks and
// advances the limit as in production (the floors do too).
func generous(cfg config.Config) config.Config {
	cfg.SendsPerHour, cfg.SendBurst = 1e9, 1<<30
	return cfg
}

// ServeConfig says where Serve listens.
type ServeConfig struct {
	Addr         string // public listener, e.g. 127.0.0.1:8080
	OperatorAddr string // operator listener (metrics, /ops/, /debug/pprof/); empty for none
}

// Serve serves VAMS over an existing database, assembled as the benchmark
// measures it (see assemble), until ctx ends. Its development issuer keeps
// its key in dataDir, so `vams token` with the same VAMS_DATA_DIR and
// VAMS_PUBLIC_URL (http://Addr) mints tokens it accepts.
func Serve(ctx context.Context, t Target, dataDir string, c ServeConfig) error {
	a, err := assemble(ctx, t, dataDir, "http://"+c.Addr, nil)
	if err != nil {
		return err
	}
	defer a.Close(context.Background())
	listeners := map[string]http.Handler{c.Addr: a.Handler}
	if c.OperatorAddr != "" {
		// The bench ingest hook (Realtime) rides on the operator listener.
		op := http.NewServeMux()
		op.Handle("POST "+ingestHookPath, ingestHook(a.Inbox))
		op.Handle("/", a.Operator)
		listeners[c.OperatorAddr] = op
	}
	errc := make(chan error, len(listeners))
	var servers []*http.Server
	for addr, h := range listeners {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		servers = append(servers, srv)
		go func() { errc <- srv.Serve(l) }()
	}
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, srv := range servers {
		err = errors.Join(err, srv.Shutdown(shutdown))
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Spawn returns the command that runs Serve in a process of its own over t
// (cmd/vamsbench re-runs itself with -serve).
type Spawn func(t Target, dataDir string, c ServeConfig) *exec.Cmd

// freeAddr picks a loopback port nothing listens on.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startChild runs the server in its own process, so that its profiles hold
// the server alone and not the clients driving it.
func startChild(ctx context.Context, t Target, dataDir string, spawn Spawn, log io.Writer) (*server, *profiler, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	opAddr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	cmd := spawn(t, dataDir, ServeConfig{Addr: addr, OperatorAddr: opAddr})
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}
	base := "http://" + addr
	client := httpClient()
	for deadline := time.Now().Add(2 * time.Minute); ; {
		res, err := client.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			stop()
			return nil, nil, fmt.Errorf("bench server did not start at %s: %v", base, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	iss, err := auth.LoadOrCreateDevIssuer(dataDir, base)
	if err != nil {
		stop()
		return nil, nil, err
	}
	op, err := iss.Issue("0000000000V000000", 6*time.Hour, "operator")
	if err != nil {
		stop()
		return nil, nil, err
	}
	srv := &server{url: base, issuer: iss, client: client, close: stop}
	return srv, &profiler{url: "http://" + opAddr, token: op, client: client}, nil
}

// profiler fetches the server's profiles from its operator listener.
type profiler struct {
	url, token, dir string
	client          *http.Client
}

// start begins a CPU and an allocation profile over d, written to the
// profile directory as name.cpu.pprof and name.allocs.pprof; the returned
// function waits for both.
func (p *profiler) start(ctx context.Context, name string, d time.Duration) func() error {
	secs := strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second)))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs error
	)
	for kind, path := range map[string]string{"cpu": "/debug/pprof/profile", "allocs": "/debug/pprof/allocs"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := p.fetch(ctx, path+"?seconds="+secs, filepath.Join(p.dir, name+"."+kind+".pprof"))
			mu.Lock()
			errs = errors.Join(errs, err)
			mu.Unlock()
		}()
	}
	return func() error { wg.Wait(); return errs }
}

func (p *profiler) fetch(ctx context.Context, path, file string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := p.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 300))
		return fmt.Errorf("profile %s: %d %s", path, res.StatusCode, b)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, res.Body)
	return errors.Join(err, f.Close())
}

// benchDataDir is t's data directory, or a temporary one (named after the
// scenario) that cleanup removes.
func benchDataDir(t Target, scenario string) (dir string, cleanup func(), err error) {
	if t.DataDir != "" {
		return t.DataDir, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "vamsbench-"+scenario)
	if err != nil {
		return "", nil, err
	}
	return tmp, func() { os.RemoveAll(tmp) }, nil
}

// demoApp builds VAMS in demo mode over t's database and dataDir in this
// process, for the scenarios that drive it directly (sync, freshness,
// import), on a server that knows its URL before the app exists; cfg and
// opts carry what the scenario tunes. stop closes the app, then the server.
func demoApp(ctx context.Context, t Target, dataDir string, cfg config.Config, opts app.Options) (a *app.App, baseURL string, stop func(), err error) {
	ts := newLateServer()
	cfg.Mode, cfg.DataDir, cfg.PublicURL, cfg.DatabaseURL, cfg.OHAuthority = config.Demo, dataDir, ts.URL, t.DatabaseURL, demo.OHAuthority
	opts.Log = slog.New(slog.DiscardHandler)
	if a, err = app.New(ctx, generous(cfg), opts); err != nil {
		ts.Close()
		return nil, "", nil, err
	}
	ts.serve(a.Handler)
	return a, ts.URL, func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(c)
		ts.Close()
	}, nil
}

// scenarioApp is demoApp over the scenario's data directory (benchDataDir),
// which stop removes last.
func scenarioApp(ctx context.Context, t Target, scenario string, cfg config.Config, opts app.Options) (*app.App, string, func(), error) {
	dataDir, cleanup, err := benchDataDir(t, scenario)
	if err != nil {
		return nil, "", nil, err
	}
	a, baseURL, stop, err := demoApp(ctx, t, dataDir, cfg, opts)
	if err != nil {
		cleanup()
		return nil, "", nil, err
	}
	return a, baseURL, func() { stop(); cleanup() }, nil
}

// childServer starts VAMS over t in a process of its own (spawn), in t's
// data directory or a temporary one; stop ends the process and removes it.
func childServer(ctx context.Context, t Target, spawn Spawn, log io.Writer) (srv *server, prof *profiler, dataDir string, stop func(), err error) {
	dataDir, cleanup, err := benchDataDir(t, "child")
	if err != nil {
		return nil, nil, "", nil, err
	}
	if srv, prof, err = startChild(ctx, t, dataDir, spawn, log); err != nil {
		cleanup()
		return nil, nil, "", nil, err
	}
	return srv, prof, dataDir, func() { srv.close(); cleanup() }, nil
}
