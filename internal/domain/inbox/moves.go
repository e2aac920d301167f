package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/domain/events"
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
		if f.System != nil && (*f.System == folder.SystemDRAFTS || *f.System == folder.SystemSENT) {
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
		if cur.System == nil || *cur.System != folder.SystemTRASH {
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
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkID(threadID, ids.Thread, "threadId"); err != nil {
		return nil, err
	}
	var th *ent.Thread
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		th, err = tx.Client.Thread.Get(ctx, threadID)
		if err != nil {
			return mapNotFound(err, "threadId")
		}
		from, err := tx.Client.Folder.Get(ctx, th.FolderID)
		if err != nil {
			return err
		}
		if from.System != nil && *from.System == folder.SystemDRAFTS {
			return newErr(CodeInvalidMove, "threadId", "Drafts stay in Drafts; send or delete the draft instead.")
		}
		to, err := target(tx, vid, th)
		if err != nil {
			return err
		}
		if to.ID == from.ID {
			return nil
		}
		if th, err = tx.Client.Thread.UpdateOne(th).SetFolderID(to.ID).Save(ctx); err != nil {
			return err
		}
		// Trash is the one move providers know about (as delete and undelete).
		toTrash := to.System != nil && *to.System == folder.SystemTRASH
		fromTrash := from.System != nil && *from.System == folder.SystemTRASH
		if s.outbox != nil && toTrash != fromTrash {
			st := providers.StatusDeleted
			if fromTrash {
				st = providers.StatusRead
			}
			msgs, err := tx.Client.Message.Query().Where(message.ThreadID(th.ID), message.IsDraft(false)).IDs(ctx)
			if err != nil {
				return err
			}
			if err := s.writeStatuses(ctx, tx, msgs, st); err != nil {
				return err
			}
		}
		return s.change(ctx, tx, vid, "Thread", th.ID, change.OpUPDATED, events.Event{Kind: events.ThreadUpdated, ThreadID: th.ID})
	})
	return th, err
}

// writeStatuses queues the write-back of a status for each message.
func (s *Service) writeStatuses(ctx context.Context, tx *store.Tx, messageIDs []string, st providers.Status) error {
	if s.outbox == nil {
		return nil
	}
	for _, id := range messageIDs {
		if err := s.outbox.WriteStatus(ctx, tx, id, st); err != nil {
			return err
		}
	}
	return nil
}
