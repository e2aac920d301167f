package resolvers

// Mutations on the veteran's own folders and tags.

import (
	"context"

	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/inbox"
)

// CreateFolder is the resolver for the createFolder field.
func (r *mutationResolver) CreateFolder(ctx context.Context, input model.CreateFolderInput) (*model.FolderPayload, error) {
	f, err := r.Inbox.CreateFolder(ctx, inbox.NewFolder{Name: input.Name, Key: deref(input.ClientMutationID)})
	if err != nil {
		return nil, err
	}
	return &model.FolderPayload{Folder: f, ClientMutationID: input.ClientMutationID}, nil
}

// RenameFolder is the resolver for the renameFolder field.
func (r *mutationResolver) RenameFolder(ctx context.Context, input model.RenameFolderInput) (*model.FolderPayload, error) {
	f, err := r.Inbox.RenameFolder(ctx, input.FolderID, input.Name)
	if err != nil {
		return nil, err
	}
	return &model.FolderPayload{Folder: f, ClientMutationID: input.ClientMutationID}, nil
}

// DeleteFolder is the resolver for the deleteFolder field.
func (r *mutationResolver) DeleteFolder(ctx context.Context, input model.DeleteFolderInput) (*model.DeleteFolderPayload, error) {
	if err := r.Inbox.DeleteFolder(ctx, input.FolderID); err != nil {
		return nil, err
	}
	return &model.DeleteFolderPayload{DeletedFolderID: input.FolderID, ClientMutationID: input.ClientMutationID}, nil
}

// CreateTag is the resolver for the createTag field.
func (r *mutationResolver) CreateTag(ctx context.Context, input model.CreateTagInput) (*model.TagPayload, error) {
	t, err := r.Inbox.CreateTag(ctx, inbox.NewTag{Name: input.Name, Key: deref(input.ClientMutationID)})
	if err != nil {
		return nil, err
	}
	return &model.TagPayload{Tag: t, ClientMutationID: input.ClientMutationID}, nil
}

// RenameTag is the resolver for the renameTag field.
func (r *mutationResolver) RenameTag(ctx context.Context, input model.RenameTagInput) (*model.TagPayload, error) {
	t, err := r.Inbox.RenameTag(ctx, input.TagID, input.Name)
	if err != nil {
		return nil, err
	}
	return &model.TagPayload{Tag: t, ClientMutationID: input.ClientMutationID}, nil
}

// DeleteTag is the resolver for the deleteTag field.
func (r *mutationResolver) DeleteTag(ctx context.Context, input model.DeleteTagInput) (*model.DeleteTagPayload, error) {
	if err := r.Inbox.DeleteTag(ctx, input.TagID); err != nil {
		return nil, err
	}
	return &model.DeleteTagPayload{DeletedTagID: input.TagID, ClientMutationID: input.ClientMutationID}, nil
}
