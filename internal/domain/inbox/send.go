package inbox

import (
	"cmp"
	"context"
	"strings"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
)

// teamState loads what decides whether the viewer can message a team, in
// one statement.
func (s *Service) teamState(ctx context.Context, c *ent.Client, vid, careTeamID string) (*ent.CareTeam, ReplyBlock, error) {
	infos, err := LoadCareTeams(ctx, c, vid, []string{careTeamID}, s.now())
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
	// Key is the client's idempotency key (clientMutationId); "" for none.
	Key string
}

// SendMessage starts a thread with the veteran's first message and queues its
// delivery. The thread goes to Sent until the care team answers. A retry
// with the same Key answers with the first call's thread and message.
func (s *Service) SendMessage(ctx context.Context, in SendMessage) (*ent.Thread, *ent.Message, error) {
	vid, files, err := checkSend(ctx, in.Body, in.Signature, in.Attachments,
		checkID(in.CareTeamID, ids.CareTeam, "careTeamId"), checkCategory(in.Category), checkSubject(in.Subject))
	if err != nil {
		return nil, nil, err
	}
	return s.onceSent(ctx, vid, OpSendMessage, in.Key, func(d *digest) {
		d.str(in.CareTeamID).str(string(in.Category)).str(in.Subject).str(in.Body).signature(in.Signature).files(files)
	}, func(c *claim) (*ent.Thread, *ent.Message, error) { return s.sendMessage(ctx, vid, in, files, c) })
}

// sendMessage is SendMessage once its input passed every check. The care
// team is checked in the transaction that writes, so a send is one
// transaction and nothing before it.
func (s *Service) sendMessage(ctx context.Context, vid string, in SendMessage, files []checkedFile, c *claim) (*ent.Thread, *ent.Message, error) {
	return s.deliver(ctx, c, func(tx *store.Tx) (*ent.Thread, outgoing, error) {
		ct, block, err := s.teamState(ctx, tx.Client, vid, in.CareTeamID)
		if err != nil {
			return nil, outgoing{}, mapNotFound(err, "careTeamId")
		}
		if block != BlockNone {
			return nil, outgoing{}, blockError(block, "careTeamId")
		}
		if err := s.checkCanAttach(ct, files); err != nil {
			return nil, outgoing{}, err
		}
		out, err := s.prepareSend(vid, ct, in.Body, in.Signature, files)
		if err != nil {
			return nil, outgoing{}, err
		}
		sent, err := s.systemFolder(ctx, tx.Client, vid, folder.SystemSENT)
		if err != nil {
			return nil, outgoing{}, err
		}
		// Written with its first message's aggregates, so it needs no update
		// once the message is in.
		th, err := tx.Client.Thread.Create().SetVeteranID(vid).SetCareTeamID(ct.ID).SetFolderID(sent).
			SetSubject(strings.TrimSpace(in.Subject)).SetCategory(in.Category).SetLastMessageAt(out.now).
			SetLastMessageID(out.id).SetMessageCount(1).SetHasAttachments(len(files) > 0).Save(ctx)
		if err == nil {
			s.threadCreated(ctx, tx, vid, th.ID)
		}
		return th, out, err
	})
}

// checkSend checks a message the viewer sends, in order, and answers with
// the viewer's ID and the attachments read: who the viewer is; then checks,
// the caller's results for the message's other fields; then what the
// veteran wrote: body, signature text and attachments (reading the files).
// The first failure is the answer.
func checkSend(ctx context.Context, body string, sig *Signature, attachments []File, checks ...error) (string, []checkedFile, error) {
	vid, err := viewerID(ctx)
	if err := cmp.Or(append([]error{err}, checks...)...); err != nil {
		return "", nil, err
	}
	if err := cmp.Or(checkBody(body), checkSignature(sig)); err != nil {
		return "", nil, err
	}
	files, err := CheckAttachments(attachments)
	return vid, files, err
}

// Reply is the input of a reply.
type Reply struct {
	ThreadID    string
	Body        string
	Attachments []File
	Signature   *Signature
	// Key is the client's idempotency key (clientMutationId); "" for none.
	Key string
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
	ct, block, err := s.teamState(ctx, c, vid, th.CareTeamID)
	if err != nil {
		return nil, nil, err
	}
	if b := ThreadReplyBlock(th, block, s.now()); b != BlockNone {
		return nil, nil, blockError(b, "threadId")
	}
	return th, ct, nil
}

// ReplyToThread adds the veteran's reply and queues its delivery. A retry
// with the same Key answers with the first call's thread and message.
func (s *Service) ReplyToThread(ctx context.Context, in Reply) (*ent.Thread, *ent.Message, error) {
	vid, files, err := checkSend(ctx, in.Body, in.Signature, in.Attachments)
	if err != nil {
		return nil, nil, err
	}
	return s.onceSent(ctx, vid, OpReplyToThread, in.Key, func(d *digest) {
		d.str(in.ThreadID).str(in.Body).signature(in.Signature).files(files)
	}, func(c *claim) (*ent.Thread, *ent.Message, error) { return s.reply(ctx, vid, in, files, c) })
}

// reply is ReplyToThread once its input passed every check.
func (s *Service) reply(ctx context.Context, vid string, in Reply, files []checkedFile, c *claim) (*ent.Thread, *ent.Message, error) {
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
	out, err := s.prepareSend(vid, ct, in.Body, in.Signature, files)
	if err != nil {
		return nil, nil, err
	}
	return s.deliver(ctx, c, func(*store.Tx) (*ent.Thread, outgoing, error) { return th, out, nil })
}
