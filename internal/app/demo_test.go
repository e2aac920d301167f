package app_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// folderCounts is what each demo veteran's folder list shows.
func folderCounts(t *testing.T, s *vamstest.System) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range demo.Directory.Veterans {
		var mb struct {
			Viewer struct {
				UnreadCount int
				Folders     []struct {
					Name                     string
					ThreadCount, UnreadCount int
				}
			}
		}
		s.MustDo(v.ICN, `{ viewer { unreadCount folders { name threadCount unreadCount } } }`, nil, &mb)
		for _, f := range mb.Viewer.Folders {
			out[v.ICN+" "+f.Name] = fmt.Sprintf("threads=%d unread=%d", f.ThreadCount, f.UnreadCount)
		}
		out[v.ICN+" unread"] = strconv.Itoa(mb.Viewer.UnreadCount)
	}
	return out
}

func simIDs(s *vamstest.System) []string {
	var out []string
	for _, v := range demo.Directory.Veterans {
		for _, p := range []string{"mhv", "oh"} {
			if p == "mhv" && v.MHVCorrelationID == "" || p == "oh" && v.OHPatientID == "" {
				continue
			}
			for _, m := range s.SimMessages(p, v.ICN) {
				out = append(out, p+":"+m.ID)
			}
		}
	}
	slices.Sort(out)
	return out
}

// reconcileAll runs a full reconciliation of every veteran with every
// provider, synchronously.
func reconcileAll(t *testing.T, s *vamstest.System) {
	t.Helper()
	ctx := viewer.System(context.Background())
	vets, err := s.App.Store.Client.Veteran.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vets {
		for _, k := range []providerkind.Kind{providerkind.MHV, providerkind.OH} {
			if err := s.App.Engine.Reconcile(ctx, v.ID, k); err != nil {
				t.Fatalf("reconcile %s: %v", k, err)
			}
		}
	}
}

// A restart of the whole demo (VAMS and its simulators, on the same data
// directory) changes nothing: the simulators resume from their state files,
// so reconciliation finds what it imported and tombstones nothing; no
// provider id is handed out twice; and a clinician can still answer a
// seeded thread.
func TestDemoRestartChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{DemoHistory: true})
		before, ids := folderCounts(t, s), simIDs(s)
		if len(ids) < 60 {
			t.Fatalf("the simulators hold %d demo messages", len(ids))
		}
		for i := range 2 {
			s.RestartAll()
			reconcileAll(t, s)
			if after := folderCounts(t, s); !maps.Equal(before, after) {
				t.Fatalf("restart %d changed the folders:\nbefore %v\nafter  %v", i+1, before, after)
			}
			if after := simIDs(s); !slices.Equal(ids, after) {
				t.Fatalf("restart %d changed the simulators' messages: %d before, %d after", i+1, len(ids), len(after))
			}
		}
		// The care team answers a seeded Sent thread of veteran 2.
		var orig vamstest.SimMessage
		for _, m := range s.SimMessages("mhv", demo.Veteran2ICN) {
			if m.Subject == "Question about generic medications" {
				orig = m
			}
		}
		var created struct{ ID string }
		s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": demo.Veteran2ICN,
			"inReplyTo": orig.ID, "body": "Yes, it's the same medication from a different maker."}, &created)
		if slices.Contains(ids, "mhv:"+created.ID) {
			t.Fatalf("the new message reuses id %s", created.ID)
		}
		reconcileAll(t, s)
		after := folderCounts(t, s)
		if after[demo.Veteran2ICN+" Sent"] == before[demo.Veteran2ICN+" Sent"] ||
			after[demo.Veteran2ICN+" Inbox"] == before[demo.Veteran2ICN+" Inbox"] {
			t.Errorf("the answer did not move the thread from Sent to Inbox:\nbefore %v\nafter  %v", before, after)
		}
	})
}
