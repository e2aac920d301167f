package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// MoveThread moves a thread to Inbox, Trash or a custom folder. Drafts and
// Sent are kept by VAMS itself: nothing moves into them, and drafts do not
// move out.
func (s *Service) MoveThread(ctx context.Context, threadID, folderID string) (*ent.Thread, error) {
	if err := checkID(folderID, ids.Folder, "folderId"); err != nil {
		return nil, err
	}
	return s.moveThread(ctx, threadID, func(tx *store.Tx, vid string, th *ent.Thread) (*ent.Folder, error) {
		f, err := tx.Client.Folder.Get(ctx, folderID)
		if err != nil {
			return nil, mapNotFound(err, "folderId")
		}
		if isSystem(f, folder.SystemDRAFTS) || isSystem(f, folder.SystemSENT) {
			return nil, newErr(CodeInvalidMove, "folderId", "Conversations can't be moved into %s.", f.Name)
		}
		return f, nil
	})
}

// DeleteThread moves a thread to Trash.
func (s *Service) DeleteThread(ctx context.Context, threadID string) (*ent.Thread, error) {
	return s.moveThread(ctx, threadID, func(tx *store.Tx, vid string, th *ent.Thread) (*ent.Folder, error) {
		return SystemFolder(ctx, tx.Client, vid, folder.SystemTRASH)
	})
}

// RestoreThread moves a thread out of Trash: to Inbox when the care team has
// written in it, to Sent otherwise.
func (s *Service) RestoreThread(ctx context.Context, threadID string) (*ent.Thread, error) {
	return s.moveThread(ctx, threadID, func(tx *store.Tx, vid string, th *ent.Thread) (*ent.Folder, error) {
		cur, err := tx.Client.Folder.Get(ctx, th.FolderID)
		if err != nil {
			return nil, err
		}
		if !isSystem(cur, folder.SystemTRASH) {
			return nil, newErr(CodeInvalidMove, "threadId", "Only conversations in Trash can be restored.")
		}
		return HomeFolder(ctx, tx.Client, vid, th.ID)
	})
}

// HomeFolder is where a thread belongs when it is in no folder of the
// veteran's choosing: Inbox once the care team has written, Sent before.
func HomeFolder(ctx context.Context, c *ent.Client, vid, threadID string) (*ent.Folder, error) {
	received, err := c.Message.Query().Where(message.ThreadID(threadID), message.AuthorKindNEQ(message.AuthorKindVETERAN)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	kind := folder.SystemSENT
	if received {
		kind = folder.SystemINBOX
	}
	return SystemFolder(ctx, c, vid, kind)
}

func (s *Service) moveThread(ctx context.Context, threadID string, target func(*store.Tx, string, *ent.Thread) (*ent.Folder, error)) (*ent.Thread, error) {
	return s.updateThread(ctx, threadID, func(tx *store.Tx, vid string, th *ent.Thread) (*ent.Thread, bool, error) {
		from, err := tx.Client.Folder.Get(ctx, th.FolderID)
		if err != nil {
			return nil, false, err
		}
		if isSystem(from, folder.SystemDRAFTS) {
			return nil, false, newErr(CodeInvalidMove, "threadId", "Drafts stay in Drafts; send or delete the draft instead.")
		}
		to, err := target(tx, vid, th)
		if err != nil || to.ID == from.ID {
			return th, false, err
		}
		if th, err = tx.Client.Thread.UpdateOne(th).SetFolderID(to.ID).Save(ctx); err != nil {
			return nil, false, err
		}
		// Trash is the one move providers know about (as delete and undelete).
		toTrash, fromTrash := isSystem(to, folder.SystemTRASH), isSystem(from, folder.SystemTRASH)
		if s.outbox == nil || toTrash == fromTrash {
			return th, true, nil
		}
		st := providers.StatusDeleted
		if fromTrash {
			st = providers.StatusRead
		}
		msgs, err := tx.Client.Message.Query().Where(message.ThreadID(th.ID), message.IsDraft(false)).IDs(ctx)
		if err != nil {
			return nil, false, err
		}
		return th, true, s.writeStatuses(ctx, tx, msgs, st)
	})
}

// isSystem reports whether f is the system folder of this kind.
func isSystem(f *ent.Folder, kind folder.System) bool { return f.System != nil && *f.System == kind }

// writeStatuses queues the write-back of a status for each message.
func (s *Service) writeStatuses(ctx context.Context, tx *store.Tx, messageIDs []string, st providers.Status) error {
	if s.outbox == nil {
		return nil
	}
	return s.outbox.WriteStatus(ctx, tx, messageIDs, st)
}
