// Package clients holds the client contract suite: real GraphQL clients
// (Apollo Client 3, urql, graphql-ws, graphql-sse) and the graphql-http
// server audit, in Node, run against a VAMS that this test starts in demo
// mode.
package clients

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
)

// TestClientContract runs `node --test test/*.test.js` with the server's
// GraphQL URL and each demo veteran's token and ICN (VAMS_GRAPHQL_URL,
// VAMS_TOKEN_1…, VAMS_ICN_1…). Node's report is logged; with
// VAMS_CLIENT_REPORT set it is also written to that file, so CI can show the
// audit's warnings.
func TestClientContract(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		vamstest.MissingTool(t, "node is not installed")
	}
	if _, err := os.Stat("node_modules"); err != nil {
		vamstest.MissingTool(t, "clients/node_modules is missing: run `npm ci --no-audit --no-fund` in clients/")
	}
	// MHV has no push: a live subscription keeps VAMS checking MHV once per
	// FreshnessBound, short here so realtime.test.js's MHV message arrives
	// well within its wait.
	s := vamstest.NewSystem(t, storetest.Backends(t)[0], vamstest.SystemOptions{DemoHistory: true,
		Engine: syncengine.Config{FreshnessBound: 500 * time.Millisecond}})
	env := append(os.Environ(), "VAMS_GRAPHQL_URL="+s.URL+"/graphql", "NO_COLOR=1")
	for i, v := range demo.Directory.Veterans {
		env = append(env, fmt.Sprintf("VAMS_TOKEN_%d=%s", i+1, s.Token(v.ICN)), fmt.Sprintf("VAMS_ICN_%d=%s", i+1, v.ICN))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	files, err := filepath.Glob("test/*.test.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test/*.test.js: %v", err)
	}
	cmd := exec.CommandContext(ctx, node, append([]string{"--test", "--test-reporter=spec"}, files...)...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("node --test:\n%s", out.String())
	if path := os.Getenv("VAMS_CLIENT_REPORT"); path != "" {
		if werr := os.WriteFile(path, out.Bytes(), 0o644); werr != nil {
			t.Errorf("writing the report: %v", werr)
		}
	}
	if err != nil {
		t.Fatalf("client contract suite failed: %v", err)
	}
}
