package resolvers

// Mutations on one thread: read state, moves, Trash and tags.

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/graph/model"
)

// MarkThreadRead is the resolver for the markThreadRead field.
func (r *mutationResolver) MarkThreadRead(ctx context.Context, input model.MarkThreadReadInput) (*model.ThreadPayload, error) {
	return threadPayload(input.ClientMutationID)(r.Inbox.MarkThreadRead(ctx, input.ThreadID))
}

// MarkThreadUnread is the resolver for the markThreadUnread field.
func (r *mutationResolver) MarkThreadUnread(ctx context.Context, input model.MarkThreadUnreadInput) (*model.ThreadPayload, error) {
	return threadPayload(input.ClientMutationID)(r.Inbox.MarkThreadUnread(ctx, input.ThreadID))
}

// MoveThread is the resolver for the moveThread field.
func (r *mutationResolver) MoveThread(ctx context.Context, input model.MoveThreadInput) (*model.ThreadPayload, error) {
	return threadPayload(input.ClientMutationID)(r.Inbox.MoveThread(ctx, input.ThreadID, input.FolderID))
}

// DeleteThread is the resolver for the deleteThread field.
func (r *mutationResolver) DeleteThread(ctx context.Context, input model.DeleteThreadInput) (*model.ThreadPayload, error) {
	return threadPayload(input.ClientMutationID)(r.Inbox.DeleteThread(ctx, input.ThreadID))
}

// RestoreThread is the resolver for the restoreThread field.
func (r *mutationResolver) RestoreThread(ctx context.Context, input model.RestoreThreadInput) (*model.ThreadPayload, error) {
	return threadPayload(input.ClientMutationID)(r.Inbox.RestoreThread(ctx, input.ThreadID))
}

// TagThread is the resolver for the tagThread field.
func (r *mutationResolver) TagThread(ctx context.Context, input model.TagThreadInput) (*model.ThreadPayload, error) {
	return threadPayload(input.ClientMutationID)(r.Inbox.TagThread(ctx, input.ThreadID, input.TagID, false))
}

// UntagThread is the resolver for the untagThread field.
func (r *mutationResolver) UntagThread(ctx context.Context, input model.UntagThreadInput) (*model.ThreadPayload, error) {
	return threadPayload(input.ClientMutationID)(r.Inbox.TagThread(ctx, input.ThreadID, input.TagID, true))
}

// threadPayload answers a thread mutation with the thread as it now is, or with the
// error alone.
func threadPayload(key *string) func(*ent.Thread, error) (*model.ThreadPayload, error) {
	return answer(func(v *ent.Thread) *model.ThreadPayload {
		return &model.ThreadPayload{Thread: v, ClientMutationID: key}
	})
}
