package inbox

import (
	"context"
	stdsql "database/sql"
	"errors"
	"strings"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
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
		ref, threadRef, err := heldRefs(ctx, c, in.Provider, m.ExternalID, m.ThreadExternalID)
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
		ct, err := s.careTeamID(ctx, tx, in.Provider, m.CareTeamExternalID)
		if err != nil {
			return err
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
		a := arrivalOf(in.Message)
		if threadRef != nil {
			a.heldThread = threadRef.EntityID
		}
		th, fresh, err := s.threadFor(ctx, tx, in, ct, stale, a)
		if err != nil {
			return err
		}
		msgID, err = s.insertIncoming(ctx, tx, in, th, fresh, ct, a)
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
func (s *Service) matchEcho(ctx context.Context, tx *store.Tx, in Incoming, ct string) (string, error) {
	pending, err := tx.Client.Message.Query().Where(message.VeteranID(in.VeteranID),
		message.AuthorKindEQ(message.AuthorKindVETERAN), message.IsDraft(false),
		message.DeliveryStatusIn(message.DeliveryStatusQUEUED, message.DeliveryStatusSENDING),
		message.HasThreadWith(thread.CareTeamID(ct))).Order(ent.Asc(message.FieldSentAt)).All(ctx)
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
func (s *Service) threadFor(ctx context.Context, tx *store.Tx, in Incoming, ct, stale string, a arrival) (th *ent.Thread, fresh bool, err error) {
	c := tx.Client
	m := in.Message
	reused := stale != ""
	parentThread := func() (string, error) {
		if m.InReplyToExternalID == "" || reused {
			return "", nil
		}
		ref, err := providerRef(ctx, c, in.Provider, providerref.EntityTypeMESSAGE, m.InReplyToExternalID)
		if err != nil || ref == nil || ref.EntityID == stale {
			return "", err
		}
		return ref.EntityID, nil
	}
	threadID := a.heldThread
	if threadID == stale {
		threadID = ""
	}
	// A thread found by its provider thread id already carries that id.
	referenced := threadID != ""
	if threadID == "" {
		parent, err := parentThread()
		if err != nil {
			return nil, false, err
		}
		if parent != "" {
			pm, err := c.Message.Get(ctx, parent)
			if err != nil {
				return nil, false, err
			}
			threadID = pm.ThreadID
		}
	}
	if threadID != "" {
		if th, err = c.Thread.Get(ctx, threadID); err != nil {
			return nil, false, err
		}
	} else {
		if th, err = s.startThread(ctx, tx, in, ct, a); err != nil {
			return nil, false, err
		}
		fresh = true
	}
	if m.ThreadExternalID != "" && reused {
		if err := repoint(ctx, c, in.Provider, providerref.EntityTypeTHREAD, m.ThreadExternalID, th.ID); err != nil {
			return nil, false, err
		}
	} else if m.ThreadExternalID != "" && !referenced {
		err := c.ProviderRef.Create().SetProvider(in.Provider).SetEntityType(providerref.EntityTypeTHREAD).
			SetEntityID(th.ID).SetExternalID(m.ThreadExternalID).OnConflict().DoNothing().Exec(ctx)
		if err != nil && !isNoRows(err) {
			return nil, false, err
		}
	}
	return th, fresh, nil
}

// startThread starts the VAMS thread of a provider message that begins a
// conversation, with that message's counts already in it: the message is
// inserted next, under the id a names.
func (s *Service) startThread(ctx context.Context, tx *store.Tx, in Incoming, ct string, a arrival) (*ent.Thread, error) {
	m := in.Message
	home := folder.SystemINBOX
	switch {
	case m.Status == providers.StatusDeleted:
		// History the veteran deleted at the provider before VAMS
		// knew it (a first import) is filed where they left it.
		home = folder.SystemTRASH
	case m.Direction == providers.ToClinician:
		home = folder.SystemSENT
	}
	homeID, err := s.systemFolder(ctx, tx.Client, in.VeteranID, home)
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
	create := tx.Client.Thread.Create().SetVeteranID(in.VeteranID).SetCareTeamID(ct).SetFolderID(homeID).
		SetSubject(subject).SetCategory(cat).SetLastMessageAt(m.SentAt.UTC()).
		SetMessageCount(1).SetLastMessageID(a.id).SetHasAttachments(len(m.Attachments) > 0)
	if a.unread {
		create.SetUnreadCount(1)
	}
	th, err := create.Save(ctx)
	if err != nil {
		return nil, err
	}
	s.threadCreated(ctx, tx, in.VeteranID, th.ID)
	return th, nil
}

// arrival is what a provider message brings to its thread, decided before
// the thread is found or started.
type arrival struct {
	id     string // the message's VAMS id
	kind   message.AuthorKind
	unread bool
	// heldThread is the VAMS thread the provider's thread id names, if any.
	heldThread string
}

func arrivalOf(m providers.Message) arrival {
	a := arrival{id: ids.New(ids.Message), kind: message.AuthorKindCLINICIAN}
	switch {
	case m.Direction == providers.ToClinician:
		a.kind = message.AuthorKindVETERAN
	case m.Status != providers.StatusRead && m.Status != providers.StatusDeleted:
		// A provider reports a deleted message's state as deleted alone; a
		// message the veteran already deleted is not waiting to be read.
		a.unread = true
	}
	return a
}

// insertIncoming stores a provider message in th; fresh says th was just
// started for it (with its counts already in).
func (s *Service) insertIncoming(ctx context.Context, tx *store.Tx, in Incoming, th *ent.Thread, fresh bool, ct string, a arrival) (string, error) {
	c := tx.Client
	m := in.Message
	sentAt := m.SentAt.UTC()
	author := strings.TrimSpace(m.AuthorName)
	if a.kind == message.AuthorKindCLINICIAN && author == "" {
		// A care team's message whose writer the provider does not name is
		// shown as from the care team, never as from nobody.
		team, err := c.CareTeam.Get(ctx, ct)
		if err != nil {
			return "", err
		}
		author = team.DisplayName
	}
	create := c.Message.Create().SetID(a.id).SetVeteranID(in.VeteranID).SetThreadID(th.ID).SetAuthorKind(a.kind).
		SetAuthorName(author).SetBody(m.Body).SetBodyLoaded(m.BodyIncluded).SetSentAt(sentAt).SetOrderedAt(sentAt)
	switch {
	case a.kind == message.AuthorKindVETERAN:
		create.SetDeliveryStatus(message.DeliveryStatusDELIVERED)
		if m.ClinicianReadAt != nil {
			create.SetClinicianReadAt(m.ClinicianReadAt.UTC())
		}
	case !a.unread:
		create.SetReadAt(sentAt)
	}
	if m.Status == providers.StatusDeleted {
		create.SetProviderDeletedAt(s.now())
	}
	if err := create.Exec(ctx); err != nil {
		return "", err
	}
	for _, at := range m.Attachments {
		if err := c.Attachment.Create().SetVeteranID(in.VeteranID).SetMessageID(a.id).SetFilename(at.Filename).
			SetContentType(at.ContentType).SetSize(at.Size).SetExternalID(at.ExternalID).Exec(ctx); err != nil {
			return "", err
		}
	}
	if err := c.ProviderRef.Create().SetProvider(in.Provider).SetEntityType(providerref.EntityTypeMESSAGE).
		SetEntityID(a.id).SetExternalID(m.ExternalID).SetVersion(m.Version).Exec(ctx); err != nil {
		return "", err
	}
	if !fresh {
		if err := s.joinThread(ctx, tx, in, th, a); err != nil {
			return "", err
		}
	}
	if a.unread {
		if err := s.recordNotifications(ctx, tx, in, a.id, sentAt); err != nil {
			return "", err
		}
	}
	return a.id, s.change(ctx, tx, in.VeteranID, EntityMessage, a.id, change.OpCREATED,
		events.Event{Kind: events.MessageAdded, ThreadID: th.ID, MessageID: a.id})
}

// joinThread adds a provider message to a thread VAMS already held.
func (s *Service) joinThread(ctx context.Context, tx *store.Tx, in Incoming, th *ent.Thread, a arrival) error {
	c := tx.Client
	m := in.Message
	sentAt := m.SentAt.UTC()
	latest := th.MessageCount == 0 || !sentAt.Before(th.LastMessageAt)
	// A bulk update by ID: UpdateOne would read the row back, and nothing
	// here needs it.
	up := c.Thread.Update().Where(thread.ID(th.ID)).AddMessageCount(1)
	if latest {
		up.SetLastMessageAt(sentAt).SetLastMessageID(a.id)
	}
	if a.unread {
		up.AddUnreadCount(1)
	}
	if len(m.Attachments) > 0 {
		up.SetHasAttachments(true)
	}
	// A new care-team message brings its conversation to the Inbox from Sent
	// or Trash, as a new message does in MHV; an old one being imported does not.
	if a.kind == message.AuthorKindCLINICIAN && m.Status != providers.StatusDeleted && latest {
		for _, from := range []folder.System{folder.SystemSENT, folder.SystemTRASH} {
			id, err := s.systemFolder(ctx, c, in.VeteranID, from)
			if err != nil {
				return err
			}
			if th.FolderID == id {
				inboxID, err := s.systemFolder(ctx, c, in.VeteranID, folder.SystemINBOX)
				if err != nil {
					return err
				}
				up.SetFolderID(inboxID)
			}
		}
	}
	if err := up.Exec(ctx); err != nil {
		return err
	}
	if m.Status == providers.StatusDeleted && th.MessageCount > 0 {
		// An already-deleted message joining a thread VAMS holds trashes
		// the thread once none of its messages is left at the provider.
		return s.followProviderDeletes(ctx, tx, in.VeteranID, th.ID, true)
	}
	return nil
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
