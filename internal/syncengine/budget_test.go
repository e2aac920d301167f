package syncengine_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/ratelimit"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers"
)

// countingMHV is an MHV with empty mailboxes, one instance's adapter of it:
// each call sends one HTTP request through the instance's budget
// (ratelimit.Budget.Transport), and calls records, by VAMS's clock, when
// each request went out.
type countingMHV struct {
	*calls
	http *http.Client
}

// calls are the requests every instance's countingMHV sent.
type calls struct {
	clock *vamstest.Clock
	mu    sync.Mutex
	calls []time.Time
}

// RoundTrip answers every request with an empty 200, recording it.
func (c *calls) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, c.clock.Now())
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Request: r}, nil
}

func (p *countingMHV) request(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://mhv.invalid/", nil)
	if err != nil {
		return err
	}
	res, err := p.http.Do(req)
	if err != nil {
		return err
	}
	return res.Body.Close()
}

func (p *countingMHV) Kind() providerkind.Kind              { return providerkind.MHV }
func (p *countingMHV) Capabilities() providers.Capabilities { return providers.Capabilities{} }
func (p *countingMHV) Health(context.Context) error         { return nil }
func (p *countingMHV) Send(context.Context, providers.OutboundMessage) (providers.Receipt, error) {
	return providers.Receipt{}, providers.ErrUnsupported
}
func (p *countingMHV) SetStatus(context.Context, providers.Veteran, string, providers.Status) error {
	return providers.ErrUnsupported
}
func (p *countingMHV) GetMessage(context.Context, providers.Veteran, string) (providers.Message, error) {
	return providers.Message{}, providers.ErrNotFound
}
func (p *countingMHV) GetThread(context.Context, providers.Veteran, string) ([]providers.Message, error) {
	return nil, providers.ErrNotFound
}
func (p *countingMHV) ListMessages(ctx context.Context, _ providers.Veteran, _ providers.Window) ([]providers.Message, error) {
	return nil, p.request(ctx)
}
func (p *countingMHV) CareTeams(ctx context.Context, _ providers.Veteran) ([]providers.CareTeam, error) {
	return nil, p.request(ctx)
}

// budgetEngine is one VAMS instance's engine on s, its MHV adapter's
// requests taking tokens of the instance's budget at rate, measured by clk
// and waiting by moving it.
func budgetEngine(t *testing.T, s *store.Store, clk *vamstest.Clock, c *calls, rate float64) *syncengine.Engine {
	t.Helper()
	budget := ratelimit.NewBudget(s.DB, s.Dialect, map[string]float64{string(providerkind.MHV): rate},
		ratelimit.WithBudgetClock(clk), ratelimit.WithSleep(func(ctx context.Context, d time.Duration) error {
			clk.Advance(d)
			return ctx.Err()
		}))
	p := &countingMHV{calls: c, http: &http.Client{Transport: budget.Transport(string(providerkind.MHV), c)}}
	e, err := syncengine.New(syncengine.Config{Store: s, Inbox: inbox.New(inbox.Config{Store: s, Clock: clk}), Clock: clk,
		Providers: []providers.Provider{p}, ImportHorizon: 300 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Two instances importing on one database share the provider's rate: past
// the bucket's first second, no second of VAMS's clock holds more than the
// rate's calls to MHV, whichever instance made them, and every import
// still completes (the import waits for tokens rather than failing).
func TestImportOfTwoInstancesStaysWithinTheProviderRate(t *testing.T) {
	for _, tc := range []struct {
		name string
		rate float64
	}{
		{"5 a second", 5},
		{"2 a second", 2},
		{"unlimited", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, b storetest.Backend) {
				s := b.Open(t)
				clk := vamstest.NewClock()
				start := clk.Now()
				p := &calls{clock: clk}
				engines := []*syncengine.Engine{budgetEngine(t, s, clk, p, tc.rate), budgetEngine(t, s, clk, p, tc.rate)}
				ctx := viewer.System(context.Background())
				const vets = 6
				for i := range vets {
					v, err := s.Client.Veteran.Create().SetIcn(fmt.Sprintf("10000000%02dV000000", i)).
						SetMhvCorrelationID(fmt.Sprintf("mhv-%d", i)).Save(ctx)
					if err != nil {
						t.Fatal(err)
					}
					// Alternating instances, one after the other: each call is
					// recorded at the time its token was taken.
					if err := engines[i%2].Reconcile(ctx, v.ID, providerkind.MHV); err != nil {
						t.Fatal(err)
					}
				}
				pending, err := inbox.New(inbox.Config{Store: s}).PendingImports(ctx, providerkind.MHV, time.Now(), "", vets)
				if err != nil || len(pending) != 0 {
					t.Fatalf("%d of %d imports not complete (%v)", len(pending), vets, err)
				}
				perSecond := map[int]int{}
				for _, at := range p.calls {
					perSecond[int(at.Sub(start)/time.Second)]++
				}
				if tc.rate == 0 {
					if perSecond[0] != len(p.calls) {
						t.Fatalf("unlimited: calls spread over %d seconds, want all at once", len(perSecond))
					}
					return
				}
				burst := max(2, int(tc.rate))
				if perSecond[0] > burst-burst/2+int(tc.rate) {
					t.Errorf("first second: %d calls, want at most the bucket above its reserve (%d) and the rate (%v)", perSecond[0], burst-burst/2, tc.rate)
				}
				for sec, n := range perSecond {
					if sec > 0 && n > int(tc.rate) {
						t.Errorf("second %d: %d MHV calls across both instances, want at most %v", sec, n, tc.rate)
					}
				}
				if len(perSecond) < len(p.calls)/int(tc.rate) {
					t.Errorf("%d calls in %d seconds: the rate was not applied", len(p.calls), len(perSecond))
				}
			})
		})
	}
}
