package inbox_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers"
)

// Ingesting a care team's message is one transaction of eight statements,
// whether it starts a thread or joins one: the held references (one read),
// the care team, the thread when held, the thread's insert or update, the
// message, its reference, the change log and the veteran's change counter.
// A new thread is inserted with its first message's counts, and nothing is
// read back.
func TestIngestingAClinicianMessageIsOneTransactionOfFixedStatements(t *testing.T) {
	tests := []struct {
		name   string
		thread string // the provider's thread id; "" a new one each time
		want   int
	}{
		{"a message starting a thread", "", 8}, // its thread's reference instead of a thread read
		{"a message joining a held thread", "held", 8},
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b, vamstest.Options{JobQueue: true})
		vid := e.Veteran(icn, "Alex Morgan")
		ct := must[*ent.CareTeam](t)(e.Client().CareTeam.Get(e.System(), e.CareTeam(vid, vamstest.Team{Name: "Primary Care"})))
		n := 0
		ingest := func(thread string) {
			t.Helper()
			n++
			ext := fmt.Sprintf("counted-%d", n)
			if thread == "" {
				thread = "pt-" + ext
			}
			must2[string, bool](t)(e.Inbox.Ingest(e.System(), inbox.Incoming{Provider: ct.Provider, VeteranID: vid, Message: providers.Message{
				ExternalID: ext, ThreadExternalID: thread, CareTeamExternalID: ct.ProviderID, Direction: providers.ToVeteran,
				AuthorName: "Dr. Test Clinician", Subject: "Your question", Category: "OTHER", Body: "Please call the clinic.",
				BodyIncluded: true, SentAt: e.Now().Add(time.Duration(n) * time.Second), Status: providers.StatusUnread}}))
		}
		// Warm: the veteran's system folders are known, the held thread exists.
		ingest("")
		ingest("held")
		ingest("held")
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				e.SQL.Reset()
				ingest(tc.thread)
				if got := e.SQL.Begins(); got != 1 {
					t.Errorf("began %d transactions, want 1", got)
				}
				if got := e.SQL.Outside(); got != 0 {
					t.Errorf("%d statements outside the transaction, want none", got)
				}
				if got := e.SQL.Count(); got != tc.want {
					t.Errorf("cost %d statements, want %d", got, tc.want)
				}
			})
		}
	})
}
