package inbox

import (
	"context"
	stdsql "database/sql"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/tag"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// Outbox records work for the providers in the same transaction as the
// veteran's change, so a committed change is never lost on its way out.
type Outbox interface {
	// DeliverMessage queues delivery of a veteran's message.
	DeliverMessage(ctx context.Context, tx *store.Tx, messageID string) error
	// WriteStatus queues a status write-back (read, delete, restore) of a
	// message that came from or went to a provider.
	WriteStatus(ctx context.Context, tx *store.Tx, messageID string, status providers.Status) error
}

// SendLimiter bounds how many messages a veteran may send (MHV's conduct
// rules forbid "an excessive number of messages").
type SendLimiter interface {
	Allow(veteranID string) bool
}

// Service is the one place where inbox rules live. Every method acts as the
// viewer in ctx; the store's privacy layer scopes what it can touch.
type Service struct {
	Store   *store.Store
	Outbox  Outbox
	Events  events.Publisher
	Limiter SendLimiter
	Now     func() time.Time

	// systemFolders caches veteran ID + kind → folder ID: system folders are
	// created once and never renamed, moved or deleted.
	systemFolders sync.Map
	names         sync.Map
	veterans      sync.Map // ICN → veteran ID; the mapping never changes
	active        sync.Map // veteran ID → when this process last recorded activity
}

// activityEvery bounds how often one process records a veteran's activity.
const activityEvery = 5 * time.Minute

// touch records that the veteran is using VAMS, at most every activityEvery
// per process (one small UPDATE): it steers how soon the sync engine
// reconciles them. A failure only delays that, so it is not the request's.
func (s *Service) touch(ctx context.Context, vid string) {
	now := time.Now()
	if last, ok := s.active.Load(vid); ok && now.Sub(last.(time.Time)) < activityEvery {
		return
	}
	s.active.Store(vid, now)
	_ = s.Store.Client.Veteran.Update().Where(veteran.ID(vid)).SetLastActiveAt(now.UTC()).Exec(viewer.System(ctx))
}

// Enroll returns the veteran with this ICN, enrolling one seen for the first
// time with their system folders, so every signed-in veteran has an inbox.
// It runs as the system: the caller has verified the ICN's token.
func (s *Service) Enroll(ctx context.Context, icn string) (string, error) {
	if id, ok := s.veterans.Load(icn); ok {
		s.touch(ctx, id.(string))
		return id.(string), nil
	}
	sys := viewer.System(ctx)
	c := s.Store.Client
	v, err := c.Veteran.Query().Where(veteran.Icn(icn)).Only(sys)
	if ent.IsNotFound(err) {
		err = s.Store.InTx(sys, func(tx *store.Tx) error {
			v, err = tx.Client.Veteran.Create().SetIcn(icn).Save(sys)
			if err != nil {
				return err
			}
			return EnsureSystemFolders(sys, tx.Client, v.ID)
		})
		if ent.IsConstraintError(err) { // enrolled concurrently
			v, err = c.Veteran.Query().Where(veteran.Icn(icn)).Only(sys)
		}
	}
	if err != nil {
		return "", err
	}
	s.veterans.Store(icn, v.ID)
	s.names.Store(v.ID, v.DisplayName)
	s.touch(ctx, v.ID)
	return v.ID, nil
}

// displayName is the veteran's name as authors are shown; cached because no
// path in VAMS renames a veteran after enrollment.
func (s *Service) displayName(ctx context.Context, c *ent.Client, vid string) (string, error) {
	if n, ok := s.names.Load(vid); ok {
		return n.(string), nil
	}
	v, err := c.Veteran.Get(ctx, vid)
	if err != nil {
		return "", err
	}
	s.names.Store(vid, v.DisplayName)
	return v.DisplayName, nil
}

// systemFolder returns the ID of one of the veteran's system folders.
func (s *Service) systemFolder(ctx context.Context, c *ent.Client, vid string, kind folder.System) (string, error) {
	key := vid + "/" + string(kind)
	if id, ok := s.systemFolders.Load(key); ok {
		return id.(string), nil
	}
	f, err := SystemFolder(ctx, c, vid, kind)
	if err != nil {
		return "", err
	}
	s.systemFolders.Store(key, f.ID)
	return f.ID, nil
}

// now is whole seconds: providers keep sent times to the second, and a
// timeline mixing our nanoseconds with their seconds would misorder a reply
// sent within the same second as the message it answers.
func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Second)
	}
	return time.Now().UTC().Truncate(time.Second)
}

func viewerID(ctx context.Context) (string, error) {
	v, ok := viewer.FromContext(ctx)
	if !ok || v.VeteranID == "" {
		return "", errors.New("inbox: no viewer")
	}
	return v.VeteranID, nil
}

// checkID rejects IDs of the wrong kind as not found, before any query.
func checkID(id, prefix, field string) error {
	if ids.Prefix(id) != prefix {
		return notFound(field)
	}
	return nil
}

// SystemFolder returns one of the veteran's system folders.
func SystemFolder(ctx context.Context, c *ent.Client, veteranID string, kind folder.System) (*ent.Folder, error) {
	return c.Folder.Query().Where(folder.VeteranID(veteranID), folder.SystemEQ(kind)).Only(ctx)
}

// EnsureSystemFolders creates the four system folders a veteran always has.
func EnsureSystemFolders(ctx context.Context, c *ent.Client, veteranID string) error {
	names := map[folder.System]string{
		folder.SystemINBOX: "Inbox", folder.SystemSENT: "Sent", folder.SystemDRAFTS: "Drafts", folder.SystemTRASH: "Trash",
	}
	for _, k := range []folder.System{folder.SystemINBOX, folder.SystemSENT, folder.SystemDRAFTS, folder.SystemTRASH} {
		err := c.Folder.Create().SetVeteranID(veteranID).SetName(names[k]).SetSystem(k).
			OnConflict(sql.ConflictColumns(folder.FieldVeteranID, folder.FieldName)).DoNothing().Exec(ctx)
		// DoNothing on an existing row reports no rows on some databases.
		if err != nil && !errors.Is(err, stdsql.ErrNoRows) {
			return err
		}
	}
	return nil
}

// change records a change-log row and publishes the event after commit.
func (s *Service) change(ctx context.Context, tx *store.Tx, vid, entityType, entityID string, op change.Op, ev events.Event) error {
	c, err := tx.Client.Change.Create().SetVeteranID(vid).SetEntityType(entityType).SetEntityID(entityID).SetOp(op).SetAt(s.now()).Save(ctx)
	if err != nil {
		return err
	}
	ev.ChangeID, ev.VeteranID = c.ID, vid
	if s.Events != nil {
		tx.OnCommit(func() { s.Events.Publish(ev) })
	}
	return nil
}

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
	files, err := CheckAttachments(in.Attachments)
	if err != nil {
		return nil, nil, err
	}
	ct, block, err := teamState(ctx, s.Store.Client, vid, in.CareTeamID)
	if err != nil {
		return nil, nil, mapNotFound(err, "careTeamId")
	}
	if block != BlockNone {
		return nil, nil, blockError(block, "careTeamId")
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
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
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
	if s.Limiter != nil && !s.Limiter.Allow(vid) {
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
	if s.Outbox != nil {
		if err := s.Outbox.DeliverMessage(ctx, tx, msg.ID); err != nil {
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
	files, err := CheckAttachments(in.Attachments)
	if err != nil {
		return nil, nil, err
	}
	th, ct, err := s.threadForReply(ctx, s.Store.Client, vid, in.ThreadID)
	if err != nil {
		return nil, nil, err
	}
	if th.MessageCount == 0 {
		return nil, nil, newErr(CodeInvalidInput, "threadId", "This conversation has no sent message yet; send the draft instead.")
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
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		msg, th, err = s.addVeteranMessage(ctx, tx, vid, th, body, files, now)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return th, msg, nil
}

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
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
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
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
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
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
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
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
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
	d, err := s.Store.Client.Message.Get(ctx, draftID)
	if err != nil {
		return nil, nil, mapNotFound(err, "draftId")
	}
	if !d.IsDraft {
		return nil, nil, newErr(CodeNotDraft, "draftId", "This message was already sent.")
	}
	th, err := s.Store.Client.Thread.Get(ctx, d.ThreadID)
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
		ct, block, err = teamState(ctx, s.Store.Client, vid, th.CareTeamID)
		if err != nil {
			return nil, nil, err
		}
		if block != BlockNone {
			return nil, nil, blockError(block, "draftId")
		}
	} else if th, ct, err = s.threadForReply(ctx, s.Store.Client, vid, th.ID); err != nil {
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
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
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
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
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
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
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
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
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
		if s.Outbox != nil && toTrash != fromTrash {
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
	if s.Outbox == nil {
		return nil
	}
	for _, id := range messageIDs {
		if err := s.Outbox.WriteStatus(ctx, tx, id, st); err != nil {
			return err
		}
	}
	return nil
}

// CreateFolder creates a custom folder.
func (s *Service) CreateFolder(ctx context.Context, name string) (*ent.Folder, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	name, err = checkFolderName(name)
	if err != nil {
		return nil, err
	}
	var f *ent.Folder
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := s.folderNameFree(ctx, tx.Client, vid, name, ""); err != nil {
			return err
		}
		if f, err = tx.Client.Folder.Create().SetVeteranID(vid).SetName(name).Save(ctx); err != nil {
			return folderConflict(err)
		}
		return s.change(ctx, tx, vid, "Folder", f.ID, change.OpCREATED, events.Event{Kind: events.FolderChanged, EntityID: f.ID})
	})
	return f, err
}

func (s *Service) folderNameFree(ctx context.Context, c *ent.Client, vid, name, except string) error {
	// Case-insensitive, like MHV: "Travel" and "travel" are the same folder.
	taken, err := c.Folder.Query().Where(folder.VeteranID(vid), folder.NameEqualFold(name), folder.IDNEQ(except)).Exist(ctx)
	if err != nil {
		return err
	}
	if taken {
		return newErr(CodeFolderNameTaken, "name", "That folder name is already in use. Try a different name.")
	}
	return nil
}

func folderConflict(err error) error {
	if ent.IsConstraintError(err) {
		return newErr(CodeFolderNameTaken, "name", "That folder name is already in use. Try a different name.")
	}
	return err
}

// customFolder loads a folder the veteran may change.
func customFolder(ctx context.Context, c *ent.Client, folderID string) (*ent.Folder, error) {
	if err := checkID(folderID, ids.Folder, "folderId"); err != nil {
		return nil, err
	}
	f, err := c.Folder.Get(ctx, folderID)
	if err != nil {
		return nil, mapNotFound(err, "folderId")
	}
	if f.System != nil {
		return nil, newErr(CodeSystemFolder, "folderId", "%s is a system folder; it can't be renamed or removed.", f.Name)
	}
	return f, nil
}

// RenameFolder renames a custom folder.
func (s *Service) RenameFolder(ctx context.Context, folderID, name string) (*ent.Folder, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	var f *ent.Folder
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if f, err = customFolder(ctx, tx.Client, folderID); err != nil {
			return err
		}
		if name, err = checkFolderName(name); err != nil {
			return err
		}
		if err := s.folderNameFree(ctx, tx.Client, vid, name, f.ID); err != nil {
			return err
		}
		if f, err = tx.Client.Folder.UpdateOne(f).SetName(name).Save(ctx); err != nil {
			return folderConflict(err)
		}
		return s.change(ctx, tx, vid, "Folder", f.ID, change.OpUPDATED, events.Event{Kind: events.FolderChanged, EntityID: f.ID})
	})
	return f, err
}

// DeleteFolder removes an empty custom folder.
func (s *Service) DeleteFolder(ctx context.Context, folderID string) error {
	vid, err := viewerID(ctx)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		f, err := customFolder(ctx, tx.Client, folderID)
		if err != nil {
			return err
		}
		busy, err := tx.Client.Thread.Query().Where(thread.FolderID(f.ID)).Exist(ctx)
		if err != nil {
			return err
		}
		if busy {
			return newErr(CodeFolderNotEmpty, "folderId", "You can't remove a folder with messages in it. Move the messages to another folder first.")
		}
		if err := tx.Client.Folder.DeleteOne(f).Exec(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Folder", f.ID, change.OpDELETED, events.Event{Kind: events.FolderChanged, EntityID: f.ID})
	})
}

// CreateTag creates a tag.
func (s *Service) CreateTag(ctx context.Context, name string) (*ent.Tag, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if name, err = checkTagName(name); err != nil {
		return nil, err
	}
	var t *ent.Tag
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tagNameFree(ctx, tx.Client, vid, name, ""); err != nil {
			return err
		}
		if t, err = tx.Client.Tag.Create().SetVeteranID(vid).SetName(name).Save(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Tag", t.ID, change.OpCREATED, events.Event{Kind: events.TagChanged, EntityID: t.ID})
	})
	return t, err
}

func tagNameFree(ctx context.Context, c *ent.Client, vid, name, except string) error {
	taken, err := c.Tag.Query().Where(tag.VeteranID(vid), tag.NameEqualFold(name), tag.IDNEQ(except)).Exist(ctx)
	if err != nil {
		return err
	}
	if taken {
		return newErr(CodeTagNameTaken, "name", "You already have a tag with that name.")
	}
	return nil
}

func getTag(ctx context.Context, c *ent.Client, tagID string) (*ent.Tag, error) {
	if err := checkID(tagID, ids.Tag, "tagId"); err != nil {
		return nil, err
	}
	t, err := c.Tag.Get(ctx, tagID)
	return t, mapNotFound(err, "tagId")
}

// RenameTag renames a tag.
func (s *Service) RenameTag(ctx context.Context, tagID, name string) (*ent.Tag, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	var t *ent.Tag
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if t, err = getTag(ctx, tx.Client, tagID); err != nil {
			return err
		}
		if name, err = checkTagName(name); err != nil {
			return err
		}
		if err := tagNameFree(ctx, tx.Client, vid, name, t.ID); err != nil {
			return err
		}
		if t, err = tx.Client.Tag.UpdateOne(t).SetName(name).Save(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Tag", t.ID, change.OpUPDATED, events.Event{Kind: events.TagChanged, EntityID: t.ID})
	})
	return t, err
}

// DeleteTag deletes a tag and removes it from every thread.
func (s *Service) DeleteTag(ctx context.Context, tagID string) error {
	vid, err := viewerID(ctx)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		t, err := getTag(ctx, tx.Client, tagID)
		if err != nil {
			return err
		}
		if err := tx.Client.Tag.UpdateOne(t).ClearThreads().Exec(ctx); err != nil {
			return err
		}
		if err := tx.Client.Tag.DeleteOne(t).Exec(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Tag", t.ID, change.OpDELETED, events.Event{Kind: events.TagChanged, EntityID: t.ID})
	})
}

// TagThread adds (or with remove, removes) a tag on a thread. Both are
// idempotent.
func (s *Service) TagThread(ctx context.Context, threadID, tagID string, remove bool) (*ent.Thread, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkID(threadID, ids.Thread, "threadId"); err != nil {
		return nil, err
	}
	var th *ent.Thread
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if th, err = tx.Client.Thread.Get(ctx, threadID); err != nil {
			return mapNotFound(err, "threadId")
		}
		t, err := getTag(ctx, tx.Client, tagID)
		if err != nil {
			return err
		}
		has, err := tx.Client.Thread.QueryTags(th).Where(tag.ID(t.ID)).Exist(ctx)
		if err != nil || has != remove {
			return err
		}
		up := tx.Client.Thread.UpdateOne(th)
		if remove {
			up.RemoveTagIDs(t.ID)
		} else {
			up.AddTagIDs(t.ID)
		}
		if th, err = up.Save(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Thread", th.ID, change.OpUPDATED, events.Event{Kind: events.ThreadUpdated, ThreadID: th.ID})
	})
	return th, err
}

// UpdateSignature saves the veteran's message signature.
func (s *Service) UpdateSignature(ctx context.Context, name, title string, include bool) (*ent.Veteran, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	name, title = strings.TrimSpace(name), strings.TrimSpace(title)
	if include && (name == "" || title == "") {
		field := "name"
		if name != "" {
			field = "title"
		}
		return nil, newErr(CodeSignatureFieldsRequired, field, "Enter both a name and a title to include a signature.")
	}
	if utf8.RuneCountInString(name) > MaxSignatureFieldSize || utf8.RuneCountInString(title) > MaxSignatureFieldSize {
		return nil, newErr(CodeInvalidInput, "name", "Signature fields can be at most %d characters.", MaxSignatureFieldSize)
	}
	var v *ent.Veteran
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		v, err = tx.Client.Veteran.UpdateOneID(vid).SetSignatureName(name).SetSignatureTitle(title).SetIncludeSignature(include).Save(ctx)
		return err
	})
	return v, err
}

// SetPreferredCareTeams replaces the veteran's preferred teams.
func (s *Service) SetPreferredCareTeams(ctx context.Context, careTeamIDs []string) ([]*ent.CareTeam, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if len(careTeamIDs) == 0 {
		return nil, newErr(CodePreferredCareTeamRequired, "careTeamIds", "Select at least one care team.")
	}
	for _, id := range careTeamIDs {
		if err := checkID(id, ids.CareTeam, "careTeamIds"); err != nil {
			return nil, err
		}
	}
	var teams []*ent.CareTeam
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.Client.Association.Query().Where(association.VeteranID(vid), association.CareTeamIDIn(careTeamIDs...)).Count(ctx)
		if err != nil {
			return err
		}
		if n != len(dedupe(careTeamIDs)) {
			return notFound("careTeamIds")
		}
		if err := tx.Client.Association.Update().Where(association.VeteranID(vid)).SetPreferred(false).Exec(ctx); err != nil {
			return err
		}
		if err := tx.Client.Association.Update().Where(association.VeteranID(vid), association.CareTeamIDIn(careTeamIDs...)).
			SetPreferred(true).Exec(ctx); err != nil {
			return err
		}
		teams, err = tx.Client.CareTeam.Query().Where(careteam.IDIn(careTeamIDs...)).All(ctx)
		return err
	})
	return teams, err
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
