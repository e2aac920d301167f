package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// AttackShape is one hostile request: what it sends, and the code VAMS must
// refuse it with ("" for a request that runs).
type AttackShape struct {
	Name  string
	Query string
	Vars  map[string]any
	Code  string
}

// AttackShapes are the requests that once pinned a core (issue 12), and a
// plain query to compare them with.
func AttackShapes() []AttackShape {
	aliases := make([]string, 1000)
	for i := range aliases {
		aliases[i] = fmt.Sprintf("a%d: viewer { careTeams { canMessage } }", i)
	}
	ids := make([]string, 200000)
	for i := range ids {
		ids[i] = fmt.Sprintf("thr_%d", i)
	}
	return []AttackShape{
		{Name: "baseline_viewer", Query: `{ viewer { id } }`},
		{Name: "repeated_fields_16k", Query: `{ viewer { x1: ` + strings.Repeat("id ", 16000) + `} }`, Code: "QUERY_TOO_LARGE"},
		{Name: "nodes_ids_200k", Query: `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, Vars: map[string]any{"ids": ids}, Code: "TOO_MANY_IDS"},
		{Name: "aliases_1000", Query: `{ ` + strings.Join(aliases, " ") + ` }`, Code: "QUERY_TOO_LARGE"},
		{Name: "aliases_200", Query: `{ ` + strings.Join(aliases[:200], " ") + ` }`, Code: "TOO_MANY_FIELDS"},
		{Name: "nesting_3000", Query: strings.Repeat("{ viewer ", 3000) + strings.Repeat("}", 3000), Code: "TOO_MANY_TOKENS"},
		{Name: "document_10mb", Query: `{ viewer { id } }` + strings.Repeat(" ", 10<<20), Code: "QUERY_TOO_LARGE"},
	}
}

// Attacks sends each attack shape n times, one at a time, to a server in
// its own process over t, and reports the server's CPU per request (its
// process_cpu_seconds_total, from the operator listener's /metrics, before
// and after) and the latency the client saw. The goal is no shape over 1 s
// of CPU.
func Attacks(ctx context.Context, t Target, n int, o Options) error {
	if o.Spawn == nil {
		return fmt.Errorf("attacks: the server must run in its own process (Options.Spawn)")
	}
	srv, prof, _, stop, err := childServer(ctx, t, o.Spawn, o.Log)
	if err != nil {
		return err
	}
	defer stop()
	tok, err := srv.token(ICN(0))
	if err != nil {
		return err
	}
	for _, s := range AttackShapes() {
		body, _ := json.Marshal(map[string]any{"query": s.Query, "variables": s.Vars})
		// Once untimed: enrolment, connection set-up.
		if _, err := attackOnce(ctx, srv, tok, body, s.Code); err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		before, err := prof.cpuSeconds(ctx)
		if err != nil {
			return err
		}
		lat := make([]time.Duration, 0, n)
		for range n {
			d, err := attackOnce(ctx, srv, tok, body, s.Code)
			if err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
			lat = append(lat, d)
		}
		after, err := prof.cpuSeconds(ctx)
		if err != nil {
			return err
		}
		slices.Sort(lat)
		code := s.Code
		if code == "" {
			code = "none"
		}
		fmt.Fprintf(o.Out, "BENCH name=attack_%s bytes=%d refused=%s cpu_ms_per_req=%.2f p50_ms=%.2f max_ms=%.2f n=%d\n",
			s.Name, len(body), code, (after-before)*1000/float64(n), ms(lat[len(lat)/2]), ms(lat[len(lat)-1]), n)
	}
	return nil
}

// attackOnce sends body and checks the answer is refused with code (or,
// with no code, answered without errors).
func attackOnce(ctx context.Context, srv *server, tok string, body []byte, code string) (time.Duration, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	start := time.Now()
	res, err := srv.client.Do(req)
	if err != nil {
		return 0, err
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	var out struct {
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	_ = json.Unmarshal(raw, &out)
	got := ""
	if len(out.Errors) > 0 {
		got = out.Errors[0].Extensions.Code
	}
	if got != code {
		return 0, fmt.Errorf("answered %d with code %q, want %q: %.200s", res.StatusCode, got, code, raw)
	}
	return d, nil
}

// cpuSeconds reads the server process's CPU time from its metrics.
func (p *profiler) cpuSeconds(ctx context.Context) (float64, error) {
	m, err := p.metrics(ctx, "process_cpu_seconds_total")
	return m["process_cpu_seconds_total"], err
}
