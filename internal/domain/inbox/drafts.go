package inbox

import (
	"context"
	"strings"
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
}

// SaveDraft creates or updates a draft. Drafts hold no attachments or
// signature, as on VA.gov.
func (s *Service) SaveDraft(ctx context.Context, in Draft) (*ent.Thread, *ent.Message, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := checkText("body", in.Body); err != nil {
		return nil, nil, err
	}
	if in.Subject != nil {
		if err := checkText("subject", *in.Subject); err != nil {
			return nil, nil, err
		}
	}
	if utf8.RuneCountInString(in.Body) > MaxBodyLength {
		return nil, nil, checkBody(in.Body)
	}
	if in.Subject != nil && len([]rune(*in.Subject)) > MaxSubjectLength {
		return nil, nil, checkSubject(*in.Subject)
	}
	if in.Category != nil {
		if err := checkCategory(*in.Category); err != nil {
			return nil, nil, err
		}
	}
	now := s.now()
	var th *ent.Thread
	var d *ent.Message
	switch {
	case in.DraftID != "":
		if err := checkID(in.DraftID, ids.Message, "draftId"); err != nil {
			return nil, nil, err
		}
		err = s.store.InTx(ctx, func(tx *store.Tx) error {
			d, err = tx.Client.Message.Get(ctx, in.DraftID)
			if err != nil {
				return mapNotFound(err, "draftId")
			}
			if !d.IsDraft {
				return newErr(CodeNotDraft, "draftId", "Only drafts can be edited.")
			}
			th, err = tx.Client.Thread.Get(ctx, d.ThreadID)
			if err != nil {
				return err
			}
			if th.MessageCount == 0 { // a new-message draft: its thread carries subject and team
				up := tx.Client.Thread.UpdateOne(th).SetLastMessageAt(now)
				if in.Subject != nil {
					up.SetSubject(strings.TrimSpace(*in.Subject))
				}
				if in.Category != nil {
					up.SetCategory(*in.Category)
				}
				if in.CareTeamID != "" {
					if err := s.checkTeamVisible(ctx, tx.Client, vid, in.CareTeamID); err != nil {
						return err
					}
					up.SetCareTeamID(in.CareTeamID)
				}
				if th, err = up.Save(ctx); err != nil {
					return err
				}
			}
			d, err = tx.Client.Message.UpdateOne(d).SetBody(in.Body).Save(ctx)
			if err != nil {
				return err
			}
			return s.change(ctx, tx, vid, "Message", d.ID, change.OpUPDATED,
				events.Event{Kind: events.MessageUpdated, ThreadID: th.ID, MessageID: d.ID})
		})
	case in.ThreadID != "":
		if err := checkID(in.ThreadID, ids.Thread, "threadId"); err != nil {
			return nil, nil, err
		}
		err = s.store.InTx(ctx, func(tx *store.Tx) error {
			th, err = tx.Client.Thread.Get(ctx, in.ThreadID)
			if err != nil {
				return mapNotFound(err, "threadId")
			}
			d, err = s.createDraft(ctx, tx, vid, th.ID, in.Body)
			return err
		})
	case in.CareTeamID != "":
		if err := checkID(in.CareTeamID, ids.CareTeam, "careTeamId"); err != nil {
			return nil, nil, err
		}
		category := thread.CategoryOTHER
		if in.Category != nil {
			category = *in.Category
		}
		subject := ""
		if in.Subject != nil {
			subject = strings.TrimSpace(*in.Subject)
		}
		err = s.store.InTx(ctx, func(tx *store.Tx) error {
			if err := s.checkTeamVisible(ctx, tx.Client, vid, in.CareTeamID); err != nil {
				return err
			}
			drafts, err := SystemFolder(ctx, tx.Client, vid, folder.SystemDRAFTS)
			if err != nil {
				return err
			}
			th, err = tx.Client.Thread.Create().SetVeteranID(vid).SetCareTeamID(in.CareTeamID).SetFolderID(drafts.ID).
				SetSubject(subject).SetCategory(category).SetLastMessageAt(now).Save(ctx)
			if err != nil {
				return err
			}
			d, err = s.createDraft(ctx, tx, vid, th.ID, in.Body)
			return err
		})
	default:
		return nil, nil, newErr(CodeInvalidInput, "careTeamId", "Give a care team for a new message, a thread for a reply, or the draft to update.")
	}
	if err != nil {
		return nil, nil, err
	}
	return th, d, nil
}

func (s *Service) checkTeamVisible(ctx context.Context, c *ent.Client, vid, careTeamID string) error {
	if err := checkID(careTeamID, ids.CareTeam, "careTeamId"); err != nil {
		return err
	}
	_, block, err := teamState(ctx, c, vid, careTeamID)
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
	return d, s.change(ctx, tx, vid, "Message", d.ID, change.OpCREATED,
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
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
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
		if err := s.change(ctx, tx, vid, "Message", d.ID, change.OpDELETED,
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
		return s.change(ctx, tx, vid, "Thread", d.ThreadID, change.OpDELETED,
			events.Event{Kind: events.ThreadDeleted, ThreadID: d.ThreadID})
	})
	return deletedThread, th, err
}

// SendDraft sends a draft under the same rules as sendMessage or replyToThread.
func (s *Service) SendDraft(ctx context.Context, draftID string, sig *Signature) (*ent.Thread, *ent.Message, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := checkID(draftID, ids.Message, "draftId"); err != nil {
		return nil, nil, err
	}
	if err := checkSignature(sig); err != nil {
		return nil, nil, err
	}
	d, err := s.store.Client.Message.Get(ctx, draftID)
	if err != nil {
		return nil, nil, mapNotFound(err, "draftId")
	}
	if !d.IsDraft {
		return nil, nil, newErr(CodeNotDraft, "draftId", "This message was already sent.")
	}
	th, err := s.store.Client.Thread.Get(ctx, d.ThreadID)
	if err != nil {
		return nil, nil, err
	}
	if err := checkBody(d.Body); err != nil {
		return nil, nil, err
	}
	newThread := th.MessageCount == 0
	var ct *ent.CareTeam
	if newThread {
		if err := checkSubject(th.Subject); err != nil {
			return nil, nil, err
		}
		var block ReplyBlock
		ct, block, err = teamState(ctx, s.store.Client, vid, th.CareTeamID)
		if err != nil {
			return nil, nil, err
		}
		if block != BlockNone {
			return nil, nil, blockError(block, "draftId")
		}
	} else if th, ct, err = s.threadForReply(ctx, s.store.Client, vid, th.ID); err != nil {
		if e, ok := AsError(err); ok {
			e.Field = "draftId"
		}
		return nil, nil, err
	}
	now := s.now()
	body := d.Body
	if ct.RequiresSignature {
		if body, err = signBody(body, sig, now); err != nil {
			return nil, nil, err
		}
	}
	if err := s.allowSend(vid); err != nil {
		return nil, nil, err
	}
	var msg *ent.Message
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		// The draft row is deleted and a sent message created so that the
		// sent message's ID sorts after every earlier message.
		if err := tx.Client.Message.DeleteOneID(d.ID).Exec(ctx); err != nil {
			return mapNotFound(err, "draftId")
		}
		if err := s.change(ctx, tx, vid, "Message", d.ID, change.OpDELETED,
			events.Event{Kind: events.MessageUpdated, ThreadID: th.ID, MessageID: d.ID}); err != nil {
			return err
		}
		if newThread {
			sent, err := SystemFolder(ctx, tx.Client, vid, folder.SystemSENT)
			if err != nil {
				return err
			}
			if th, err = tx.Client.Thread.UpdateOne(th).SetFolderID(sent.ID).Save(ctx); err != nil {
				return err
			}
		}
		msg, th, err = s.addVeteranMessage(ctx, tx, vid, th, body, nil, now)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return th, msg, nil
}
