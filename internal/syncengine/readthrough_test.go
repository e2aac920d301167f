package syncengine_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
)

// MHV's thread listing is a summary without full bodies: messages found by a
// scan are stored without one, read through on first view (one provider call
// per thread) and kept. While MHV is down only the body field fails; the
// rest of the inbox answers.
func TestBodiesReadThroughAndOutageFailsOnlyTheField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		// The background backfill would fetch the bodies before anyone looks.
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{Engine: syncengine.Config{NoBodyBackfill: true}})
		ctx := viewer.System(context.Background())
		var first, second struct{ ID string }
		s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "careTeam": "1013",
			"subject": "Read-through check", "body": "Bring your medication list."}, &first)
		s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "inReplyTo": first.ID,
			"body": "And your glasses."}, &second)
		reconcile(t, s, providerkind.MHV)

		unloaded, err := s.App.Store.Client.Message.Query().Where(message.BodyLoaded(false)).Count(ctx)
		if err != nil || unloaded != 2 {
			t.Fatalf("scanned messages without bodies = %d (%v), want 2", unloaded, err)
		}
		var out struct {
			Viewer struct {
				Threads struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		s.MustDo(vet1, `{ viewer { threads(filter: {search: "Read-through check"}) { edges { node { id } } } } }`, nil, &out)
		if len(out.Viewer.Threads.Edges) != 1 {
			t.Fatalf("thread: %+v", out)
		}
		id := out.Viewer.Threads.Edges[0].Node.ID
		// Search sees what VAMS holds: no body yet.
		const byBody = `{ viewer { threads(filter: {search: "glasses"}) { edges { node { id } } } } }`
		s.MustDo(vet1, byBody, nil, &out)
		if len(out.Viewer.Threads.Edges) != 0 {
			t.Fatalf("found by a body VAMS has not fetched: %+v", out)
		}

		// MHV down: subjects and authors answer from the store, bodies fail alone.
		s.Control("mhv", http.MethodPost, "outage", map[string]any{"down": true}, nil)
		r := s.Do(vet1, threadQuery, map[string]any{"id": id})
		if r.Code() != "PROVIDER_UNAVAILABLE" || len(r.Errors) != 2 {
			t.Fatalf("errors during outage: %+v", r.Errors)
		}
		for _, e := range r.Errors {
			if e.Path[len(e.Path)-1] != "body" {
				t.Fatalf("error outside the body field: %+v", e)
			}
		}
		var partial struct{ Node threadView }
		if err := json.Unmarshal(r.Data, &partial); err != nil || partial.Node.Subject != "Read-through check" || len(partial.Node.Messages.Edges) != 2 {
			t.Fatalf("the rest of the thread should still answer: %s", r.Data)
		}

		s.Control("mhv", http.MethodPost, "outage", map[string]any{"down": false}, nil)
		vamstest.Eventually(t, 5*time.Second, "bodies after recovery", func() bool {
			r := s.Do(vet1, threadQuery, map[string]any{"id": id})
			return len(r.Errors) == 0
		})
		got := thread(t, s, id)
		bodies := map[string]bool{}
		for _, e := range got.Messages.Edges {
			bodies[*e.Node.Body] = true
		}
		if len(bodies) != 2 || !bodies["Bring your medication list."] || !bodies["And your glasses."] {
			t.Fatalf("bodies: %v", bodies)
		}
		if n, _ := s.App.Store.Client.Message.Query().Where(message.BodyLoaded(false)).Count(ctx); n != 0 {
			t.Fatalf("fetched bodies should be kept; %d still missing", n)
		}
		// A body filled in by read-through is searchable.
		s.MustDo(vet1, byBody, nil, &out)
		if len(out.Viewer.Threads.Edges) != 1 || out.Viewer.Threads.Edges[0].Node.ID != id {
			t.Fatalf("not found by a body read through: %+v", out)
		}
	})
}
