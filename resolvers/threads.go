package resolvers

// Thread and Folder fields, batch-loaded per response (internal/loaders).

import (
	"context"

	"entgo.io/contrib/entgql"

	"github.com/va/vams/ent"
	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/loaders"
)

// SystemFolder is the resolver for the systemFolder field.
func (r *folderResolver) SystemFolder(ctx context.Context, obj *ent.Folder) (bool, error) {
	return obj.System != nil, nil
}

// UnreadCount is the resolver for the unreadCount field.
func (r *folderResolver) UnreadCount(ctx context.Context, obj *ent.Folder) (int, error) {
	c, err := loaders.For(ctx).Counts.Load(ctx, obj.ID)()
	return c.Unread, err
}

// ThreadCount is the resolver for the threadCount field.
func (r *folderResolver) ThreadCount(ctx context.Context, obj *ent.Folder) (int, error) {
	c, err := loaders.For(ctx).Counts.Load(ctx, obj.ID)()
	return c.Threads, err
}

// CareTeam is the resolver for the careTeam field.
func (r *threadResolver) CareTeam(ctx context.Context, obj *ent.Thread) (*ent.CareTeam, error) {
	info, err := careTeamInfo(ctx, obj.CareTeamID)
	if err != nil {
		return nil, err
	}
	return info.Team, nil
}

// Folder is the resolver for the folder field.
func (r *threadResolver) Folder(ctx context.Context, obj *ent.Thread) (*ent.Folder, error) {
	if obj.Edges.Folder != nil { // read with the thread (node)
		return obj.Edges.Folder, nil
	}
	return loaders.For(ctx).Folder.Load(ctx, obj.FolderID)()
}

// Tags is the resolver for the tags field.
func (r *threadResolver) Tags(ctx context.Context, obj *ent.Thread) ([]*ent.Tag, error) {
	return loaders.For(ctx).ThreadTags.Load(ctx, obj.ID)()
}

// Messages is the resolver for the messages field.
func (r *threadResolver) Messages(ctx context.Context, obj *ent.Thread, first *int, after *entgql.Cursor[string], last *int, before *entgql.Cursor[string]) (*ent.MessageConnection, error) {
	conn, err := r.Inbox.ListMessages(ctx, obj, inbox.PageArgs{First: first, After: after, Last: last, Before: before})
	if err == nil && !inbox.MayHoldAttachments(obj) {
		l := loaders.For(ctx)
		for _, e := range conn.Edges {
			l.Attachments.Prime(ctx, e.Node.ID, []*ent.Attachment{})
		}
	}
	return conn, err
}

// LastMessage is the resolver for the lastMessage field.
func (r *threadResolver) LastMessage(ctx context.Context, obj *ent.Thread) (*ent.Message, error) {
	if obj.LastMessageID == nil {
		return nil, nil
	}
	return loaders.For(ctx).Message.Load(ctx, *obj.LastMessageID)()
}

// CanReply is the resolver for the canReply field.
func (r *threadResolver) CanReply(ctx context.Context, obj *ent.Thread) (bool, error) {
	b, err := r.replyBlock(ctx, obj)
	return b == inbox.BlockNone, err
}

// ReplyBlockedReason is the resolver for the replyBlockedReason field.
func (r *threadResolver) ReplyBlockedReason(ctx context.Context, obj *ent.Thread) (*model.ReplyBlockedReason, error) {
	b, err := r.replyBlock(ctx, obj)
	if err != nil || b == inbox.BlockNone {
		return nil, err
	}
	reason := model.ReplyBlockedReason(b)
	return &reason, nil
}
