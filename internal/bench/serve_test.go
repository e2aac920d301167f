package bench_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/bench"
	"github.com/va/vams/internal/store"
)

// Serve answers over a database it did not seed, with tokens of the
// development issuer whose key is in the data directory, and profiles only
// on its operator listener.
func TestServeAnswersOverAnExistingDatabase(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := bench.Generate(context.Background(), s, bench.DefaultSizes.Scale(2000), io.Discard); err != nil {
		t.Fatal(err)
	}
	s.Close()
	addr, opAddr := freePort(t), freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- bench.Serve(ctx, bench.Target{DataDir: dir}, dir, bench.ServeConfig{Addr: addr, OperatorAddr: opAddr})
	}()
	var iss *auth.DevIssuer
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	iss, err = auth.LoadOrCreateDevIssuer(dir, "http://"+addr)
	if err != nil {
		t.Fatal(err)
	}
	vet, _ := iss.Issue(bench.ICN(0), time.Hour)
	op, _ := iss.Issue("1000000778V000778", time.Hour, "operator")
	do := func(method, url, token, body string) (int, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if code, _ := do(http.MethodGet, "http://"+addr+"/healthz", "", ""); code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Serve did not start")
		}
	}
	code, body := do(http.MethodPost, "http://"+addr+"/graphql", vet, `{"query":"{ viewer { threads(first: 1) { edges { node { id } } } } }"}`)
	if code != http.StatusOK || !strings.Contains(body, `"node":{"id":"thr_`) {
		t.Fatalf("the generated veteran's inbox: %d %s", code, body)
	}
	if code, _ := do(http.MethodGet, "http://"+opAddr+"/debug/pprof/heap", op, ""); code != http.StatusOK {
		t.Errorf("operator listener profile: %d", code)
	}
	if code, _ := do(http.MethodGet, "http://"+addr+"/debug/pprof/heap", op, ""); code != http.StatusNotFound {
		t.Errorf("public listener profile: %d", code)
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
