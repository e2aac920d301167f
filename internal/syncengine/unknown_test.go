package syncengine_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
)

// A provider that took the send but whose answer was lost (the connection
// closed after it acted), and that ignores the idempotency header as MHV and
// OH do: the retry finds the message there instead of sending it again.
func TestLostAnswerDeliversExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		// Bodies without a Latin letter or digit are found too: OH keeps
		// such text as '?', and the copy is compared as the provider keeps it.
		for _, c := range []struct{ provider, team, body string }{
			{"mhv", mhvTeamName, "Did you get my message about the refill?"},
			{"oh", ohTeamName, "Did you get my message about the refill?"},
			{"mhv", mhvTeamName, "Получили ли вы моё сообщение?"},
			{"oh", ohTeamName, "Получили ли вы моё сообщение?"},
			{"mhv", mhvTeamName, "🙏👍🏽"},
			{"oh", ohTeamName, "🙏👍🏽"},
		} {
			t.Run(c.provider+" "+c.body, func(t *testing.T) {
				// Without OH's Atom echo, the retry can only learn of the copy
				// by asking.
				s := vamstest.NewSystem(t, b, vamstest.SystemOptions{NoAtomPush: true})
				s.Control(c.provider, http.MethodPost, "faults", map[string]any{"ignoreIdempotencyKey": true, "loseAnswers": 1}, nil)
				subject := "Answer lost at " + c.provider
				th, msg := send(t, s, teamID(t, s, c.team), subject, c.body)
				vamstest.Eventually(t, 15*time.Second, "delivery", func() bool { return delivered(t, s, th, msg) })
				time.Sleep(500 * time.Millisecond) // any second delivery would be under way by now
				if n := len(simMessage(t, s, c.provider, subject, "TO_CLINICIAN")); n != 1 {
					t.Fatalf("provider holds %d copies, want exactly 1", n)
				}
				if got := thread(t, s, th); got.MessageCount != 1 {
					t.Fatalf("VAMS thread has %d messages, want 1", got.MessageCount)
				}
			})
		}
	})
}

// The last attempt's answer is lost: before giving up, VAMS asks the
// provider once more, finds its copy and records the message DELIVERED —
// never FAILED while the provider holds it.
func TestLastAttemptWithUnknownOutcomeLooksBeforeFailing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		for _, c := range []struct{ provider, team string }{{"mhv", mhvTeamName}, {"oh", ohTeamName}} {
			t.Run(c.provider, func(t *testing.T) {
				s := vamstest.NewSystem(t, b, vamstest.SystemOptions{NoAtomPush: true,
					Engine: syncengine.Config{MaxDeliveryAttempts: 1}})
				s.Control(c.provider, http.MethodPost, "faults", map[string]any{"ignoreIdempotencyKey": true, "loseAnswers": 1}, nil)
				subject := "Only attempt at " + c.provider
				th, msg := send(t, s, teamID(t, s, c.team), subject, "One try only.")
				vamstest.Eventually(t, 15*time.Second, "an outcome", func() bool {
					for _, e := range thread(t, s, th).Messages.Edges {
						if e.Node.ID == msg && e.Node.DeliveryStatus != nil && *e.Node.DeliveryStatus != "QUEUED" && *e.Node.DeliveryStatus != "SENDING" {
							return true
						}
					}
					return false
				})
				if !delivered(t, s, th, msg) {
					t.Fatal("the provider holds the message but VAMS did not record it DELIVERED")
				}
				if n := len(simMessage(t, s, c.provider, subject, "TO_CLINICIAN")); n != 1 {
					t.Fatalf("provider holds %d copies, want exactly 1", n)
				}
			})
		}
	})
}
