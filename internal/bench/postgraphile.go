package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// PostGraphile in a process of its own, for the generic comparison
// (generic.go): installed from its lockfile, started, stopped, and its CPU
// time read.

// postgraphileBin returns the pinned PostGraphile's command, installing the
// package from its lockfile first when it is not installed.
func postgraphileBin(ctx context.Context, dir string, log io.Writer) (string, error) {
	bin := filepath.Join(dir, "node_modules", ".bin", "postgraphile")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	fmt.Fprintf(log, "generic: installing PostGraphile in %s (npm ci)\n", dir)
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, log, log
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("generic: npm ci in %s: %w", dir, err)
	}
	return bin, nil
}

// genericServer is PostGraphile in its own process.
type genericServer struct {
	cmd    *exec.Cmd
	url    string
	client *http.Client
}

func (g *genericServer) stop() {
	_ = g.cmd.Process.Signal(os.Interrupt)
	_ = g.cmd.Wait()
}

// startPostGraphile serves databaseURL's public schema with PostGraphile's
// defaults, its per-request query log and GraphiQL off, and waits until it
// answers.
func startPostGraphile(ctx context.Context, bin, databaseURL string, log io.Writer) (*genericServer, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(addr, ":")
	cmd := exec.CommandContext(ctx, bin, "-c", databaseURL, "--schema", "public", "--host", host, "--port", port,
		"--disable-query-log", "--disable-graphiql")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &genericServer{cmd: cmd, url: "http://" + addr + "/graphql", client: httpClient()}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		_, err := post(ctx, g.client, g.url, "", `{ __typename }`, nil)
		if err == nil {
			return g, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			g.stop()
			return nil, fmt.Errorf("generic: PostGraphile did not start at %s: %v", g.url, err)
		}
	}
}

// procCPUSeconds is a process's user and system CPU time (Linux /proc).
func procCPUSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is the first, utime the 12th and stime the 13th.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return (ut + st) / 100, nil // USER_HZ is 100 on Linux
}
