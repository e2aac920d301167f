package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/store/storetest"
)

// manualClock is moved only by the budgets' waits.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *manualClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

var start = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// Two instances on one database share one rate: past the bucket's first
// second, no second holds more than the rate's requests, whichever
// instance makes them.
func TestBudget_InstancesOnOneDatabaseShareTheRate(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		for _, tc := range []struct {
			name    string
			rate    float64
			prio    Priority
			seconds int
		}{
			{"interactive at 10 a second", 10, Interactive, 5},
			{"background at 10 a second", 10, Background, 5},
			{"background at 3 a second", 3, Background, 4},
		} {
			t.Run(b.Name+"/"+tc.name, func(t *testing.T) {
				s := b.Open(t)
				clk := &manualClock{now: start}
				opts := []BudgetOption{WithBudgetClock(clk), WithSleep(clk.sleep)}
				instances := []*Budget{
					NewBudget(s.DB, s.Dialect, map[string]float64{"mhv": tc.rate}, opts...),
					NewBudget(s.DB, s.Dialect, map[string]float64{"mhv": tc.rate}, opts...),
				}
				perSecond := map[int]int{}
				for i := 0; clk.Now().Before(start.Add(time.Duration(tc.seconds) * time.Second)); i++ {
					if err := instances[i%2].Take(context.Background(), "mhv", tc.prio); err != nil {
						t.Fatal(err)
					}
					perSecond[int(clk.Now().Sub(start)/time.Second)]++
				}
				burst := max(2, int(tc.rate+0.999))
				if perSecond[0] > burst+int(tc.rate) {
					t.Errorf("first second: %d requests, want at most the bucket (%d) and the rate (%v)", perSecond[0], burst, tc.rate)
				}
				for sec := 1; sec < tc.seconds; sec++ {
					if perSecond[sec] > int(tc.rate) {
						t.Errorf("second %d: %d requests across both instances, want at most %v", sec, perSecond[sec], tc.rate)
					}
					if perSecond[sec] < int(tc.rate)-1 {
						t.Errorf("second %d: %d requests, want the rate used (%v)", sec, perSecond[sec], tc.rate)
					}
				}
			})
		}
	}
}

// At one instant the background takes only what lies above the reserve;
// interactive calls still find the reserve, and then the bucket is empty
// for both.
func TestBudget_BackgroundLeavesTheReserveToInteractive(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			clk := &manualClock{now: start}
			bud := NewBudget(s.DB, s.Dialect, map[string]float64{"oh": 10}, WithBudgetClock(clk))
			takes := func(p Priority) int {
				n := 0
				for {
					wait, err := bud.try(context.Background(), "oh", p)
					if err != nil {
						t.Fatal(err)
					}
					if wait > 0 {
						return n
					}
					n++
				}
			}
			for _, step := range []struct {
				prio Priority
				want int
			}{
				{Background, 5},  // the bucket of 10 less its reserve of 5
				{Interactive, 5}, // the reserve
				{Background, 0},
				{Interactive, 0},
			} {
				if got := takes(step.prio); got != step.want {
					t.Fatalf("priority %d took %d tokens, want %d", step.prio, got, step.want)
				}
			}
		})
	}
}

// A provider without a rate is not limited and touches no row; a wait
// that outlives its context fails with the context's error.
func TestBudget_UnlimitedAndCancelled(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			bud := NewBudget(s.DB, s.Dialect, map[string]float64{"mhv": 0, "oh": 1}, WithBudgetClock(clock.Func(func() time.Time { return start })))
			for range 100 {
				if err := bud.Take(context.Background(), "mhv", Background); err != nil {
					t.Fatal(err)
				}
			}
			var rows int
			if err := s.DB.QueryRow(`SELECT COUNT(*) FROM provider_budgets`).Scan(&rows); err != nil || rows != 0 {
				t.Fatalf("unlimited provider wrote %d budget rows (%v)", rows, err)
			}
			if err := bud.Take(context.Background(), "oh", Background); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			if err := bud.Take(ctx, "oh", Background); !errors.Is(err, context.Canceled) {
				t.Fatalf("wait past its context: %v, want context.Canceled", err)
			}
		})
	}
}

// The budget's transport takes a token per HTTP request, at the priority
// of the request's context: background requests stop at the reserve an
// interactive one may still use, and a request whose context ends while it
// waits is never sent.
func TestBudget_TransportTakesATokenPerRequest(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			clk := &manualClock{now: start}
			stop := errors.New("waited")
			// Waiting fails instead of moving the clock: the bucket's state
			// at start is what the requests see.
			budget := NewBudget(s.DB, s.Dialect, map[string]float64{"mhv": 4}, WithBudgetClock(clk),
				WithSleep(func(context.Context, time.Duration) error { return stop }))
			sent := 0
			hc := &http.Client{Transport: budget.Transport("mhv", roundTripFunc(func(r *http.Request) (*http.Response, error) {
				sent++
				return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
			}))}
			get := func(p Priority) error {
				req, _ := http.NewRequestWithContext(WithPriority(context.Background(), p), http.MethodGet, "http://mhv.invalid/", nil)
				res, err := hc.Do(req)
				if err == nil {
					res.Body.Close()
				}
				return err
			}
			// A bucket of 4 keeps a reserve of 2 from background requests.
			for i, c := range []struct {
				p    Priority
				sent bool
			}{{Background, true}, {Background, true}, {Background, false}, {Interactive, true}, {Interactive, true}, {Interactive, false}} {
				before := sent
				err := get(c.p)
				if got := sent > before; got != c.sent || (err == nil) != c.sent {
					t.Fatalf("request %d: sent %v (err %v), want sent %v", i+1, got, err, c.sent)
				}
				if !c.sent && !errors.Is(err, stop) {
					t.Fatalf("request %d: %v, want the wait's error", i+1, err)
				}
			}
		})
	}
}
