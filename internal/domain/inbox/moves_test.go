package inbox_test

import (
	"slices"
	"testing"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/providers"
)

func TestTrashAndRestoreReturnThreadHome(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		start func(t *testing.T, w *world) *ent.Thread
		home  folder.System
	}{
		{"care team wrote: Inbox", func(t *testing.T, w *world) *ent.Thread {
			th, _ := w.clinicianStarts(t, w.team, "Your labs are normal.")
			return th
		}, folder.SystemINBOX},
		{"veteran only: Sent", func(t *testing.T, w *world) *ent.Thread {
			th, _ := w.send(t, "Refill", "Please refill.")
			return th
		}, folder.SystemSENT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			each(t, func(t *testing.T, w *world) {
				th := c.start(t, w)
				msg := w.messages(t, th.ID)[0].ID
				_, _ = w.draft(t, inbox.Draft{ThreadID: th.ID, Body: "draft reply"}) // drafts never go to providers
				logged := len(w.changes(t))

				trashed := must[*ent.Thread](t)(w.Inbox.DeleteThread(w.ctx, th.ID))
				if trashed.FolderID != w.systemFolder(t, folder.SystemTRASH) {
					t.Errorf("deleted thread is in %s, want TRASH", w.folderOf(t, th.ID))
				}
				restored := must[*ent.Thread](t)(w.Inbox.RestoreThread(w.ctx, th.ID))
				if restored.FolderID != w.systemFolder(t, c.home) {
					t.Errorf("restored thread is in %s, want %s", w.folderOf(t, th.ID), c.home)
				}
				_, writes := w.out.queued()
				want := []statusWrite{{msg, providers.StatusDeleted}, {msg, providers.StatusRead}}
				if !slices.Equal(writes, want) {
					t.Errorf("status writes %v, want %v", writes, want)
				}
				if got := since(w.changes(t), logged); !slices.Equal(got, []string{"Thread UPDATED", "Thread UPDATED"}) {
					t.Errorf("changes %v", got)
				}
			})
		})
	}
}

func TestMoveThreadRules(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		th, _ := w.clinicianStarts(t, w.team, "Your labs are normal.")
		draftThread, _ := w.draft(t, inbox.Draft{CareTeamID: w.team, Body: "unsent"})
		travel := must[*ent.Folder](t)(w.Inbox.CreateFolder(w.ctx, inbox.NewFolder{Name: "Travel"}))
		inboxID, sent, drafts := w.systemFolder(t, folder.SystemINBOX), w.systemFolder(t, folder.SystemSENT), w.systemFolder(t, folder.SystemDRAFTS)

		refusals := []struct {
			name           string
			do             func() error
			code           inbox.Code
			field          string
			stays, current string
		}{
			{"into Sent", func() error { _, err := w.Inbox.MoveThread(w.ctx, th.ID, sent); return err },
				inbox.CodeInvalidMove, "folderId", th.ID, "INBOX"},
			{"into Drafts", func() error { _, err := w.Inbox.MoveThread(w.ctx, th.ID, drafts); return err },
				inbox.CodeInvalidMove, "folderId", th.ID, "INBOX"},
			{"a draft out of Drafts", func() error { _, err := w.Inbox.MoveThread(w.ctx, draftThread.ID, travel.ID); return err },
				inbox.CodeInvalidMove, "threadId", draftThread.ID, "DRAFTS"},
			{"a draft to Trash", func() error { _, err := w.Inbox.DeleteThread(w.ctx, draftThread.ID); return err },
				inbox.CodeInvalidMove, "threadId", draftThread.ID, "DRAFTS"},
			{"restore what is not in Trash", func() error { _, err := w.Inbox.RestoreThread(w.ctx, th.ID); return err },
				inbox.CodeInvalidMove, "threadId", th.ID, "INBOX"},
			{"to a folder ID of another kind", func() error { _, err := w.Inbox.MoveThread(w.ctx, th.ID, th.ID); return err },
				inbox.CodeNotFound, "folderId", th.ID, "INBOX"},
		}
		logged := len(w.changes(t))
		for _, r := range refusals {
			wantCode(t, r.do(), r.code, r.field)
			if got := w.folderOf(t, r.stays); got != r.current {
				t.Errorf("%s: thread moved to %s", r.name, got)
			}
		}
		if got := since(w.changes(t), logged); len(got) > 0 {
			t.Errorf("refused moves logged %v", got)
		}

		moved := must[*ent.Thread](t)(w.Inbox.MoveThread(w.ctx, th.ID, travel.ID))
		if moved.FolderID != travel.ID {
			t.Errorf("moved to %s, want Travel", w.folderOf(t, th.ID))
		}
		must[*ent.Thread](t)(w.Inbox.MoveThread(w.ctx, th.ID, travel.ID))
		must[*ent.Thread](t)(w.Inbox.MoveThread(w.ctx, th.ID, inboxID))
		if got := since(w.changes(t), logged); !slices.Equal(got, []string{"Thread UPDATED", "Thread UPDATED"}) {
			t.Errorf("changes %v: want one per real move, none for moving where it is", got)
		}
		if _, writes := w.out.queued(); len(writes) > 0 {
			t.Errorf("moves between folders wrote statuses %v; only Trash is a provider status", writes)
		}
	})
}
