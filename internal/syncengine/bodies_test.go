package syncengine_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers/mhv/mhvsim"
)

// MHV's listings carry no bodies; after a scan stores such messages their
// bodies are fetched in the background, one provider call per thread, so a
// search for a word only the body holds finds the thread before anyone
// opens it.
func TestBackfilledBodiesAreSearchable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		var first struct{ ID string }
		s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "careTeam": "1013",
			"subject": "Clinic note", "body": "Bring your inhaler and the spirometry results."}, &first)
		s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "inReplyTo": first.ID,
			"body": "Also the audiogram."}, nil)
		threadCalls := s.MHV().Requests(mhvsim.RouteFullThread)
		reconcile(t, s, providerkind.MHV)

		search := func(word string) int {
			var out struct {
				Viewer struct {
					Threads struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
			}
			s.MustDo(vet1, `query($q: String!) { viewer { threads(filter: {search: $q}) { edges { node { id } } } } }`,
				map[string]any{"q": word}, &out)
			return len(out.Viewer.Threads.Edges)
		}
		vamstest.Eventually(t, 30*time.Second, "the backfilled bodies in search", func() bool {
			return search("spirometry") == 1 && search("audiogram") == 1
		})
		if n := s.MHV().Requests(mhvsim.RouteFullThread) - threadCalls; n != 1 {
			t.Fatalf("backfilling one thread's two bodies took %d thread reads, want 1", n)
		}
	})
}

// One scan that stores more bodyless threads than it queues at once still
// gets every body in: each finished thread queues the next ones.
func TestBackfillReachesEveryThreadOfOneScan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		const threads = 60 // more than one batch (bodyBatch)
		for i := range threads {
			s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "careTeam": "1013",
				"subject": fmt.Sprintf("Note %d", i), "body": fmt.Sprintf("Backfilled body %d", i)}, nil)
		}
		threadCalls := s.MHV().Requests(mhvsim.RouteFullThread)
		reconcile(t, s, providerkind.MHV)
		vamstest.Eventually(t, 60*time.Second, "every body backfilled", func() bool { return bodyless(t, s) == 0 })
		if n := s.MHV().Requests(mhvsim.RouteFullThread) - threadCalls; n < threads || n > threads+threads/10 {
			t.Fatalf("backfilling %d threads took %d thread reads", threads, n)
		}
	})
}

// A thread with more bodyless messages than one body job fetches gets them
// all, without another scan.
func TestBackfillReachesEveryMessageOfALongThread(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		var first struct{ ID string }
		s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "careTeam": "1013",
			"subject": "Long thread", "body": "Backfilled body 0"}, &first)
		const messages = 60 // more than one batch (bodyBatch)
		for i := 1; i < messages; i++ {
			s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "inReplyTo": first.ID,
				"body": fmt.Sprintf("Backfilled body %d", i)}, nil)
		}
		reconcile(t, s, providerkind.MHV)
		vamstest.Eventually(t, 60*time.Second, "every body of the thread backfilled", func() bool { return bodyless(t, s) == 0 })
	})
}

// bodyless counts veteran 1's messages stored without a body.
func bodyless(t *testing.T, s *vamstest.System) int {
	t.Helper()
	ctx := viewer.System(context.Background())
	vid, err := s.App.Store.Client.Veteran.Query().Where(veteran.Icn(vet1)).OnlyID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.App.Store.Client.Message.Query().Where(message.VeteranID(vid), message.BodyLoaded(false), message.IsDraft(false)).Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
