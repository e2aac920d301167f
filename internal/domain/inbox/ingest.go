package inbox

import (
	"context"
	stdsql "database/sql"
	"errors"
	"strings"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/providers"
)

// ErrEchoPending means a veteran-sent message arrived from a provider while
// VAMS still has an unacknowledged send to that care team: it is probably
// the echo of that send, so it is retried later instead of ingested twice.
var ErrEchoPending = errors.New("inbox: a send to this care team is awaiting acknowledgement")

// Incoming is a message a provider holds, resolved to VAMS's veteran.
type Incoming struct {
	Provider  providerkind.Kind
	VeteranID string
	Message   providers.Message
	// EchoWaitOver stops a veteran-sent message from waiting any longer for
	// a pending local send to claim it: it is ingested as sent elsewhere.
	EchoWaitOver bool
}

// Ingest stores a provider's message exactly once. The unique provider
// reference (provider, external id) makes replays, duplicate pushes and
// overlapping scans update the same row; a veteran-sent message that matches
// a pending local send is recorded as that send's acknowledgement. It runs as
// the system (ctx from viewer.System).
func (s *Service) Ingest(ctx context.Context, in Incoming) (msgID string, created bool, err error) {
	m := in.Message
	if m.ExternalID == "" {
		return "", false, errors.New("inbox: provider message without id")
	}
	var conflict *IDConflict
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		c := tx.Client
		conflict = nil // a retried transaction starts afresh
		ref, err := providerRef(ctx, c, in.Provider, providerref.EntityTypeMESSAGE, m.ExternalID)
		if err != nil {
			return err
		}
		if ref != nil {
			held, err := c.Message.Get(ctx, ref.EntityID)
			if err != nil {
				return err
			}
			if s.sameMessage(in.Provider, held, m) {
				msgID = ref.EntityID
				return s.applyState(ctx, tx, in, ref, held)
			}
			// The id now names another message: store that one, leave
			// the old one be.
			conflict = &IDConflict{Provider: in.Provider, VeteranID: in.VeteranID, ExternalID: m.ExternalID, Old: held.ID,
				oldThread: held.ThreadID}
			if err := s.supersede(ctx, tx, in, ref); err != nil {
				return err
			}
		}
		ct, err := c.CareTeam.Query().Where(careteam.ProviderEQ(in.Provider), careteam.ProviderID(m.CareTeamExternalID)).Only(ctx)
		if err != nil {
			return mapNotFound(err, "careTeam")
		}
		if m.Direction == providers.ToClinician {
			matched, err := s.matchEcho(ctx, tx, in, ct)
			if err != nil || matched != "" {
				msgID = matched
				return err
			}
		}
		stale := ""
		if conflict != nil {
			stale = conflict.oldThread
		}
		th, err := s.threadFor(ctx, tx, in, ct, stale)
		if err != nil {
			return err
		}
		msgID, err = s.insertIncoming(ctx, tx, in, th, ct)
		created = err == nil
		return err
	})
	if err == nil && conflict != nil && s.onIDConflict != nil {
		conflict.New = msgID
		s.onIDConflict(ctx, *conflict)
	}
	return msgID, created, err
}

// matchEcho finds the local send that a veteran-sent provider message echoes.
func (s *Service) matchEcho(ctx context.Context, tx *store.Tx, in Incoming, ct *ent.CareTeam) (string, error) {
	pending, err := tx.Client.Message.Query().Where(message.VeteranID(in.VeteranID),
		message.AuthorKindEQ(message.AuthorKindVETERAN), message.IsDraft(false),
		message.DeliveryStatusIn(message.DeliveryStatusQUEUED, message.DeliveryStatusSENDING),
		message.HasThreadWith(thread.CareTeamID(ct.ID))).Order(ent.Asc(message.FieldSentAt)).All(ctx)
	if err != nil || len(pending) == 0 {
		return "", err
	}
	fp := fingerprint(in.Message.Body)
	for _, p := range pending {
		if in.Message.BodyIncluded && fp != "" && s.bodyPrint(in.Provider, p.Body) == fp {
			if err := tx.Client.ProviderRef.Create().SetProvider(in.Provider).
				SetEntityType(providerref.EntityTypeMESSAGE).SetEntityID(p.ID).SetExternalID(in.Message.ExternalID).
				SetVersion(in.Message.Version).Exec(ctx); err != nil {
				return "", err
			}
			return p.ID, nil
		}
	}
	if in.EchoWaitOver {
		return "", nil
	}
	return "", ErrEchoPending
}

// threadFor finds the VAMS thread of a provider message, or starts one.
// For a message under a reused id (stale is the thread of the message VAMS
// held under it) the provider's thread and parent ids came from the same
// restarted sequence: its parent id is not trusted, nor a thread id naming
// the old message's thread; a new thread takes the thread id over. A thread
// id naming another thread is one taken over since the reset.
func (s *Service) threadFor(ctx context.Context, tx *store.Tx, in Incoming, ct *ent.CareTeam, stale string) (*ent.Thread, error) {
	c := tx.Client
	m := in.Message
	reused := stale != ""
	lookup := func(t providerref.EntityType, ext string) (string, error) {
		if ext == "" || reused && t == providerref.EntityTypeMESSAGE {
			return "", nil
		}
		ref, err := providerRef(ctx, c, in.Provider, t, ext)
		if err != nil || ref == nil || ref.EntityID == stale {
			return "", err
		}
		return ref.EntityID, nil
	}
	threadID, err := lookup(providerref.EntityTypeTHREAD, m.ThreadExternalID)
	if err != nil {
		return nil, err
	}
	if threadID == "" {
		parent, err := lookup(providerref.EntityTypeMESSAGE, m.InReplyToExternalID)
		if err != nil {
			return nil, err
		}
		if parent != "" {
			pm, err := c.Message.Get(ctx, parent)
			if err != nil {
				return nil, err
			}
			threadID = pm.ThreadID
		}
	}
	var th *ent.Thread
	if threadID != "" {
		if th, err = c.Thread.Get(ctx, threadID); err != nil {
			return nil, err
		}
	} else {
		home := folder.SystemINBOX
		switch {
		case m.Status == providers.StatusDeleted:
			// History the veteran deleted at the provider before VAMS
			// knew it (a first import) is filed where they left it.
			home = folder.SystemTRASH
		case m.Direction == providers.ToClinician:
			home = folder.SystemSENT
		}
		f, err := SystemFolder(ctx, c, in.VeteranID, home)
		if err != nil {
			return nil, err
		}
		cat := thread.Category(m.Category)
		if !validCategory(cat) {
			cat = thread.CategoryOTHER
		}
		subject := strings.TrimSpace(m.Subject)
		if subject == "" {
			subject = "(no subject)"
		}
		th, err = c.Thread.Create().SetVeteranID(in.VeteranID).SetCareTeamID(ct.ID).SetFolderID(f.ID).
			SetSubject(subject).SetCategory(cat).SetLastMessageAt(m.SentAt.UTC()).Save(ctx)
		if err != nil {
			return nil, err
		}
		s.threadCreated(ctx, tx, in.VeteranID, th.ID)
	}
	if m.ThreadExternalID != "" && reused {
		if err := repoint(ctx, c, in.Provider, providerref.EntityTypeTHREAD, m.ThreadExternalID, th.ID); err != nil {
			return nil, err
		}
	} else if m.ThreadExternalID != "" {
		err := c.ProviderRef.Create().SetProvider(in.Provider).SetEntityType(providerref.EntityTypeTHREAD).
			SetEntityID(th.ID).SetExternalID(m.ThreadExternalID).OnConflict().DoNothing().Exec(ctx)
		if err != nil && !isNoRows(err) {
			return nil, err
		}
	}
	return th, nil
}

func (s *Service) insertIncoming(ctx context.Context, tx *store.Tx, in Incoming, th *ent.Thread, ct *ent.CareTeam) (string, error) {
	c := tx.Client
	m := in.Message
	sentAt := m.SentAt.UTC()
	kind := message.AuthorKindCLINICIAN
	author := strings.TrimSpace(m.AuthorName)
	if m.Direction == providers.ToClinician {
		kind = message.AuthorKindVETERAN
	} else if author == "" {
		// A care team's message whose writer the provider does not name is
		// shown as from the care team, never as from nobody.
		author = ct.DisplayName
	}
	create := c.Message.Create().SetVeteranID(in.VeteranID).SetThreadID(th.ID).SetAuthorKind(kind).
		SetAuthorName(author).SetBody(m.Body).SetBodyLoaded(m.BodyIncluded).SetSentAt(sentAt).SetOrderedAt(sentAt)
	unread := false
	if kind == message.AuthorKindVETERAN {
		create.SetDeliveryStatus(message.DeliveryStatusDELIVERED)
		if m.ClinicianReadAt != nil {
			create.SetClinicianReadAt(m.ClinicianReadAt.UTC())
		}
	} else if m.Status == providers.StatusRead || m.Status == providers.StatusDeleted {
		// A provider reports a deleted message's state as deleted alone; a
		// message the veteran already deleted is not waiting to be read.
		create.SetReadAt(sentAt)
	} else {
		unread = true
	}
	if m.Status == providers.StatusDeleted {
		create.SetProviderDeletedAt(s.now())
	}
	msg, err := create.Save(ctx)
	if err != nil {
		return "", err
	}
	for _, a := range m.Attachments {
		if err := c.Attachment.Create().SetVeteranID(in.VeteranID).SetMessageID(msg.ID).SetFilename(a.Filename).
			SetContentType(a.ContentType).SetSize(a.Size).SetExternalID(a.ExternalID).Exec(ctx); err != nil {
			return "", err
		}
	}
	if err := c.ProviderRef.Create().SetProvider(in.Provider).SetEntityType(providerref.EntityTypeMESSAGE).
		SetEntityID(msg.ID).SetExternalID(m.ExternalID).SetVersion(m.Version).Exec(ctx); err != nil {
		return "", err
	}
	up := c.Thread.UpdateOne(th).AddMessageCount(1)
	if th.MessageCount == 0 || !sentAt.Before(th.LastMessageAt) {
		up.SetLastMessageAt(sentAt).SetLastMessageID(msg.ID)
	}
	if unread {
		up.AddUnreadCount(1)
	}
	if len(m.Attachments) > 0 {
		up.SetHasAttachments(true)
	}
	// A new care-team message brings its conversation to the Inbox from Sent
	// or Trash, as a new message does in MHV; an old one being imported does not.
	if kind == message.AuthorKindCLINICIAN && m.Status != providers.StatusDeleted && (th.MessageCount == 0 || !sentAt.Before(th.LastMessageAt)) {
		cur, err := c.Folder.Get(ctx, th.FolderID)
		if err != nil {
			return "", err
		}
		if cur.System != nil && (*cur.System == folder.SystemSENT || *cur.System == folder.SystemTRASH) {
			inboxFolder, err := SystemFolder(ctx, c, in.VeteranID, folder.SystemINBOX)
			if err != nil {
				return "", err
			}
			up.SetFolderID(inboxFolder.ID)
		}
	}
	if _, err := up.Save(ctx); err != nil {
		return "", err
	}
	if unread {
		if err := s.recordNotifications(ctx, tx, in, msg.ID, sentAt); err != nil {
			return "", err
		}
	}
	if m.Status == providers.StatusDeleted && th.MessageCount > 0 {
		// An already-deleted message joining a thread VAMS holds trashes
		// the thread once none of its messages is left at the provider.
		if err := s.followProviderDeletes(ctx, tx, in.VeteranID, th.ID, true); err != nil {
			return "", err
		}
	}
	return msg.ID, s.change(ctx, tx, in.VeteranID, EntityMessage, msg.ID, change.OpCREATED,
		events.Event{Kind: events.MessageAdded, ThreadID: th.ID, MessageID: msg.ID})
}

// applyState merges a provider's view of a known message into VAMS (see
// docs/adr/0003-sync-conflict-policy.md): read state only moves forward,
// a provider delete tombstones the message and trashes a thread whose every
// message the provider deleted, and a message that reappears is restored.
func (s *Service) applyState(ctx context.Context, tx *store.Tx, in Incoming, ref *ent.ProviderRef, msg *ent.Message) error {
	c := tx.Client
	m := in.Message
	up := c.Message.UpdateOne(msg)
	changed := false
	threadUp := c.Thread.UpdateOneID(msg.ThreadID)
	threadChanged := false
	if m.BodyIncluded && !msg.BodyLoaded {
		up.SetBody(m.Body).SetBodyLoaded(true)
		changed = true
	}
	if msg.AuthorKind != message.AuthorKindVETERAN && msg.ReadAt == nil && m.Status == providers.StatusRead {
		up.SetReadAt(s.now())
		changed = true
		threadUp.AddUnreadCount(-1)
		threadChanged = true
	}
	if msg.AuthorKind == message.AuthorKindVETERAN && msg.ClinicianReadAt == nil && m.ClinicianReadAt != nil {
		up.SetClinicianReadAt(m.ClinicianReadAt.UTC())
		changed = true
	}
	deleted := m.Status == providers.StatusDeleted
	tombstoned := msg.ProviderDeletedAt != nil
	if deleted && !tombstoned {
		up.SetProviderDeletedAt(s.now())
		changed = true
	} else if !deleted && tombstoned {
		up.ClearProviderDeletedAt()
		changed = true
	}
	if m.Version != "" && m.Version != ref.Version {
		if err := c.ProviderRef.UpdateOne(ref).SetVersion(m.Version).Exec(ctx); err != nil {
			return err
		}
	}
	if !changed {
		return nil
	}
	if err := up.Exec(ctx); err != nil {
		return err
	}
	if threadChanged {
		if err := threadUp.Exec(ctx); err != nil {
			return err
		}
	}
	if deleted != tombstoned {
		if err := s.followProviderDeletes(ctx, tx, in.VeteranID, msg.ThreadID, deleted); err != nil {
			return err
		}
	}
	return s.change(ctx, tx, in.VeteranID, EntityMessage, msg.ID, change.OpUPDATED,
		events.Event{Kind: events.MessageUpdated, ThreadID: msg.ThreadID, MessageID: msg.ID})
}

// followProviderDeletes moves a thread to Trash once the provider deleted all
// of its messages, and back home when one of them reappears.
func (s *Service) followProviderDeletes(ctx context.Context, tx *store.Tx, vid, threadID string, deleted bool) error {
	c := tx.Client
	th, err := c.Thread.Get(ctx, threadID)
	if err != nil {
		return err
	}
	cur, err := c.Folder.Get(ctx, th.FolderID)
	if err != nil {
		return err
	}
	inTrash := cur.System != nil && *cur.System == folder.SystemTRASH
	var to *ent.Folder
	if deleted && !inTrash {
		live, err := c.Message.Query().Where(message.ThreadID(threadID), message.IsDraft(false), message.ProviderDeletedAtIsNil()).Exist(ctx)
		if err != nil || live {
			return err
		}
		if to, err = SystemFolder(ctx, c, vid, folder.SystemTRASH); err != nil {
			return err
		}
	} else if !deleted && inTrash {
		if to, err = HomeFolder(ctx, c, vid, threadID); err != nil {
			return err
		}
	}
	if to == nil {
		return nil
	}
	if err := c.Thread.UpdateOne(th).SetFolderID(to.ID).Exec(ctx); err != nil {
		return err
	}
	return s.change(ctx, tx, vid, EntityThread, th.ID, change.OpUPDATED, events.Event{Kind: events.ThreadUpdated, ThreadID: th.ID})
}

// StoreBody keeps a body fetched through a provider (read-through).
func (s *Service) StoreBody(ctx context.Context, messageID, body string) error {
	return s.store.Client.Message.UpdateOneID(messageID).SetBody(body).SetBodyLoaded(true).Exec(ctx)
}

// isNoRows reports an upsert's DO NOTHING on conflict, which some drivers
// surface as "no rows" from its RETURNING clause.
func isNoRows(err error) bool { return errors.Is(err, stdsql.ErrNoRows) }
