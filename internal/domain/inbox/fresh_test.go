package inbox_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// A freshness check of a veteran at a provider is claimed in the database,
// so however many instances serve the veteran's queries, one check runs per
// bound: within it every other claim loses, after it exactly one wins, even
// when they race.
func TestOneFreshnessCheckPerBoundAcrossInstances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b)
		other := inbox.New(inbox.Config{Store: e.Store, Clock: clock.Func(e.Now)}) // a second instance
		vid := e.Veteran(icn, "Test Veteran")
		ctx := e.System()
		const bound = 5 * time.Second
		claim := func(s *inbox.Service, k providerkind.Kind) bool {
			t.Helper()
			ok, _, err := s.ClaimFreshnessCheck(ctx, k, vid, bound)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !claim(e.Inbox, providerkind.MHV) {
			t.Fatal("the first check was not claimed")
		}
		if !claim(other, providerkind.OH) {
			t.Fatal("each provider has its own check")
		}
		first := e.Now().UTC()
		e.Advance(bound - time.Second)
		if claim(other, providerkind.MHV) || claim(e.Inbox, providerkind.MHV) {
			t.Fatal("a second check was claimed within the bound")
		}
		// A loser learns when the check in force started, so it is due
		// again when that one expires, not a bound after the loss.
		if _, last, err := other.ClaimFreshnessCheck(ctx, providerkind.MHV, vid, bound); err != nil || last.Sub(first).Abs() > time.Millisecond {
			t.Fatalf("a lost claim reports the check in force at %v (%v), want %v", last, err, first)
		}
		e.Advance(time.Second)
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			s := e.Inbox
			if i%2 == 1 {
				s = other
			}
			wg.Go(func() {
				if ok, _, err := s.ClaimFreshnessCheck(ctx, providerkind.MHV, vid, bound); err != nil {
					t.Error(err)
				} else if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Fatalf("%d racing claims after the bound won, want 1", n)
		}
	})
}
