package syncengine_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/clock"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers/mhv/mhvsim"
)

// freshBound is the tests' freshness bound, on a clock that moves only when
// a test moves it: whether a check is due never depends on how fast the
// machine is.
const freshBound = 2 * time.Second

type freshSys struct {
	*vamstest.System
	clock *vamstest.Clock
	vid   string
}

func newFresh(t *testing.T, b storetest.Backend, e syncengine.Config) *freshSys {
	t.Helper()
	clk := vamstest.NewClock()
	e.FreshnessBound = freshBound
	s := vamstest.NewSystem(t, b, vamstest.SystemOptions{Clock: clk, Engine: e})
	v, err := s.App.Store.Client.Veteran.Query().Where(veteran.Icn(vet1)).Only(viewer.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	// Past the first import's time, so the scans below stamp a time of their own.
	clk.Advance(time.Second)
	return &freshSys{System: s, clock: clk, vid: v.ID}
}

// listings counts MHV listings: each starts with the folder list.
func (s *freshSys) listings() int64 { return s.MHV().Requests(mhvsim.RouteFolders) }

// subjects is the inbox as the veteran's client lists it.
func (s *freshSys) subjects() map[string]bool {
	var out struct {
		Viewer struct {
			Threads struct {
				Edges []struct{ Node struct{ Subject string } }
			}
		}
	}
	s.MustDo(vet1, `{ viewer { threads(first: 50) { edges { node { subject } } } } }`, nil, &out)
	got := map[string]bool{}
	for _, e := range out.Viewer.Threads.Edges {
		got[e.Node.Subject] = true
	}
	return got
}

// mhvState is the veteran's MHV fast-scan record.
func (s *freshSys) mhvState() *ent.SyncState {
	st, err := s.App.Store.Client.SyncState.Query().Where(syncstate.ProviderEQ(providerkind.MHV),
		syncstate.VeteranID(s.vid), syncstate.Scope(inbox.FastScanScope)).Only(viewer.System(context.Background()))
	if err != nil {
		s.T.Fatal(err)
	}
	return st
}

// mhvScanned waits until a quick scan of MHV has run at the clock's time.
func (s *freshSys) mhvScanned() {
	s.T.Helper()
	now := s.clock.Now()
	vamstest.Eventually(s.T, 30*time.Second, "the quick scan", func() bool {
		st := s.mhvState()
		return st.LastRunAt != nil && !st.LastRunAt.Before(now)
	})
}

func (s *freshSys) clinicianWrites(subject, body string) {
	s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "careTeam": "1013",
		"subject": subject, "body": body}, nil)
}

// MHV has no push: while the veteran keeps querying, their MHV mailbox is
// checked once per bound, however often they query, and a clinician's
// message shows after one bound plus one scan.
func TestQueryingVeteranSeesMHVMessageAfterOneBoundWithOneListingPerBound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := newFresh(t, b, syncengine.Config{})
		base := s.listings()
		for range 5 {
			s.subjects()
		}
		s.mhvScanned()
		if n := s.listings() - base; n != 1 {
			t.Fatalf("5 queries within one bound made %d MHV listings, want 1", n)
		}

		s.clinicianWrites("Referral update", "Your referral is approved.")
		s.clock.Advance(freshBound / 2)
		for range 5 {
			if s.subjects()["Referral update"] {
				t.Fatal("visible before the bound ran out: a check ran early")
			}
		}
		if n := s.listings() - base; n != 1 {
			t.Fatalf("queries within the bound made %d listings in all, want 1", n)
		}

		s.clock.Advance(freshBound / 2)
		vamstest.Eventually(t, 30*time.Second, "the MHV message after one bound and one scan", func() bool {
			return s.subjects()["Referral update"]
		})
		if n := s.listings() - base; n != 2 {
			t.Fatalf("two bounds of queries made %d listings, want 2", n)
		}
	})
}

// A client that holds a subscription and never queries is active too: the
// checks keep going and the message reaches it over the subscription.
func TestSubscribedVeteranGetsMHVMessageWithoutQuerying(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := newFresh(t, b, syncengine.Config{})
		lines := s.subscribe(t, `subscription { messageReceived { thread { subject } } }`)
		s.mhvScanned() // the subscription's first check
		s.clinicianWrites("Flu clinic", "The flu clinic is open on Saturday.")
		s.clock.Advance(freshBound)
		timeout := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("the subscription ended before the message")
				}
				if data, ok := strings.CutPrefix(l, "data: "); ok && strings.Contains(data, "Flu clinic") {
					return
				}
			case <-timeout:
				t.Fatal("the subscriber never got the MHV message")
			}
		}
	})
}

// subscribe opens an SSE subscription as veteran 1 and returns its lines.
func (s *freshSys) subscribe(t *testing.T, query string) <-chan string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+s.Token(vet1))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("subscription: status %d", res.StatusCode)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return lines
}

// A check lost to another instance's is due again when that one expires,
// not a bound after the loss: a claim lost by a moment must not leave the
// veteran two bounds behind.
func TestCheckLostToAnotherInstanceIsDueWhenItsCheckExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		// The long budget makes each query wait for its check to end.
		s := newFresh(t, b, syncengine.Config{FreshnessBudget: time.Minute})
		s.subjects()
		s.mhvScanned()
		base := s.listings()
		s.clock.Advance(freshBound)
		other := inbox.New(inbox.Config{Store: s.App.Store, Clock: clock.Func(s.clock.Now)})
		if ok, _, err := other.ClaimFreshnessCheck(viewer.System(context.Background()), providerkind.MHV, s.vid, freshBound); err != nil || !ok {
			t.Fatalf("the other instance's claim: %v %v", ok, err)
		}
		s.clock.Advance(freshBound / 2)
		s.subjects() // its check loses to the other instance's
		s.clock.Advance(freshBound / 2)
		s.subjects() // the other instance's check has expired
		s.mhvScanned()
		if n := s.listings() - base; n != 1 {
			t.Fatalf("%d MHV listings, want 1: the check after the other instance's expired", n)
		}
	})
}

// While MHV's circuit is open no check is started and the inbox answers
// from the store.
func TestOpenCircuitSkipsTheCheckAndTheInboxStillAnswers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := newFresh(t, b, syncengine.Config{BreakerTimeout: time.Hour})
		before := s.subjects()
		s.mhvScanned()
		s.Control("mhv", http.MethodPost, "outage", map[string]any{"down": true}, nil)
		ctx := viewer.System(context.Background())
		for i := 0; s.App.Engine.BreakerStates()[providerkind.MHV] != "open"; i++ {
			if i == 20 {
				t.Fatal("MHV's circuit never opened")
			}
			_ = s.App.Engine.Reconcile(ctx, s.vid, providerkind.MHV)
		}
		base, checked := s.listings(), s.mhvState().CheckedAt
		s.clock.Advance(freshBound)
		for range 3 {
			if got := s.subjects(); len(got) != len(before) {
				t.Fatalf("inbox during the outage: %v, want %v", got, before)
			}
		}
		if n := s.listings() - base; n != 0 {
			t.Fatalf("%d MHV listings while its circuit was open, want 0", n)
		}
		if now := s.mhvState().CheckedAt; checked == nil || now == nil || !now.Equal(*checked) {
			t.Fatalf("a check was started while the circuit was open (checked at %v, then %v)", checked, now)
		}
	})
}
