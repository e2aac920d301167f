package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
)

func TestPercentilesAreNearestRank(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // unsorted on purpose
	}
	for _, tc := range []struct {
		name string
		in   []time.Duration
		ps   []float64
		want []time.Duration
	}{
		{"empty gives zeros", nil, []float64{0.5, 0.99}, ms(0, 0)},
		{"one value is every percentile", ms(7), []float64{0.01, 0.5, 1}, ms(7, 7, 7)},
		{"p50 of four is the second", ms(4, 1, 3, 2), []float64{0.5}, ms(2)},
		{"1..100: p50 50, p90 90, p99 99, max 100", ms(hundred...), []float64{0.5, 0.9, 0.99, 1}, ms(50, 90, 99, 100)},
		{"p99 of ten is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), []float64{0.99}, ms(10)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := percentiles(tc.in, tc.ps...)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("percentiles(%v) = %v, want %v", tc.ps, got, tc.want)
			}
		})
	}
}

func TestJoinReceiptsPairsEachDeliveryWithItsCommit(t *testing.T) {
	commits := map[string]commit{"msg_a": {vet: 0, at: 1000}, "msg_b": {vet: 1, at: 5000}}
	receipts := []receipt{
		{id: "msg_a", at: 3000}, {id: "msg_a", at: 4000}, // two devices of one veteran
		{id: "msg_b", at: 5500},
		{id: "msg_z", at: 9000}, // not ingested in the phase
	}
	j := joinReceipts(commits, receipts)
	if want := "[2µs 3µs 500ns]"; fmt.Sprint(j.latencies) != want {
		t.Errorf("latencies %v, want %s", j.latencies, want)
	}
	if j.unknown != 1 {
		t.Errorf("unknown %d, want 1", j.unknown)
	}
}

func TestParseMetricsPicksUnlabelledSamples(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines.
# TYPE go_goroutines gauge
go_goroutines 1234
go_memstats_heap_inuse_bytes 4.5e+07
vams_requests_total{op="inbox"} 9
vams_subscribers 20000
`
	for _, tc := range []struct {
		name    string
		names   []string
		want    string
		wantErr string
	}{
		{"gauges and floats", []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "vams_subscribers"},
			"map[go_goroutines:1234 go_memstats_heap_inuse_bytes:4.5e+07 vams_subscribers:20000]", ""},
		{"a labelled sample is not the unlabelled name", []string{"vams_requests_total"}, "", "no vams_requests_total"},
		{"a missing name is an error", []string{"process_resident_memory_bytes"}, "", "no process_resident_memory_bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseMetrics(strings.NewReader(text), tc.names...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != tc.want {
				t.Errorf("got %v, %v; want %s", got, err, tc.want)
			}
		})
	}
}

// A clinician's message ingested through the bench hook reaches both of its
// veteran's generated subscribers, and no other veteran's; the hook answers
// with the committed message's id.
func TestIngestHookReachesTheVeteransSubscribers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		dir := t.TempDir()
		tg := Target{DatabaseURL: b.DatabaseURL(t), DataDir: dir}
		s, err := store.Open(ctx, store.Config{DatabaseURL: tg.DatabaseURL, DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		o := RealtimeOptions{Subscribers: 4, Devices: 2}
		if err := Generate(ctx, s, RealtimeSizes(o), io.Discard); err != nil {
			t.Fatal(err)
		}
		s.Close()
		vets, err := realtimeVeterans(ctx, tg, 2)
		if err != nil {
			t.Fatal(err)
		}
		addr, err := freeAddr()
		if err != nil {
			t.Fatal(err)
		}
		opAddr, err := freeAddr()
		if err != nil {
			t.Fatal(err)
		}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		serveT := tg
		if serveT.DatabaseURL != "" {
			serveT.DataDir = ""
		}
		go func() { done <- Serve(sctx, serveT, dir, ServeConfig{Addr: addr, OperatorAddr: opAddr}) }()
		defer func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}()
		url := "http://" + addr
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if res, err := http.Get(url + "/healthz"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatal("Serve did not start")
			}
		}
		p := &profiler{url: "http://" + opAddr, client: httpClient()}

		// One generator: subscribers 0..3, veterans 0 and 1, two each.
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		genDone := make(chan error, 1)
		go func() {
			genDone <- Subscribers(ctx, GenConfig{URL: url, DataDir: dir, First: 0, Count: 4, Devices: 2}, inR, outW)
			outW.Close()
		}()
		gen := &genProc{in: inW, out: bufio.NewScanner(outR)}
		if line, err := gen.line("connected"); err != nil || line != "4 0 none" {
			t.Fatalf("connected %q, %v", line, err)
		}
		if err := p.waitSubscribers(ctx, 4); err != nil {
			t.Fatal(err)
		}
		res, err := p.ingest(ctx, vets[1], 1)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(res.ID, "msg_") || res.Committed == 0 {
			t.Fatalf("hook answered %+v", res)
		}
		g := &generators{procs: []*genProc{gen}}
		// Wait for both deliveries (or give up and let the check below fail).
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			n, err := g.count()
			if err != nil {
				t.Fatal(err)
			}
			if n >= 2 {
				break
			}
		}
		got, err := g.report()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].id != res.ID || got[1].id != res.ID {
			t.Errorf("receipts %v, want two of %s", got, res.ID)
		}
		if err := <-genDone; err != nil {
			t.Errorf("generator: %v", err)
		}
	})
}
