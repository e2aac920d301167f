package ops_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

func call(t *testing.T, s *vamstest.System, method, path, token string, out any) int {
	t.Helper()
	return s.Call(method, path, token, out)
}

// refusedSend sends a message MHV refuses for good (VAMS believes the team
// accepts messages; MHV still blocks the veteran) and waits until it is
// FAILED. status reads its delivery status and the reason the veteran reads.
func refusedSend(t *testing.T, s *vamstest.System) (msgID string, status func() (string, string)) {
	t.Helper()
	ctx := viewer.System(context.Background())
	ct, err := s.App.Store.Client.CareTeam.Query().Where(careteam.ProviderID("1017")).Only(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Store.Client.Association.Update().Where(association.CareTeamID(ct.ID)).SetBlocked(false).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var sent struct {
		SendMessage struct {
			Message struct{ ID string }
		}
	}
	s.MustDo(demo.Veteran1ICN, `mutation($c: ID!) { sendMessage(input: {careTeamId: $c, category: OTHER, subject: "Hearing aid", body: "Batteries please"}) { message { id } } }`,
		map[string]any{"c": ct.ID}, &sent)
	msgID = sent.SendMessage.Message.ID
	status = func() (string, string) {
		var out struct {
			Node struct {
				DeliveryStatus        string
				DeliveryFailureReason *string
			}
		}
		s.MustDo(demo.Veteran1ICN, `query($m: ID!) { node(id: $m) { ... on Message { deliveryStatus deliveryFailureReason } } }`, map[string]any{"m": msgID}, &out)
		r := ""
		if out.Node.DeliveryFailureReason != nil {
			r = *out.Node.DeliveryFailureReason
		}
		return out.Node.DeliveryStatus, r
	}
	vamstest.Eventually(t, 10*time.Second, "FAILED", func() bool { st, _ := status(); return st == "FAILED" })
	return msgID, status
}

// A message the provider refuses for good is FAILED with a reason the
// veteran can read; an operator sees it and can retry it.
func TestFailedDeliveryIsVisibleAndRetryable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		msgID, status := refusedSend(t, s)
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
			failed.Failed[0].MessageID != msgID || failed.Failed[0].Reason == "" {
			t.Fatalf("operator list: %d %+v", code, failed)
		}
		var syncOut struct {
			Providers []struct{ Provider, Circuit string }
		}
		if code := call(t, s, http.MethodGet, "/ops/sync", op, &syncOut); code != 200 || len(syncOut.Providers) != 2 || syncOut.Providers[0].Circuit != "closed" {
			t.Fatalf("sync status: %d %+v", code, syncOut)
		}
		if code := call(t, s, http.MethodPost, "/ops/deliveries/"+msgID+"/retry", op, nil); code != http.StatusAccepted {
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

// A delivery left SENDING after its last attempt, with nobody knowing
// whether the provider holds it, is listed with that reason; an operator's
// recheck queues exactly one more attempt, which looks for the provider's
// copy before sending (here there is none, and MHV refuses it again), and
// every other state or message is refused.
func TestADeliveryLeftUnknownIsListedAndRecheckedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		msgID, status := refusedSend(t, s)
		op, err := s.App.Issuer.Issue(demo.Veteran2ICN, time.Hour, "operator")
		if err != nil {
			t.Fatal(err)
		}
		recheck := func(id, token string) int {
			t.Helper()
			return call(t, s, http.MethodPost, "/ops/deliveries/"+id+"/recheck", token, nil)
		}
		if code := recheck(msgID, op); code != http.StatusConflict {
			t.Fatalf("recheck of a FAILED delivery: %d, want 409", code)
		}
		// The delivery's job has ended (refused); leave it as a last attempt
		// with an unknown outcome leaves it.
		ctx := viewer.System(context.Background())
		if err := s.App.Inbox.StartDelivery(ctx, msgID); err != nil {
			t.Fatal(err)
		}
		if err := s.App.Inbox.LeaveDeliveryUnknown(ctx, msgID); err != nil {
			t.Fatal(err)
		}
		var unknown struct {
			Unknown []struct{ MessageID, Reason string }
		}
		if code := call(t, s, http.MethodGet, "/ops/deliveries/unknown", op, &unknown); code != 200 || len(unknown.Unknown) != 1 ||
			unknown.Unknown[0].MessageID != msgID || unknown.Unknown[0].Reason != inbox.OutcomeUnknown {
			t.Fatalf("unknown deliveries: %d %+v", code, unknown)
		}
		if st, reason := status(); st != "SENDING" || reason != "" {
			t.Fatalf("the veteran reads %s %q, want SENDING without a reason", st, reason)
		}
		if code := recheck(msgID, s.Token(demo.Veteran1ICN)); code != http.StatusForbidden {
			t.Fatalf("a veteran's recheck: %d, want 403", code)
		}
		if code := recheck("msg_none", op); code != http.StatusNotFound {
			t.Fatalf("recheck of no message: %d, want 404", code)
		}
		if code := recheck(msgID, op); code != http.StatusAccepted {
			t.Fatalf("recheck: %d, want 202", code)
		}
		if code := recheck(msgID, op); code != http.StatusConflict {
			t.Fatalf("a second recheck: %d, want 409", code)
		}
		vamstest.Eventually(t, 10*time.Second, "the recheck's attempt", func() bool {
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
