package inbox_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/providers"
)

// History a veteran deleted at the provider before VAMS imported it is filed
// in Trash and read; a thread keeps its folder while any of
// its messages is still held at the provider.
func TestHistoryDeletedAtTheProviderArrivesInTrash(t *testing.T) {
	type msg struct {
		from   providers.Direction
		status providers.Status
	}
	clinician := func(st providers.Status) msg { return msg{providers.ToVeteran, st} }
	veteran := func(st providers.Status) msg { return msg{providers.ToClinician, st} }
	tests := []struct {
		name       string
		thread     []msg // oldest first, one provider thread
		wantFolder folder.System
		wantUnread int
	}{
		{"a care team's deleted message", []msg{clinician(providers.StatusDeleted)}, folder.SystemTRASH, 0},
		{"the veteran's deleted message", []msg{veteran(providers.StatusDeleted)}, folder.SystemTRASH, 0},
		{"a conversation deleted whole", []msg{veteran(providers.StatusDeleted), clinician(providers.StatusDeleted)}, folder.SystemTRASH, 0},
		{"a deleted reply in a held conversation", []msg{clinician(providers.StatusUnread), clinician(providers.StatusDeleted)}, folder.SystemINBOX, 1},
		{"a deleted question with a live answer", []msg{veteran(providers.StatusDeleted), clinician(providers.StatusRead)}, folder.SystemINBOX, 0},
		{"an unread message, not deleted", []msg{clinician(providers.StatusUnread)}, folder.SystemINBOX, 1},
	}
	each(t, func(t *testing.T, w *world) {
		ct := must[*ent.CareTeam](t)(w.Client().CareTeam.Get(w.System(), w.team))
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var last string
				for j, m := range tc.thread {
					ext := fmt.Sprintf("deleted-%d-%d", i, j)
					must2[string, bool](t)(w.Inbox.Ingest(w.System(), inbox.Incoming{Provider: ct.Provider, VeteranID: w.vid,
						EchoWaitOver: true, Message: providers.Message{
							ExternalID: ext, ThreadExternalID: fmt.Sprintf("pt-%d", i), CareTeamExternalID: ct.ProviderID,
							Direction: m.from, AuthorName: "Dr. Test Clinician", Subject: "Old question", Category: "OTHER",
							Body: "Imported history.", BodyIncluded: true, SentAt: w.Now().Add(time.Duration(j-len(tc.thread)) * time.Minute),
							Status: m.status}}))
					last = ext
				}
				th := w.threadOf(t, last)
				if got := w.folderOf(t, th.ID); got != string(tc.wantFolder) {
					t.Errorf("thread in %s, want %s", got, tc.wantFolder)
				}
				if th.UnreadCount != tc.wantUnread {
					t.Errorf("unread count %d, want %d", th.UnreadCount, tc.wantUnread)
				}
				unread := 0
				for _, m := range w.messages(t, th.ID) {
					if m.AuthorKind == "CLINICIAN" && m.ReadAt == nil {
						unread++
					}
				}
				if unread != tc.wantUnread {
					t.Errorf("%d unread messages, want %d (the thread's count and its messages disagree)", unread, tc.wantUnread)
				}
			})
		}
	})
}
