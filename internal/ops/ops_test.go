package ops_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

func call(t *testing.T, s *vamstest.System, method, path, token string, out any) int {
	t.Helper()
	return s.Call(method, path, token, out)
}

// A message the provider refuses for good is FAILED with a reason the
// veteran can read; an operator sees it and can retry it.
func TestFailedDeliveryIsVisibleAndRetryable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		ctx := viewer.System(context.Background())
		// VAMS believes the team accepts messages; MHV still blocks the veteran.
		ct, err := s.App.Store.Client.CareTeam.Query().Where(careteam.ProviderID("1017")).Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.App.Store.Client.Association.Update().Where(association.CareTeamID(ct.ID)).SetBlocked(false).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		var sent struct {
			SendMessage struct {
				Thread  struct{ ID string }
				Message struct{ ID string }
			}
		}
		s.MustDo(demo.Veteran1ICN, `mutation($c: ID!) { sendMessage(input: {careTeamId: $c, category: OTHER, subject: "Hearing aid", body: "Batteries please"}) { thread { id } message { id } } }`,
			map[string]any{"c": ct.ID}, &sent)
		status := func() (string, string) {
			var out struct {
				Node struct {
					DeliveryStatus        string
					DeliveryFailureReason *string
				}
			}
			s.MustDo(demo.Veteran1ICN, `query($m: ID!) { node(id: $m) { ... on Message { deliveryStatus deliveryFailureReason } } }`, map[string]any{"m": sent.SendMessage.Message.ID}, &out)
			r := ""
			if out.Node.DeliveryFailureReason != nil {
				r = *out.Node.DeliveryFailureReason
			}
			return out.Node.DeliveryStatus, r
		}
		vamstest.Eventually(t, 10*time.Second, "FAILED", func() bool { st, _ := status(); return st == "FAILED" })
		if _, reason := status(); reason == "" {
			t.Fatal("a failed delivery needs a reason the veteran can read")
		}

		vet := s.Token(demo.Veteran1ICN)
		op, err := s.App.Issuer.Issue(demo.Veteran2ICN, time.Hour, "operator")
		if err != nil {
			t.Fatal(err)
		}
		if code := call(t, s, http.MethodGet, "/ops/deliveries/failed", vet, nil); code != http.StatusForbidden {
			t.Fatalf("veteran on /ops: %d, want 403", code)
		}
		var failed struct {
			Failed []struct{ MessageID, Reason string }
		}
		if code := call(t, s, http.MethodGet, "/ops/deliveries/failed", op, &failed); code != 200 || len(failed.Failed) != 1 ||
			failed.Failed[0].MessageID != sent.SendMessage.Message.ID || failed.Failed[0].Reason == "" {
			t.Fatalf("operator list: %d %+v", code, failed)
		}
		var syncOut struct {
			Providers []struct{ Provider, Circuit string }
		}
		if code := call(t, s, http.MethodGet, "/ops/sync", op, &syncOut); code != 200 || len(syncOut.Providers) != 2 || syncOut.Providers[0].Circuit != "closed" {
			t.Fatalf("sync status: %d %+v", code, syncOut)
		}
		if code := call(t, s, http.MethodPost, "/ops/deliveries/"+sent.SendMessage.Message.ID+"/retry", op, nil); code != http.StatusAccepted {
			t.Fatalf("retry: %d", code)
		}
		if st, _ := status(); st != "QUEUED" && st != "SENDING" && st != "FAILED" {
			t.Fatalf("after retry: %s", st)
		}
		vamstest.Eventually(t, 10*time.Second, "the retry to run", func() bool {
			var n int
			err := s.App.Store.DB.QueryRow("SELECT COUNT(*) FROM river_job WHERE kind = 'deliver_message'").Scan(&n)
			st, _ := status()
			return err == nil && n == 2 && st == "FAILED"
		})
		for _, m := range s.SimMessages("mhv", demo.Veteran1ICN) {
			if m.Subject == "Hearing aid" {
				t.Fatalf("the provider refused the message, yet holds a copy")
			}
		}
	})
}
