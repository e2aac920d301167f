package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// MarkThreadRead marks every message of the thread read and writes the read
// back to the providers that carried them.
func (s *Service) MarkThreadRead(ctx context.Context, threadID string) (*ent.Thread, error) {
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
		unread, err := tx.Client.Message.Query().Where(message.ThreadID(th.ID), message.ReadAtIsNil(),
			message.AuthorKindNEQ(message.AuthorKindVETERAN), message.IsDraft(false)).IDs(ctx)
		if err != nil {
			return err
		}
		if len(unread) == 0 && th.UnreadCount == 0 {
			return nil
		}
		now := s.now()
		if err := tx.Client.Message.Update().Where(message.IDIn(unread...)).SetReadAt(now).Exec(ctx); err != nil {
			return err
		}
		if th, err = tx.Client.Thread.UpdateOne(th).SetUnreadCount(0).Save(ctx); err != nil {
			return err
		}
		if err := s.writeStatuses(ctx, tx, unread, providers.StatusRead); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Thread", th.ID, change.OpUPDATED, events.Event{Kind: events.ThreadUpdated, ThreadID: th.ID})
	})
	return th, err
}

// MarkThreadUnread flags the thread's latest care-team message unread again.
// It is the veteran's reminder in VAMS only: providers keep their read state
// (read state is monotonic at the provider, see docs/adr/0003).
func (s *Service) MarkThreadUnread(ctx context.Context, threadID string) (*ent.Thread, error) {
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
		last, err := tx.Client.Message.Query().Where(message.ThreadID(th.ID), message.AuthorKindNEQ(message.AuthorKindVETERAN),
			message.IsDraft(false)).Order(ent.Desc(message.FieldSentAt), ent.Desc(message.FieldID)).First(ctx)
		if ent.IsNotFound(err) {
			return newErr(CodeInvalidInput, "threadId", "There is no message from your care team to mark unread.")
		}
		if err != nil {
			return err
		}
		if last.ReadAt == nil {
			return nil
		}
		if err := tx.Client.Message.UpdateOne(last).ClearReadAt().Exec(ctx); err != nil {
			return err
		}
		if th, err = tx.Client.Thread.UpdateOne(th).AddUnreadCount(1).Save(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Thread", th.ID, change.OpUPDATED, events.Event{Kind: events.ThreadUpdated, ThreadID: th.ID})
	})
	return th, err
}
