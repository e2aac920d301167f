package inbox_test

import (
	"fmt"
	"testing"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/attachment"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/providers"
)

// A thread may hold attachments exactly when one of its messages has one,
// whichever way its messages came: the thread opens without reading them
// otherwise (inbox.MayHoldAttachments).
func TestAThreadMayHoldAttachmentsExactlyWhenAMessageHasOne(t *testing.T) {
	file := []providers.AttachmentInfo{{ExternalID: "att-1", Filename: "results.pdf", ContentType: "application/pdf", Size: 10}}
	tests := []struct {
		name  string
		files [][]providers.AttachmentInfo // per ingested message, oldest first
		reply bool                         // the veteran replies with a file
	}{
		{"a care team's message without a file", [][]providers.AttachmentInfo{nil}, false},
		{"a care team's message with a file", [][]providers.AttachmentInfo{file}, false},
		{"a file in a later message of the conversation", [][]providers.AttachmentInfo{nil, file}, false},
		{"two messages without files", [][]providers.AttachmentInfo{nil, nil}, false},
		{"the veteran's reply with a file", [][]providers.AttachmentInfo{nil}, true},
	}
	each(t, func(t *testing.T, w *world) {
		ct := must[*ent.CareTeam](t)(w.Client().CareTeam.Get(w.System(), w.team))
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var last string
				for j, files := range tc.files {
					last = fmt.Sprintf("mark-%d-%d", i, j)
					must2[string, bool](t)(w.Inbox.Ingest(w.System(), inbox.Incoming{Provider: ct.Provider, VeteranID: w.vid,
						EchoWaitOver: true, Message: providers.Message{
							ExternalID: last, ThreadExternalID: fmt.Sprintf("mark-thread-%d", i), CareTeamExternalID: ct.ProviderID,
							Direction: providers.ToVeteran, AuthorName: "Dr. Test Clinician", Subject: "Results", Category: "OTHER",
							Body: "See the results.", BodyIncluded: true, SentAt: w.Now(), Status: providers.StatusUnread,
							Attachments: files}}))
				}
				th := w.threadOf(t, last)
				if tc.reply {
					th, _ = must2[*ent.Thread, *ent.Message](t)(w.Inbox.ReplyToThread(w.ctx, inbox.Reply{ThreadID: th.ID, Body: "Attached.",
						Attachments: []inbox.File{note("list.txt", "lisinopril")}}))
				}
				held := must[int](t)(w.Client().Attachment.Query().Where(attachment.HasMessageWith(message.ThreadID(th.ID))).Count(w.System()))
				stored := w.thread(t, th.ID)
				if inbox.MayHoldAttachments(stored) != (held > 0) || inbox.MayHoldAttachments(th) != (held > 0) {
					t.Errorf("%d attachments held; MayHoldAttachments %v stored, %v returned", held, inbox.MayHoldAttachments(stored), inbox.MayHoldAttachments(th))
				}
			})
		}
	})
}
