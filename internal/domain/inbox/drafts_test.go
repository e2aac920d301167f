package inbox_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/ids"
)

func ptr[T any](v T) *T { return &v }

func (w *world) draft(t *testing.T, in inbox.Draft) (*ent.Thread, *ent.Message) {
	t.Helper()
	return must2[*ent.Thread, *ent.Message](t)(w.Inbox.SaveDraft(w.ctx, in))
}

func TestNewMessageDraftSaveUpdateSend(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		logged := len(w.changes(t))
		th, d := w.draft(t, inbox.Draft{CareTeamID: w.team, Subject: ptr(" Question "), Body: "first"})
		if th.FolderID != w.systemFolder(t, folder.SystemDRAFTS) || th.MessageCount != 0 || th.Subject != "Question" || th.Category != thread.CategoryOTHER {
			t.Errorf("new draft's thread: %+v", th)
		}
		if !d.IsDraft || d.Body != "first" || d.ThreadID != th.ID {
			t.Errorf("draft: %+v", d)
		}

		th2, d2 := w.draft(t, inbox.Draft{DraftID: d.ID, Subject: ptr("Question about meds"), Category: ptr(thread.CategoryMEDICATIONS), Body: "second"})
		if d2.ID != d.ID || d2.Body != "second" || th2.ID != th.ID || th2.Subject != "Question about meds" || th2.Category != thread.CategoryMEDICATIONS {
			t.Errorf("updated draft %+v in thread %+v", d2, th2)
		}

		sent, msg := must2[*ent.Thread, *ent.Message](t)(w.Inbox.SendDraft(w.ctx, inbox.SendDraft{DraftID: d.ID}))
		if sent.ID != th.ID || sent.FolderID != w.systemFolder(t, folder.SystemSENT) || sent.MessageCount != 1 {
			t.Errorf("sent thread: folder %s, messages %d", w.folderOf(t, sent.ID), sent.MessageCount)
		}
		if msg.IsDraft || msg.Body != "second" || msg.ID == d.ID {
			t.Errorf("sent message: %+v (draft was %s)", msg, d.ID)
		}
		if ms := w.messages(t, th.ID); len(ms) != 1 || ms[0].ID != msg.ID {
			t.Errorf("thread holds %d messages, want only the sent one", len(ms))
		}
		if delivered, _ := w.out.queued(); !slices.Equal(delivered, []string{msg.ID}) {
			t.Errorf("deliveries %v, want [%s]", delivered, msg.ID)
		}
		// Each message change logs its thread right after it (once per transaction).
		want := []string{"Thread CREATED", "Message CREATED", "Message UPDATED", "Thread UPDATED",
			"Message DELETED", "Thread UPDATED", "Message CREATED"}
		if got := since(w.changes(t), logged); !slices.Equal(got, want) {
			t.Errorf("changes %v, want %v", got, want)
		}

		_, _, err := w.Inbox.SendDraft(w.ctx, inbox.SendDraft{DraftID: msg.ID})
		wantCode(t, err, inbox.CodeNotDraft, "draftId")
		_, _, err = w.Inbox.SaveDraft(w.ctx, inbox.Draft{DraftID: msg.ID, Body: "edit a sent message"})
		wantCode(t, err, inbox.CodeNotDraft, "draftId")
	})
}

func TestReplyDraftSendsAsReply(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		th, _ := w.clinicianStarts(t, w.team, "Your labs are normal.")
		_, d := w.draft(t, inbox.Draft{ThreadID: th.ID, Body: "Thanks, "})
		_, d = w.draft(t, inbox.Draft{DraftID: d.ID, Subject: ptr("ignored on a reply"), Body: "Thanks, doctor."})
		if got := w.thread(t, th.ID); got.Subject != "Lab results" || got.MessageCount != 1 {
			t.Errorf("a reply draft changed its thread: %+v", got)
		}
		sent, msg := must2[*ent.Thread, *ent.Message](t)(w.Inbox.SendDraft(w.ctx, inbox.SendDraft{DraftID: d.ID}))
		if sent.MessageCount != 2 || msg.Body != "Thanks, doctor." || sent.FolderID != th.FolderID {
			t.Errorf("sent reply: thread %+v, message %+v", sent, msg)
		}
	})
}

func TestDeleteDraft(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		// A new-message draft takes its thread with it.
		th, d := w.draft(t, inbox.Draft{CareTeamID: w.team, Body: "never mind"})
		logged := len(w.changes(t))
		gone, left, err := w.Inbox.DeleteDraft(w.ctx, d.ID)
		if err != nil || !gone || left != nil {
			t.Fatalf("DeleteDraft = %v, %v, %v; want thread deleted", gone, left, err)
		}
		if n := must[int](t)(w.Client().Thread.Query().Where(thread.ID(th.ID)).Count(w.System())); n != 0 {
			t.Error("new-message draft's thread survived")
		}
		if got := since(w.changes(t), logged); !slices.Equal(got, []string{"Message DELETED", "Thread UPDATED", "Thread DELETED"}) {
			t.Errorf("changes %v", got)
		}

		// A reply draft leaves the conversation.
		conv, _ := w.clinicianStarts(t, w.team, "Your labs are normal.")
		_, rd := w.draft(t, inbox.Draft{ThreadID: conv.ID, Body: "draft reply"})
		gone, left, err = w.Inbox.DeleteDraft(w.ctx, rd.ID)
		if err != nil || gone || left == nil || left.ID != conv.ID {
			t.Fatalf("DeleteDraft of reply draft = %v, %v, %v; want thread kept", gone, left, err)
		}
		if ms := w.messages(t, conv.ID); len(ms) != 1 || ms[0].IsDraft {
			t.Errorf("conversation after deleting its draft: %v", ms)
		}

		_, _, err = w.Inbox.DeleteDraft(w.ctx, w.messages(t, conv.ID)[0].ID)
		wantCode(t, err, inbox.CodeNotDraft, "draftId")
		_, _, err = w.Inbox.DeleteDraft(w.ctx, rd.ID)
		wantCode(t, err, inbox.CodeNotFound, "draftId")
	})
}

func TestSaveDraftRefusalsWriteNothing(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		in    func(w *world) inbox.Draft
		code  inbox.Code
		field string
	}{
		{"no team, thread or draft", func(w *world) inbox.Draft { return inbox.Draft{Body: "x"} },
			inbox.CodeInvalidInput, "careTeamId"},
		{"team the veteran was never associated with", func(w *world) inbox.Draft { return inbox.Draft{CareTeamID: w.stranger, Body: "x"} },
			inbox.CodeNotFound, "careTeamId"},
		{"team the veteran is no longer associated with", func(w *world) inbox.Draft { return inbox.Draft{CareTeamID: w.former, Body: "x"} },
			inbox.CodeCareTeamNotAssociated, "careTeamId"},
		{"unknown team", func(w *world) inbox.Draft { return inbox.Draft{CareTeamID: ids.New(ids.CareTeam), Body: "x"} },
			inbox.CodeNotFound, "careTeamId"},
		{"unknown thread", func(w *world) inbox.Draft { return inbox.Draft{ThreadID: ids.New(ids.Thread), Body: "x"} },
			inbox.CodeNotFound, "threadId"},
		{"draft ID of another kind", func(w *world) inbox.Draft { return inbox.Draft{DraftID: ids.New(ids.Thread), Body: "x"} },
			inbox.CodeNotFound, "draftId"},
		{"subject too long", func(w *world) inbox.Draft {
			return inbox.Draft{CareTeamID: w.team, Subject: ptr(strings.Repeat("s", inbox.MaxSubjectLength+1)), Body: "x"}
		}, inbox.CodeSubjectTooLong, "subject"},
		{"body too long", func(w *world) inbox.Draft {
			return inbox.Draft{CareTeamID: w.team, Body: strings.Repeat("b", inbox.MaxBodyLength+1)}
		}, inbox.CodeBodyTooLong, "body"},
		{"unknown category", func(w *world) inbox.Draft {
			return inbox.Draft{CareTeamID: w.team, Category: ptr(thread.Category("GOSSIP")), Body: "x"}
		}, inbox.CodeInvalidCategory, "category"},
	}
	each(t, func(t *testing.T, w *world) {
		w.useFormerTeam(t)
		before := w.rows(t)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, _, err := w.Inbox.SaveDraft(w.ctx, c.in(w))
				wantCode(t, err, c.code, c.field)
			})
		}
		if after := w.rows(t); after != before {
			t.Errorf("refused drafts wrote rows: before %+v, after %+v", before, after)
		}
	})
}

func TestSendDraftRefusalsKeepTheDraft(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(t *testing.T, w *world) string // returns the draft's ID
		code  inbox.Code
		field string
	}{
		{"blank body", func(t *testing.T, w *world) string {
			_, d := w.draft(t, inbox.Draft{CareTeamID: w.team, Subject: ptr("Question"), Body: " "})
			return d.ID
		}, inbox.CodeBodyRequired, "body"},
		{"new message without subject", func(t *testing.T, w *world) string {
			_, d := w.draft(t, inbox.Draft{CareTeamID: w.team, Body: "hello"})
			return d.ID
		}, inbox.CodeSubjectRequired, "subject"},
		{"new message to a blocked team", func(t *testing.T, w *world) string {
			// Drafting to a blocked team is allowed; sending is not.
			_, d := w.draft(t, inbox.Draft{CareTeamID: w.blocked, Subject: ptr("Question"), Body: "hello"})
			return d.ID
		}, inbox.CodeCareTeamBlocked, "draftId"},
		{"reply after the window closed", func(t *testing.T, w *world) string {
			th, _ := w.clinicianStarts(t, w.team, "Your labs are normal.")
			_, d := w.draft(t, inbox.Draft{ThreadID: th.ID, Body: "Thanks"})
			w.afterDays(46)
			return d.ID
		}, inbox.CodeReplyWindowClosed, "draftId"},
		{"team requires a signature, none given", func(t *testing.T, w *world) string {
			_, d := w.draft(t, inbox.Draft{CareTeamID: w.signature, Subject: ptr("Records"), Body: "hello"})
			return d.ID
		}, inbox.CodeSignatureRequired, "electronicSignature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			each(t, func(t *testing.T, w *world) {
				id := c.setup(t, w)
				before := w.rows(t)
				_, _, err := w.Inbox.SendDraft(w.ctx, inbox.SendDraft{DraftID: id})
				wantCode(t, err, c.code, c.field)
				if after := w.rows(t); after != before {
					t.Errorf("refused send wrote rows: before %+v, after %+v", before, after)
				}
				if d := must[*ent.Message](t)(w.Client().Message.Get(w.System(), id)); !d.IsDraft {
					t.Error("the draft is no longer a draft")
				}
			})
		})
	}
}
