package ops_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

type folderCounts map[string]int

func folders(t *testing.T, s *vamstest.System) folderCounts {
	t.Helper()
	var out struct {
		Viewer struct {
			Folders []struct {
				Name        string
				ThreadCount int
			}
		}
	}
	s.MustDo(demo.Veteran1ICN, `{ viewer { folders { name threadCount } } }`, nil, &out)
	c := folderCounts{}
	for _, f := range out.Viewer.Folders {
		c[f.Name] = f.ThreadCount
	}
	return c
}

// suspectState is what /ops/sync says of provider k's held scans.
func suspectState(t *testing.T, s *vamstest.System, op, k string) []map[string]any {
	t.Helper()
	var out struct {
		Providers []struct {
			Provider string
			Suspect  []map[string]any
		}
	}
	if code := call(t, s, http.MethodGet, "/ops/sync", op, &out); code != http.StatusOK {
		t.Fatalf("/ops/sync: %d", code)
	}
	for _, p := range out.Providers {
		if p.Provider == k {
			return p.Suspect
		}
	}
	return nil
}

func metric(t *testing.T, s *vamstest.System, line string) bool {
	t.Helper()
	res, err := http.Get(s.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return strings.Contains(string(body), line)
}

// A provider that forgets everything (the simulator's state wiped) does
// not move a veteran's mail: the scan is held, the sync state is SUSPECT
// (operator view, metric), and only the operator's release applies the
// deletes; a discard keeps VAMS's messages for good.
func TestForgettingProviderIsHeldUntilOperatorDecides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		for _, c := range []struct{ provider, kind, team string }{{"mhv", "MHV", "Primary Care Team Blue"}, {"oh", "OH", "Primary Care Team Red"}} {
			for _, action := range []string{"release", "discard"} {
				t.Run(c.provider+" "+action, func(t *testing.T) {
					s := vamstest.NewSystem(t, b, vamstest.SystemOptions{NoAtomPush: true})
					ctx := viewer.System(context.Background())
					vet, err := s.App.Store.Client.Veteran.Query().Where(veteran.Icn(demo.Veteran1ICN)).Only(ctx)
					if err != nil {
						t.Fatal(err)
					}
					reconcile := func() {
						t.Helper()
						if err := s.App.Engine.Reconcile(ctx, vet.ID, providerkind.Kind(c.kind)); err != nil {
							t.Fatalf("reconcile: %v", err)
						}
					}
					sendDelivered(t, s, c.team, 5)
					reconcile()
					before := folders(t, s)
					op, err := s.App.Issuer.Issue(demo.Veteran2ICN, time.Hour, "operator")
					if err != nil {
						t.Fatal(err)
					}

					s.Control(c.provider, http.MethodPost, "wipe", nil, nil)
					reconcile()
					if got := folders(t, s); got["Sent"] != before["Sent"] || got["Trash"] != before["Trash"] {
						t.Fatalf("after the wipe folders went from %v to %v; nothing may move", before, got)
					}
					held := suspectState(t, s, op, c.kind)
					if len(held) != 1 || held[0]["veteranId"] != vet.ID || held[0]["reason"] == "" {
						t.Fatalf("operator view of held scans: %v", held)
					}
					if !metric(t, s, `vams_sync_suspect{provider="`+c.kind+`"} 1`) {
						t.Fatal("metric vams_sync_suspect does not show the held scan")
					}
					reconcile() // still held: nothing moves on the next scan either
					if got := folders(t, s); got["Trash"] != before["Trash"] {
						t.Fatalf("a second scan moved mail while SUSPECT: %v", got)
					}

					path := "/ops/sync/" + c.kind + "/" + vet.ID + "/" + action
					if code := call(t, s, http.MethodPost, path, op, nil); code != http.StatusOK {
						t.Fatalf("%s: %d", path, code)
					}
					if code := call(t, s, http.MethodPost, path, op, nil); code != http.StatusConflict {
						t.Fatalf("second %s: %d, want 409 (nothing held)", action, code)
					}
					reconcile()
					got := folders(t, s)
					if action == "release" && got["Trash"] != before["Trash"]+5 {
						t.Fatalf("after release folders are %v (before %v); the 5 deletes must apply", got, before)
					}
					if action == "discard" && (got["Sent"] != before["Sent"] || got["Trash"] != before["Trash"]) {
						t.Fatalf("after discard folders are %v (before %v); nothing may move", got, before)
					}
					if held := suspectState(t, s, op, c.kind); len(held) != 0 {
						t.Fatalf("still held after %s: %v", action, held)
					}
				})
			}
		}
	})
}

// sendDelivered sends n messages to the team and waits for each delivery.
func sendDelivered(t *testing.T, s *vamstest.System, team string, n int) {
	t.Helper()
	var teams struct {
		Viewer struct{ CareTeams []struct{ ID, Name string } }
	}
	s.MustDo(demo.Veteran1ICN, `{ viewer { careTeams { id name } } }`, nil, &teams)
	id := ""
	for _, ct := range teams.Viewer.CareTeams {
		if ct.Name == team {
			id = ct.ID
		}
	}
	for i := range n {
		var out struct {
			SendMessage struct{ Message struct{ ID string } }
		}
		s.MustDo(demo.Veteran1ICN, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id } } }`,
			map[string]any{"in": map[string]any{"careTeamId": id, "category": "OTHER",
				"subject": "Held scan " + string(rune('A'+i)), "body": "Message number " + string(rune('A'+i))}}, &out)
		vamstest.Eventually(t, 15*time.Second, "delivery", func() bool {
			var m struct {
				Node struct{ DeliveryStatus *string }
			}
			s.MustDo(demo.Veteran1ICN, `query($id: ID!) { node(id: $id) { ... on Message { deliveryStatus } } }`,
				map[string]any{"id": out.SendMessage.Message.ID}, &m)
			return m.Node.DeliveryStatus != nil && *m.Node.DeliveryStatus == "DELIVERED"
		})
	}
}
