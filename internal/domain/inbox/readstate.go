package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// MarkThreadRead marks every message of the thread read and writes the read
// back to the providers that carried them.
func (s *Service) MarkThreadRead(ctx context.Context, threadID string) (*ent.Thread, error) {
	return s.updateThread(ctx, threadID, func(tx *store.Tx, vid string, th *ent.Thread) (*ent.Thread, bool, error) {
		unread, err := tx.Client.Message.Query().Where(message.ThreadID(th.ID), message.ReadAtIsNil(),
			message.AuthorKindNEQ(message.AuthorKindVETERAN), message.IsDraft(false)).IDs(ctx)
		if err != nil || len(unread) == 0 && th.UnreadCount == 0 {
			return th, false, err
		}
		now := s.now()
		if err := tx.Client.Message.Update().Where(message.IDIn(unread...)).SetReadAt(now).Exec(ctx); err != nil {
			return nil, false, err
		}
		if th, err = tx.Client.Thread.UpdateOne(th).SetUnreadCount(0).Save(ctx); err != nil {
			return nil, false, err
		}
		return th, true, s.writeStatuses(ctx, tx, unread, providers.StatusRead)
	})
}

// MarkThreadUnread flags the thread's latest care-team message unread again.
// It is the veteran's reminder in VAMS only: providers keep their read state
// (read state is monotonic at the provider, see docs/adr/0003).
func (s *Service) MarkThreadUnread(ctx context.Context, threadID string) (*ent.Thread, error) {
	return s.updateThread(ctx, threadID, func(tx *store.Tx, vid string, th *ent.Thread) (*ent.Thread, bool, error) {
		last, err := tx.Client.Message.Query().Where(message.ThreadID(th.ID), message.AuthorKindNEQ(message.AuthorKindVETERAN),
			message.IsDraft(false)).Order(ent.Desc(message.FieldSentAt), ent.Desc(message.FieldID)).First(ctx)
		if ent.IsNotFound(err) {
			return nil, false, newErr(CodeInvalidInput, "threadId", "There is no message from your care team to mark unread.")
		}
		if err != nil || last.ReadAt == nil {
			return th, false, err
		}
		if err := tx.Client.Message.UpdateOne(last).ClearReadAt().Exec(ctx); err != nil {
			return nil, false, err
		}
		th, err = tx.Client.Thread.UpdateOne(th).AddUnreadCount(1).Save(ctx)
		return th, err == nil, err
	})
}
