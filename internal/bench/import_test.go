package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"
)

// The import figure's population has the shape docs/performance.md states:
// the provider mix, the silent share, threads and messages per veteran, two
// years of history in order, every thread with one of its veteran's teams.
func TestHistoryPopulationHasTheStatedDistribution(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	const n = 4000
	pop := historyPopulation(n, 1, now)
	var mhvOnly, ohOnly, both, silent int
	var threads []int // per veteran and provider with any
	var perThread []int
	horizon := now.AddDate(-historyYears, 0, 0)
	inOrder := func(at []time.Time) bool {
		return slices.IsSortedFunc(at, func(a, b time.Time) int { return a.Compare(b) }) &&
			!at[0].Before(horizon) && at[len(at)-1].Before(now)
	}
	serves := map[string]map[string]bool{} // team or pool id → its patients
	for _, tm := range pop.teams {
		serves[strconv.FormatInt(tm.ID, 10)] = set(tm.AssociatedWith)
	}
	for _, pl := range pop.pools {
		serves[pl.ID] = set(pl.AssociatedWith)
	}
	for _, v := range pop.vets {
		switch {
		case v.mhvCorr != "" && v.ohID != "":
			both++
		case v.mhvCorr != "":
			mhvOnly++
		default:
			ohOnly++
		}
		if len(v.mhv)+len(v.oh) == 0 {
			silent++
		}
		for _, k := range []int{len(v.mhv), len(v.oh)} {
			if k > 0 {
				threads = append(threads, k)
			}
		}
		for _, th := range v.mhv {
			var at []time.Time
			for _, m := range th.Messages {
				at = append(at, m.SentAt)
			}
			if !inOrder(at) || !serves[th.CareTeam][v.mhvCorr] {
				t.Fatalf("MHV thread of %s: times %v in order within two years, team %s serves them: %v", v.icn, at, th.CareTeam, serves[th.CareTeam][v.mhvCorr])
			}
			perThread = append(perThread, len(th.Messages))
		}
		for _, th := range v.oh {
			var at []time.Time
			for _, m := range th.Messages {
				at = append(at, m.SentAt)
			}
			if !inOrder(at) || !serves[th.CareTeam][v.icn] {
				t.Fatalf("OH thread of %s: times %v in order within two years, pool %s serves them: %v", v.icn, at, th.CareTeam, serves[th.CareTeam][v.icn])
			}
			perThread = append(perThread, len(th.Messages))
		}
	}
	slices.Sort(threads)
	share := func(k int) float64 { return float64(k) / n }
	mean := func(xs []int) float64 {
		s := 0
		for _, x := range xs {
			s += x
		}
		return float64(s) / float64(len(xs))
	}
	for _, c := range []struct {
		what     string
		got      float64
		min, max float64
	}{
		{"share served by MHV only", share(mhvOnly), shareMHVOnly - 0.03, shareMHVOnly + 0.03},
		{"share served by OH only", share(ohOnly), shareOHOnly - 0.03, shareOHOnly + 0.03},
		{"share served by both", share(both), 0.02, 0.08},
		{"share with no messages", share(silent), silentShare - 0.03, silentShare + 0.03},
		{"median threads of a veteran with any, per provider", float64(threads[len(threads)/2]), threadMedian - 1, threadMedian + 1},
		{"most threads", float64(threads[len(threads)-1]), 20, threadCap},
		{"mean messages per thread", mean(perThread), 1.8, 2.4},
		{"most messages in a thread", float64(slices.Max(perThread)), 6, replyCap},
		{"messages counted", float64(pop.messages), float64(len(perThread)), float64(len(perThread) * replyCap)},
		{"threads counted", float64(pop.threads), float64(len(perThread)), float64(len(perThread))},
		{"veterans served by MHV", float64(pop.mhvVets), float64(mhvOnly + both), float64(mhvOnly + both)},
		{"veterans served by OH", float64(pop.ohVets), float64(ohOnly + both), float64(ohOnly + both)},
	} {
		if c.got < c.min || c.got > c.max {
			t.Errorf("%s: %.3f, want %.3f to %.3f", c.what, c.got, c.min, c.max)
		}
	}
}

func set(xs []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// The same seed gives the same population, and both simulators accept it
// whole.
func TestHistoryPopulationSeedsBothSimulators(t *testing.T) {
	now := time.Now()
	a, b := historyPopulation(300, 7, now), historyPopulation(300, 7, now)
	if a.messages != b.messages || a.threads != b.threads || a.mhvVets != b.mhvVets {
		t.Fatalf("seed 7 twice: %d/%d/%d then %d/%d/%d messages/threads/MHV veterans", a.messages, a.threads, a.mhvVets, b.messages, b.threads, b.mhvVets)
	}
	_, oh, err := populationSims(a)
	if err != nil {
		t.Fatal(err)
	}
	defer oh.Close()
	held := 0
	for _, v := range a.vets {
		if v.ohID != "" {
			held += len(oh.Messages(v.icn))
		}
	}
	want := 0
	for _, v := range a.vets {
		for _, th := range v.oh {
			want += len(th.Messages)
		}
	}
	if held != want {
		t.Errorf("OH simulator holds %d messages of the population, want %d", held, want)
	}
}

func TestDrawsStayWithinTheirCaps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, c := range []struct {
		name     string
		draw     func(*rand.Rand) int
		min, max int
	}{
		{"threads", drawThreads, 1, threadCap},
		{"messages", drawMessages, 1, replyCap},
	} {
		t.Run(c.name, func(t *testing.T) {
			for range 20000 {
				if got := c.draw(r); got < c.min || got > c.max {
					t.Fatalf("drew %d, want %d to %d", got, c.min, c.max)
				}
			}
		})
	}
}

func TestMaxInWindowCountsTheBusiestWindow(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		var out []time.Duration
		for _, x := range xs {
			out = append(out, time.Duration(x)*time.Millisecond)
		}
		return out
	}
	for _, c := range []struct {
		name string
		at   []time.Duration
		w    time.Duration
		want int
	}{
		{"none", nil, time.Second, 0},
		{"one", ms(5), time.Second, 1},
		{"a second apart is two windows", ms(0, 1000), time.Second, 1},
		{"just under a second apart is one", ms(0, 999), time.Second, 2},
		{"busiest in the middle", ms(0, 1500, 1600, 1700, 2400, 2600), time.Second, 4},
		{"ten-second window", ms(0, 3000, 9000, 9999, 10000), 10 * time.Second, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := maxInWindow(c.at, c.w); got != c.want {
				t.Errorf("maxInWindow = %d, want %d", got, c.want)
			}
		})
	}
}

func TestCheckRateAllowsTheRateAndTheBucketAboveItsReserve(t *testing.T) {
	// every spreads n tokens evenly over a run at perSecond, after a
	// first burst of lead at time zero.
	every := func(lead, n int, perSecond int) []time.Duration {
		var out []time.Duration
		for range lead {
			out = append(out, 0)
		}
		for i := range n {
			out = append(out, time.Duration(i+1)*time.Second/time.Duration(perSecond))
		}
		return out
	}
	for _, c := range []struct {
		name   string
		at     []time.Duration
		rate   float64
		within bool
		steady int // most in a second after the first
	}{
		{"steady at the rate", every(0, 400, 20), 20, true, 20},
		{"the bucket's half at the start, then the rate", every(10, 400, 20), 20, true, 20},
		{"steady above the rate", every(0, 400, 23), 20, false, 23},
		{"a burst beyond the bucket", every(15, 400, 20), 20, false, 20},
		{"no tokens is no evidence", nil, 20, false, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := checkRate(c.at, c.rate)
			if got.within != c.within || got.steady1s != c.steady {
				t.Errorf("within %v, %d in a second after the first (max 1 s %d, max 10 s %d, mean %.1f/s), want %v, %d",
					got.within, got.steady1s, got.max1s, got.max10s, got.mean, c.within, c.steady)
			}
		})
	}
}

func TestProjectImportIsCallsOverTheRate(t *testing.T) {
	for _, c := range []struct {
		name                  string
		veterans, calls, rate float64
		want                  float64
	}{
		{"9M at 32 calls, 100 a second", 9e6, 32, 100, 9e6 * 32 / 100 / 86400},
		{"a day's worth", 86400, 1, 1, 1},
		{"twice the rate, half the days", 86400, 2, 2, 1},
		{"no rate never ends", 1, 1, 0, math.Inf(1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := projectImport(c.veterans, c.calls, c.rate); math.Abs(got-c.want) > 1e-9 && got != c.want {
				t.Errorf("projectImport = %v days, want %v", got, c.want)
			}
		})
	}
}
