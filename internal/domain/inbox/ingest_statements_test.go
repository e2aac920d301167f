package inbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers"
)

// Ingesting a care team's message is one transaction of a fixed number of
// statements, whether it starts a thread or joins one: six for the message
// on PostgreSQL (the held references in one read, the thread read or its
// reference written, the thread's insert or update, the message, its
// reference, and the change log's rows with the veteran's change counter;
// the care team's id is known after its first message; SQLite numbers the
// change log in a statement of its own), one for the
// veteran's notification preferences with whether a device is registered,
// and two for each notification (its record and its job). A new thread is
// inserted with its first message's counts, and nothing is read back.
func TestIngestingAClinicianMessageIsOneTransactionOfFixedStatements(t *testing.T) {
	tests := []struct {
		name    string
		thread  string // the provider's thread id ("": a new one)
		device  bool   // the veteran registers a push device first
		none    bool   // the veteran turns notifications off first
		notices int    // notifications recorded
		want    int    // beyond the message's own statements
	}{
		{"a message starting a thread, emailed", "", false, false, 1, 1 + 2},
		{"a message joining a held thread, emailed", "held", false, false, 1, 1 + 2},
		{"a message to a veteran with a device, pushed and emailed", "", true, false, 2, 1 + 4},
		{"a message to a veteran who wants no notifications", "", false, true, 0, 1},
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		base := 6
		if b.Name != "postgres" {
			base = 7
		}
		e := vamstest.New(t, b, vamstest.Options{JobQueue: true, Notify: true})
		vid := e.Veteran(icn, "Alex Morgan")
		as := viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: vid, ICN: icn})
		ct := must[*ent.CareTeam](t)(e.Client().CareTeam.Get(e.System(), e.CareTeam(vid, vamstest.Team{Name: "Primary Care", Provider: providerkind.OH})))
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
		notices := func() int { return must[int](t)(e.Client().Notification.Query().Count(e.System())) }
		// Warm: the veteran's system folders are known, the held thread exists.
		ingest("")
		ingest("held")
		ingest("held")
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if tc.device {
					must[inbox.NotificationPreferences](t)(e.Inbox.RegisterPushDevice(as, "device-1"))
				}
				if tc.none {
					off, none := false, veteran.EmailFrequencyNONE
					must[inbox.NotificationPreferences](t)(e.Inbox.SetNotificationPreferences(as, inbox.NotificationPreferenceChange{Push: &off, Email: &none}))
				}
				before := notices()
				e.SQL.Reset()
				ingest(tc.thread)
				if got := e.SQL.Begins(); got != 1 {
					t.Errorf("began %d transactions, want 1", got)
				}
				if got := e.SQL.Outside(); got != 0 {
					t.Errorf("%d statements outside the transaction, want none", got)
				}
				if got := e.SQL.Count(); got != base+tc.want {
					t.Errorf("cost %d statements, want %d", got, base+tc.want)
				}
				if got := notices() - before; got != tc.notices {
					t.Errorf("%d notifications recorded, want %d", got, tc.notices)
				}
			})
		}
	})
}
