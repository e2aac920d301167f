package inbox

import (
	"context"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
)

// outgoing is a veteran's message that passed every rule, ready to store.
type outgoing struct {
	id    string // the message's, chosen up front so a new thread can name it
	vid   string
	body  string // signed when the care team requires it
	files []checkedFile
	now   time.Time // its sent time, and the signature's date
}

// prepareSend signs the body when the care team requires it: the last
// check before any write (the send limit is checked at commit, see deliver).
func (s *Service) prepareSend(vid string, ct *ent.CareTeam, body string, sig *Signature, files []checkedFile) (outgoing, error) {
	out := outgoing{id: ids.New(ids.Message), vid: vid, body: body, files: files, now: s.now()}
	if ct.RequiresSignature {
		var err error
		if out.body, err = signBody(body, sig, out.now); err != nil {
			return outgoing{}, err
		}
	}
	return out, nil
}

// deliver stores a veteran's message in one transaction: prepare returns
// the thread (creating or readying it there) and the message, checked;
// deliver adds the message, queues its delivery, records c and charges the
// send to the veteran's send limit, which refuses it at commit when spent.
func (s *Service) deliver(ctx context.Context, c *claim, prepare func(*store.Tx) (*ent.Thread, outgoing, error)) (*ent.Thread, *ent.Message, error) {
	var th *ent.Thread
	var msg *ent.Message
	err := s.mutationTx(ctx, func(tx *store.Tx) error {
		t, out, err := prepare(tx)
		if err != nil {
			return err
		}
		if msg, th, err = s.addVeteranMessage(ctx, tx, t, out); err != nil {
			return err
		}
		s.batch(ctx, tx).sends[out.vid]++
		return s.remember(ctx, tx, c, th.ID, msg.ID)
	})
	if err != nil {
		return nil, nil, err
	}
	return th, msg, nil
}

// addVeteranMessage stores a sent message with its files, updates the
// thread's aggregates and queues delivery.
func (s *Service) addVeteranMessage(ctx context.Context, tx *store.Tx, th *ent.Thread, out outgoing) (*ent.Message, *ent.Thread, error) {
	vid, now, files := out.vid, out.now, out.files
	name, err := s.displayName(ctx, tx.Client, vid)
	if err != nil {
		return nil, nil, err
	}
	msg, err := tx.Client.Message.Create().SetID(out.id).SetVeteranID(vid).SetThreadID(th.ID).
		SetAuthorKind(message.AuthorKindVETERAN).SetAuthorName(name).SetBody(out.body).
		SetSentAt(now).SetOrderedAt(now).SetDeliveryStatus(message.DeliveryStatusQUEUED).Save(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := s.addFiles(ctx, tx, vid, msg.ID, files); err != nil {
		return nil, nil, err
	}
	// A thread written with this message as its last already holds the new
	// aggregates.
	if th.LastMessageID == nil || *th.LastMessageID != msg.ID {
		// Exec, not Save: the new aggregates are known, so no re-read.
		hasAtt := th.HasAttachments || len(files) > 0
		// A bulk update by ID: UpdateOne would read the row back.
		if err := tx.Client.Thread.Update().Where(thread.ID(th.ID)).SetLastMessageAt(now).SetLastMessageID(msg.ID).
			AddMessageCount(1).SetHasAttachments(hasAtt).Exec(ctx); err != nil {
			return nil, nil, err
		}
		updated := *th
		updated.LastMessageAt, updated.LastMessageID, updated.MessageCount, updated.HasAttachments = now, &msg.ID, th.MessageCount+1, hasAtt
		updated.UpdatedAt = time.Now()
		th = &updated
	}
	if s.outbox != nil {
		if err := s.outbox.DeliverMessage(ctx, tx, msg.ID); err != nil {
			return nil, nil, err
		}
	}
	if err := s.change(ctx, tx, vid, EntityMessage, msg.ID, change.OpCREATED,
		events.Event{Kind: events.MessageAdded, ThreadID: th.ID, MessageID: msg.ID}); err != nil {
		return nil, nil, err
	}
	return msg, th, nil
}

func (s *Service) addFiles(ctx context.Context, tx *store.Tx, vid, messageID string, files []checkedFile) error {
	for _, f := range files {
		if err := tx.Client.Attachment.Create().SetVeteranID(vid).SetMessageID(messageID).SetFilename(f.Filename).
			SetContentType(f.ContentType).SetSize(int64(len(f.Data))).SetData(f.Data).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
