package inbox

import (
	"context"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/platform/sqlq"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// MarkThreadRead marks every message of the thread read and writes the read
// back to the providers that carried them.
func (s *Service) MarkThreadRead(ctx context.Context, threadID string) (*ent.Thread, error) {
	return s.updateThread(ctx, threadID, func(tx *store.Tx, vid string, th *ent.Thread) (*ent.Thread, bool, error) {
		unread, err := markRead(ctx, tx, vid, th.ID, s.now())
		if err != nil || len(unread) == 0 && th.UnreadCount == 0 {
			return th, false, err
		}
		// A bulk update by ID with the values in hand: UpdateOne would read
		// the row back.
		at := time.Now()
		if err := tx.Client.Thread.Update().Where(thread.ID(th.ID)).SetUnreadCount(0).SetUpdatedAt(at).Exec(ctx); err != nil {
			return nil, false, err
		}
		updated := *th
		updated.UnreadCount, updated.UpdatedAt = 0, at
		return &updated, true, s.writeStatuses(ctx, tx, unread, providers.StatusRead)
	})
}

// markRead marks the thread's unread care-team messages read at now and
// returns their IDs, in one statement. Raw SQL for RETURNING, which ent's
// bulk update lacks; scoped to the veteran as ent's privacy hook would.
func markRead(ctx context.Context, tx *store.Tx, vid, threadID string, now time.Time) ([]string, error) {
	return sqlq.Strings(tx.SQL.QueryContext(ctx, `UPDATE messages SET read_at = $1, updated_at = $2
		WHERE thread_id = $3 AND veteran_id = $4 AND read_at IS NULL AND author_kind <> $5 AND is_draft = $6 RETURNING id`,
		now, time.Now(), threadID, vid, message.AuthorKindVETERAN.String(), false))
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
