package inbox

import (
	"context"
	"strings"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
)

// teamState loads what decides whether the viewer can message a team, in
// one statement.
func teamState(ctx context.Context, c *ent.Client, vid, careTeamID string) (*ent.CareTeam, ReplyBlock, error) {
	infos, err := LoadCareTeams(ctx, c, vid, []string{careTeamID})
	if err != nil {
		return nil, "", err
	}
	info, ok := infos[careTeamID]
	if !ok {
		return nil, "", &ent.NotFoundError{}
	}
	return info.Team, info.Block(), nil
}

// SendMessage is the input of a new conversation.
type SendMessage struct {
	CareTeamID  string
	Category    thread.Category
	Subject     string
	Body        string
	Attachments []File
	Signature   *Signature
}

// SendMessage starts a thread with the veteran's first message and queues its
// delivery. The thread goes to Sent until the care team answers.
func (s *Service) SendMessage(ctx context.Context, in SendMessage) (*ent.Thread, *ent.Message, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := checkID(in.CareTeamID, ids.CareTeam, "careTeamId"); err != nil {
		return nil, nil, err
	}
	if err := checkCategory(in.Category); err != nil {
		return nil, nil, err
	}
	if err := checkSubject(in.Subject); err != nil {
		return nil, nil, err
	}
	if err := checkBody(in.Body); err != nil {
		return nil, nil, err
	}
	if err := checkSignature(in.Signature); err != nil {
		return nil, nil, err
	}
	files, err := CheckAttachments(in.Attachments)
	if err != nil {
		return nil, nil, err
	}
	ct, block, err := teamState(ctx, s.store.Client, vid, in.CareTeamID)
	if err != nil {
		return nil, nil, mapNotFound(err, "careTeamId")
	}
	if block != BlockNone {
		return nil, nil, blockError(block, "careTeamId")
	}
	if err := s.checkCanAttach(ct, files); err != nil {
		return nil, nil, err
	}
	now := s.now()
	body := in.Body
	if ct.RequiresSignature {
		if body, err = signBody(body, in.Signature, now); err != nil {
			return nil, nil, err
		}
	}
	if err := s.allowSend(vid); err != nil {
		return nil, nil, err
	}
	var th *ent.Thread
	var msg *ent.Message
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		sent, err := s.systemFolder(ctx, tx.Client, vid, folder.SystemSENT)
		if err != nil {
			return err
		}
		th, err = tx.Client.Thread.Create().SetVeteranID(vid).SetCareTeamID(ct.ID).SetFolderID(sent).
			SetSubject(strings.TrimSpace(in.Subject)).SetCategory(in.Category).SetLastMessageAt(now).Save(ctx)
		if err != nil {
			return err
		}
		msg, th, err = s.addVeteranMessage(ctx, tx, vid, th, body, files, now)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return th, msg, nil
}

func (s *Service) allowSend(vid string) error {
	if s.limiter != nil && !s.limiter.Allow(vid) {
		return newErr(CodeRateLimited, "", "You've sent many messages in a short time. Please wait a few minutes before sending another.")
	}
	return nil
}

// addVeteranMessage stores a sent message with its files, updates the
// thread's aggregates and queues delivery.
func (s *Service) addVeteranMessage(ctx context.Context, tx *store.Tx, vid string, th *ent.Thread, body string, files []checkedFile, now time.Time) (*ent.Message, *ent.Thread, error) {
	name, err := s.displayName(ctx, tx.Client, vid)
	if err != nil {
		return nil, nil, err
	}
	msg, err := tx.Client.Message.Create().SetVeteranID(vid).SetThreadID(th.ID).
		SetAuthorKind(message.AuthorKindVETERAN).SetAuthorName(name).SetBody(body).
		SetSentAt(now).SetOrderedAt(now).SetDeliveryStatus(message.DeliveryStatusQUEUED).Save(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := s.addFiles(ctx, tx, vid, msg.ID, files); err != nil {
		return nil, nil, err
	}
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
	if s.outbox != nil {
		if err := s.outbox.DeliverMessage(ctx, tx, msg.ID); err != nil {
			return nil, nil, err
		}
	}
	if err := s.change(ctx, tx, vid, "Message", msg.ID, change.OpCREATED,
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

// Reply is the input of a reply.
type Reply struct {
	ThreadID    string
	Body        string
	Attachments []File
	Signature   *Signature
}

// threadForReply loads a thread and decides whether the viewer may reply.
func (s *Service) threadForReply(ctx context.Context, c *ent.Client, vid, threadID string) (*ent.Thread, *ent.CareTeam, error) {
	if err := checkID(threadID, ids.Thread, "threadId"); err != nil {
		return nil, nil, err
	}
	th, err := c.Thread.Get(ctx, threadID)
	if err != nil {
		return nil, nil, mapNotFound(err, "threadId")
	}
	ct, block, err := teamState(ctx, c, vid, th.CareTeamID)
	if err != nil {
		return nil, nil, err
	}
	if b := ThreadReplyBlock(th, block, s.now()); b != BlockNone {
		return nil, nil, blockError(b, "threadId")
	}
	return th, ct, nil
}

// ReplyToThread adds the veteran's reply and queues its delivery.
func (s *Service) ReplyToThread(ctx context.Context, in Reply) (*ent.Thread, *ent.Message, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := checkBody(in.Body); err != nil {
		return nil, nil, err
	}
	if err := checkSignature(in.Signature); err != nil {
		return nil, nil, err
	}
	files, err := CheckAttachments(in.Attachments)
	if err != nil {
		return nil, nil, err
	}
	th, ct, err := s.threadForReply(ctx, s.store.Client, vid, in.ThreadID)
	if err != nil {
		return nil, nil, err
	}
	if th.MessageCount == 0 {
		return nil, nil, newErr(CodeInvalidInput, "threadId", "This conversation has no sent message yet; send the draft instead.")
	}
	if err := s.checkCanAttach(ct, files); err != nil {
		return nil, nil, err
	}
	now := s.now()
	body := in.Body
	if ct.RequiresSignature {
		if body, err = signBody(body, in.Signature, now); err != nil {
			return nil, nil, err
		}
	}
	if err := s.allowSend(vid); err != nil {
		return nil, nil, err
	}
	var msg *ent.Message
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		msg, th, err = s.addVeteranMessage(ctx, tx, vid, th, body, files, now)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return th, msg, nil
}
