package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/va/vams/internal/app"
	"github.com/va/vams/internal/platform/config"
	"github.com/va/vams/internal/syncengine"
)

// childEnv makes the test binary run VAMS instead of the tests (TestMain):
// the tests start it as a separate process to kill it. rescueEnv, when set,
// is the child's job timeout, so jobs the killed VAMS left running are
// rescued within seconds rather than minutes. auditEnv, when set, is the
// child's audit interval (reads' batch and the outbox worker's round).
// importWindowEnv, when set, is the slice of history one import step lists
// (SweepWindow), so an import takes several steps to kill it between.
const (
	childEnv        = "VAMS_CRASHTEST_CHILD"
	rescueEnv       = "VAMS_CRASHTEST_JOB_TIMEOUT"
	auditEnv        = "VAMS_CRASHTEST_AUDIT_INTERVAL"
	importWindowEnv = "VAMS_CRASHTEST_IMPORT_WINDOW"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		if err := runVAMS(); err != nil {
			fmt.Fprintln(os.Stderr, "vams child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runVAMS is the child: VAMS in demo mode, configured by the environment
// like `make run`, with the test harness's quick retries.
func runVAMS() error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	eng := syncengine.Config{PollInterval: 50 * time.Millisecond, RetryBase: 100 * time.Millisecond,
		RetryCap: time.Second, BreakerTimeout: time.Second, ImportHorizon: 30 * 24 * time.Hour}
	if d, err := time.ParseDuration(os.Getenv(rescueEnv)); err == nil {
		eng.JobTimeout, eng.RescueAfter = d, d+time.Second
	}
	if d, err := time.ParseDuration(os.Getenv(importWindowEnv)); err == nil {
		eng.SweepWindow = d
	}
	opts := app.Options{Log: slog.New(slog.NewJSONHandler(os.Stderr, nil)), Engine: eng, NoDemoHistory: true}
	if d, err := time.ParseDuration(os.Getenv(auditEnv)); err == nil {
		opts.AuditInterval = d
	}
	a, err := app.New(ctx, cfg, opts)
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return a.Close(context.Background())
}

// proc is a process a test started, with its output kept for failures.
type proc struct {
	cmd *exec.Cmd
	out *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs name with args and env added to the test's environment; it is
// killed when the test ends, and its output logged if the test failed.
func start(t *testing.T, label string, env []string, name string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(name, args...), out: &syncBuffer{}}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", label, err)
	}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			out := p.out.String()
			t.Logf("%s output (tail):\n%s", label, out[max(0, len(out)-4000):])
		}
	})
	return p
}

// kill ends the process with SIGKILL: no shutdown, nothing flushed.
func (p *proc) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	}
}

// listeningURL waits for a simulator's "listening" log line and returns
// its URL.
func (p *proc) listeningURL(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(p.out.String()))
		for sc.Scan() {
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && strings.HasSuffix(line.Msg, "listening") && line.URL != "" {
				return line.URL
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no listening line in:\n%s", p.out.String())
	return ""
}

// buildSimulators builds cmd/mhvsim and cmd/ohsim, the simulators as they
// run in their own processes.
func buildSimulators(t *testing.T) (mhvsim, ohsim string) {
	t.Helper()
	bins := buildCommands(t, "mhvsim", "ohsim")
	return bins[0], bins[1]
}

// buildCommands builds the commands cmd/<name> and returns their paths.
func buildCommands(t *testing.T, names ...string) []string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("needs the go tool to build the simulators")
	}
	dir := t.TempDir()
	var out []string
	for _, c := range names {
		log, err := exec.Command(goTool, "build", "-o", filepath.Join(dir, c), "github.com/va/vams/cmd/"+c).CombinedOutput()
		if err != nil {
			t.Fatalf("build %s: %v\n%s", c, err, log)
		}
		out = append(out, filepath.Join(dir, c))
	}
	return out
}

// freeAddr is a loopback address nothing listens on, so VAMS keeps one
// address across its restarts. Take it just before starting the process
// that listens on it: a port let go may be the next one handed out.
func freeAddr(t *testing.T) string {
	t.Helper()
	return freeAddrs(t, 1)[0]
}

// freeAddrs is n distinct free loopback addresses (held together while
// they are found).
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		out = append(out, ln.Addr().String())
	}
	return out
}

// call does one JSON request and decodes the answer into out (if set).
func call(t *testing.T, method, url, token string, in, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s %s", method, url, resp.Status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, data)
		}
	}
}
