package inbox

import (
	"cmp"
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
)

// Draft is the input of saveDraft: a new-message draft (CareTeamID) or a
// reply draft (ThreadID), created or updated (DraftID).
type Draft struct {
	DraftID    string
	CareTeamID string
	Category   *thread.Category
	Subject    *string
	ThreadID   string
	Body       string
	// Key is the client's idempotency key (clientMutationId); "" for none.
	Key string
}

// SaveDraft creates or updates a draft. Drafts hold no attachments or
// signature, as on VA.gov. A retry with the same Key answers with the first
// call's thread and draft.
func (s *Service) SaveDraft(ctx context.Context, in Draft) (*ent.Thread, *ent.Message, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := checkDraft(in); err != nil {
		return nil, nil, err
	}
	return s.onceSent(ctx, vid, OpSaveDraft, in.Key, func(d *digest) {
		var category *string
		if in.Category != nil {
			v := string(*in.Category)
			category = &v
		}
		d.str(in.DraftID).str(in.CareTeamID).opt(category).opt(in.Subject).str(in.ThreadID).str(in.Body)
	}, func(c *claim) (*ent.Thread, *ent.Message, error) {
		save, err := s.draftSave(ctx, vid, in, s.now())
		if err != nil {
			return nil, nil, err
		}
		var th *ent.Thread
		var d *ent.Message
		err = s.mutationTx(ctx, func(tx *store.Tx) error {
			var err error
			if th, d, err = save(tx); err != nil {
				return err
			}
			return s.remember(ctx, tx, c, th.ID, d.ID)
		})
		if err != nil {
			return nil, nil, err
		}
		return th, d, nil
	})
}

// checkDraft applies the limits a draft must keep; a draft may still be
// blank or lack a subject until it is sent.
func checkDraft(in Draft) error {
	if err := checkText("body", in.Body); err != nil {
		return err
	}
	if in.Subject != nil {
		if err := checkText("subject", *in.Subject); err != nil {
			return err
		}
	}
	if utf8.RuneCountInString(in.Body) > MaxBodyLength {
		return checkBody(in.Body)
	}
	if in.Subject != nil && len([]rune(*in.Subject)) > MaxSubjectLength {
		return checkSubject(*in.Subject)
	}
	if in.Category != nil {
		return checkCategory(*in.Category)
	}
	return nil
}

type draftWrite func(tx *store.Tx) (*ent.Thread, *ent.Message, error)

// draftSave picks what saving in means (update a draft, start a reply
// draft, start a new-message draft), checking the ID it names.
func (s *Service) draftSave(ctx context.Context, vid string, in Draft, now time.Time) (draftWrite, error) {
	switch {
	case in.DraftID != "":
		return func(tx *store.Tx) (*ent.Thread, *ent.Message, error) { return s.updateDraft(ctx, tx, vid, in, now) },
			checkID(in.DraftID, ids.Message, "draftId")
	case in.ThreadID != "":
		return func(tx *store.Tx) (*ent.Thread, *ent.Message, error) {
			th, err := tx.Client.Thread.Get(ctx, in.ThreadID)
			if err != nil {
				return nil, nil, mapNotFound(err, "threadId")
			}
			d, err := s.createDraft(ctx, tx, vid, th.ID, in.Body)
			return th, d, err
		}, checkID(in.ThreadID, ids.Thread, "threadId")
	case in.CareTeamID != "":
		return func(tx *store.Tx) (*ent.Thread, *ent.Message, error) { return s.newMessageDraft(ctx, tx, vid, in, now) },
			checkID(in.CareTeamID, ids.CareTeam, "careTeamId")
	}
	return nil, newErr(CodeInvalidInput, "careTeamId", "Give a care team for a new message, a thread for a reply, or the draft to update.")
}

func (s *Service) updateDraft(ctx context.Context, tx *store.Tx, vid string, in Draft, now time.Time) (*ent.Thread, *ent.Message, error) {
	d, err := tx.Client.Message.Get(ctx, in.DraftID)
	if err != nil {
		return nil, nil, mapNotFound(err, "draftId")
	}
	if !d.IsDraft {
		return nil, nil, newErr(CodeNotDraft, "draftId", "Only drafts can be edited.")
	}
	th, err := tx.Client.Thread.Get(ctx, d.ThreadID)
	if err != nil {
		return nil, nil, err
	}
	if th.MessageCount == 0 { // a new-message draft: its thread carries subject and team
		if th, err = s.updateDraftThread(ctx, tx.Client, vid, th, in, now); err != nil {
			return nil, nil, err
		}
	}
	if d, err = tx.Client.Message.UpdateOne(d).SetBody(in.Body).Save(ctx); err != nil {
		return nil, nil, err
	}
	return th, d, s.change(ctx, tx, vid, EntityMessage, d.ID, change.OpUPDATED,
		events.Event{Kind: events.MessageUpdated, ThreadID: th.ID, MessageID: d.ID})
}

// updateDraftThread applies what in changes of a new-message draft's
// subject, category and team.
func (s *Service) updateDraftThread(ctx context.Context, c *ent.Client, vid string, th *ent.Thread, in Draft, now time.Time) (*ent.Thread, error) {
	up := c.Thread.UpdateOne(th).SetLastMessageAt(now)
	if in.Subject != nil {
		up.SetSubject(strings.TrimSpace(*in.Subject))
	}
	if in.Category != nil {
		up.SetCategory(*in.Category)
	}
	if in.CareTeamID != "" {
		if err := s.checkTeamVisible(ctx, c, vid, in.CareTeamID); err != nil {
			return nil, err
		}
		up.SetCareTeamID(in.CareTeamID)
	}
	return up.Save(ctx)
}

func (s *Service) newMessageDraft(ctx context.Context, tx *store.Tx, vid string, in Draft, now time.Time) (*ent.Thread, *ent.Message, error) {
	category := thread.CategoryOTHER
	if in.Category != nil {
		category = *in.Category
	}
	subject := ""
	if in.Subject != nil {
		subject = strings.TrimSpace(*in.Subject)
	}
	if err := s.checkTeamVisible(ctx, tx.Client, vid, in.CareTeamID); err != nil {
		return nil, nil, err
	}
	drafts, err := SystemFolder(ctx, tx.Client, vid, folder.SystemDRAFTS)
	if err != nil {
		return nil, nil, err
	}
	th, err := tx.Client.Thread.Create().SetVeteranID(vid).SetCareTeamID(in.CareTeamID).SetFolderID(drafts.ID).
		SetSubject(subject).SetCategory(category).SetLastMessageAt(now).Save(ctx)
	if err != nil {
		return nil, nil, err
	}
	s.threadCreated(ctx, tx, vid, th.ID)
	d, err := s.createDraft(ctx, tx, vid, th.ID, in.Body)
	return th, d, err
}

func (s *Service) checkTeamVisible(ctx context.Context, c *ent.Client, vid, careTeamID string) error {
	if err := checkID(careTeamID, ids.CareTeam, "careTeamId"); err != nil {
		return err
	}
	_, block, err := s.teamState(ctx, c, vid, careTeamID)
	if err != nil {
		return mapNotFound(err, "careTeamId")
	}
	if block == BlockNotAssociated {
		return blockError(block, "careTeamId")
	}
	return nil
}

func (s *Service) createDraft(ctx context.Context, tx *store.Tx, vid, threadID, body string) (*ent.Message, error) {
	name, err := s.displayName(ctx, tx.Client, vid)
	if err != nil {
		return nil, err
	}
	d, err := tx.Client.Message.Create().SetVeteranID(vid).SetThreadID(threadID).SetAuthorKind(message.AuthorKindVETERAN).
		SetAuthorName(name).SetBody(body).SetIsDraft(true).SetOrderedAt(s.now()).Save(ctx)
	if err != nil {
		return nil, err
	}
	return d, s.change(ctx, tx, vid, EntityMessage, d.ID, change.OpCREATED,
		events.Event{Kind: events.MessageAdded, ThreadID: threadID, MessageID: d.ID})
}

// DeleteDraft deletes a draft for good; a new-message draft takes its thread
// with it.
func (s *Service) DeleteDraft(ctx context.Context, draftID string) (deletedThread bool, th *ent.Thread, err error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return false, nil, err
	}
	if err := checkID(draftID, ids.Message, "draftId"); err != nil {
		return false, nil, err
	}
	err = s.mutationTx(ctx, func(tx *store.Tx) error {
		d, err := tx.Client.Message.Get(ctx, draftID)
		if err != nil {
			return mapNotFound(err, "draftId")
		}
		if !d.IsDraft {
			return newErr(CodeNotDraft, "draftId", "Only drafts can be deleted this way; move sent messages to Trash.")
		}
		if err := tx.Client.Message.DeleteOneID(d.ID).Exec(ctx); err != nil {
			return err
		}
		if err := s.change(ctx, tx, vid, EntityMessage, d.ID, change.OpDELETED,
			events.Event{Kind: events.MessageUpdated, ThreadID: d.ThreadID, MessageID: d.ID}); err != nil {
			return err
		}
		th, err = tx.Client.Thread.Get(ctx, d.ThreadID)
		if err != nil {
			return err
		}
		left, err := tx.Client.Message.Query().Where(message.ThreadID(th.ID)).Exist(ctx)
		if err != nil || left {
			return err
		}
		if err := tx.Client.Thread.DeleteOne(th).Exec(ctx); err != nil {
			return err
		}
		deletedThread = true
		th = nil
		return s.change(ctx, tx, vid, EntityThread, d.ThreadID, change.OpDELETED,
			events.Event{Kind: events.ThreadDeleted, ThreadID: d.ThreadID})
	})
	return deletedThread, th, err
}

// SendDraft is the input of sendDraft.
type SendDraft struct {
	DraftID   string
	Signature *Signature
	// Key is the client's idempotency key (clientMutationId); "" for none.
	Key string
}

// SendDraft sends a draft under the same rules as sendMessage or
// replyToThread. A retry with the same Key answers with the first call's
// thread and sent message.
func (s *Service) SendDraft(ctx context.Context, in SendDraft) (*ent.Thread, *ent.Message, error) {
	vid, err := viewerID(ctx)
	// The first failure, the viewer's before the input's.
	err = cmp.Or(err, checkID(in.DraftID, ids.Message, "draftId"), checkSignature(in.Signature))
	if err != nil {
		return nil, nil, err
	}
	return s.onceSent(ctx, vid, OpSendDraft, in.Key, func(d *digest) { d.str(in.DraftID).signature(in.Signature) },
		func(c *claim) (*ent.Thread, *ent.Message, error) { return s.sendDraft(ctx, vid, in, c) })
}

// sendDraft is SendDraft once its input passed every check.
func (s *Service) sendDraft(ctx context.Context, vid string, in SendDraft, c *claim) (*ent.Thread, *ent.Message, error) {
	d, th, ct, err := s.draftToSend(ctx, vid, in.DraftID)
	if err != nil {
		return nil, nil, err
	}
	out, err := s.prepareSend(vid, ct, d.Body, in.Signature, nil)
	if err != nil {
		return nil, nil, err
	}
	newThread := th.MessageCount == 0
	return s.deliver(ctx, c, func(tx *store.Tx) (*ent.Thread, outgoing, error) {
		// The draft row is deleted and a sent message created so that the
		// sent message's ID sorts after every earlier message.
		if err := tx.Client.Message.DeleteOneID(d.ID).Exec(ctx); err != nil {
			return nil, out, mapNotFound(err, "draftId")
		}
		if err := s.change(ctx, tx, vid, EntityMessage, d.ID, change.OpDELETED,
			events.Event{Kind: events.MessageUpdated, ThreadID: th.ID, MessageID: d.ID}); err != nil {
			return nil, out, err
		}
		if !newThread {
			return th, out, nil
		}
		sent, err := SystemFolder(ctx, tx.Client, vid, folder.SystemSENT)
		if err != nil {
			return nil, out, err
		}
		t, err := tx.Client.Thread.UpdateOne(th).SetFolderID(sent.ID).Save(ctx)
		return t, out, err
	})
}

// draftToSend loads the viewer's draft with its thread and team, and checks
// that it may be sent: as a new message, or as a reply in its thread.
func (s *Service) draftToSend(ctx context.Context, vid, draftID string) (*ent.Message, *ent.Thread, *ent.CareTeam, error) {
	c := s.store.Client
	d, err := c.Message.Get(ctx, draftID)
	if err != nil {
		return nil, nil, nil, mapNotFound(err, "draftId")
	}
	if !d.IsDraft {
		return nil, nil, nil, newErr(CodeNotDraft, "draftId", "This message was already sent.")
	}
	th, err := c.Thread.Get(ctx, d.ThreadID)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkBody(d.Body); err != nil {
		return nil, nil, nil, err
	}
	if th.MessageCount > 0 {
		th, ct, err := s.threadForReply(ctx, c, vid, th.ID)
		if e, ok := AsError(err); ok {
			e.Field = "draftId"
		}
		return d, th, ct, err
	}
	if err := checkSubject(th.Subject); err != nil {
		return nil, nil, nil, err
	}
	ct, block, err := s.teamState(ctx, c, vid, th.CareTeamID)
	if err != nil {
		return nil, nil, nil, err
	}
	if block != BlockNone {
		return nil, nil, nil, blockError(block, "draftId")
	}
	return d, th, ct, nil
}
