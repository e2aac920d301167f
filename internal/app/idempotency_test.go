package app_test

import (
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// TestRetriedSendReachesTheProviderOnce: a phone that lost the response
// sends the same message three times with one clientMutationId; the care
// team gets one message, VAMS holds one, and every answer is the same.
func TestRetriedSendReachesTheProviderOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		team := teamNamed(s, demo.Veteran1ICN, "Primary Care Team Blue") // served by MHV
		const subject = "Refill, sent once"
		in := map[string]any{"in": map[string]any{"careTeamId": team, "category": "MEDICATIONS", "subject": subject,
			"body": "Please refill my lisinopril.", "clientMutationId": "compose-7f3c9a52"}}
		type answer struct {
			SendMessage struct {
				Thread  struct{ ID, Subject string }
				Message struct{ ID, Body string }
			}
		}
		var first answer
		for i := range 3 {
			var got answer
			s.MustDo(demo.Veteran1ICN, `mutation($in: SendMessageInput!) { sendMessage(input: $in) {
				thread { id subject } message { id body } } }`, in, &got)
			if i == 0 {
				first = got
			} else if got != first {
				t.Fatalf("send %d answered %+v, first %+v", i+1, got, first)
			}
		}
		delivered := func() bool {
			var out struct {
				Node struct{ DeliveryStatus string }
			}
			s.MustDo(demo.Veteran1ICN, `query($id: ID!) { node(id: $id) { ... on Message { deliveryStatus } } }`,
				map[string]any{"id": first.SendMessage.Message.ID}, &out)
			return out.Node.DeliveryStatus == "DELIVERED"
		}
		vamstest.Eventually(t, 15*time.Second, "delivery", delivered)
		time.Sleep(300 * time.Millisecond) // room for a second delivery, were one queued
		copies := 0
		for _, m := range s.SimMessages("mhv", demo.Veteran1ICN) {
			if m.Subject == subject && m.Direction == "TO_CLINICIAN" {
				copies++
			}
		}
		var mine struct {
			Viewer struct {
				Threads struct {
					Edges []struct{ Node struct{ Subject string } }
				}
			}
		}
		s.MustDo(demo.Veteran1ICN, `query($s: String) { viewer { threads(first: 100, filter: {search: $s}) { edges { node { subject } } } } }`,
			map[string]any{"s": "sent once"}, &mine)
		if copies != 1 || len(mine.Viewer.Threads.Edges) != 1 {
			t.Fatalf("the provider holds %d copies and VAMS %d threads, want 1 and 1", copies, len(mine.Viewer.Threads.Edges))
		}
	})
}
