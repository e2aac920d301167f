package resolvers

// Mutations on the veteran's own folders and tags: create, rename and delete,
// for both alike (the inbox gives both one implementation).

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/inbox"
)

// folderPayload and tagPayload answer with what was saved, or with the error
// alone.
func folderPayload(key *string) func(*ent.Folder, error) (*model.FolderPayload, error) {
	return answer(func(v *ent.Folder) *model.FolderPayload {
		return &model.FolderPayload{Folder: v, ClientMutationID: key}
	})
}

func tagPayload(key *string) func(*ent.Tag, error) (*model.TagPayload, error) {
	return answer(func(v *ent.Tag) *model.TagPayload { return &model.TagPayload{Tag: v, ClientMutationID: key} })
}

// CreateFolder is the resolver for the createFolder field.
func (r *mutationResolver) CreateFolder(ctx context.Context, input model.CreateFolderInput) (*model.FolderPayload, error) {
	return folderPayload(input.ClientMutationID)(r.Inbox.CreateFolder(ctx, inbox.NewFolder{Name: input.Name, Key: key(ctx, input.ClientMutationID)}))
}

// CreateTag is the resolver for the createTag field.
func (r *mutationResolver) CreateTag(ctx context.Context, input model.CreateTagInput) (*model.TagPayload, error) {
	return tagPayload(input.ClientMutationID)(r.Inbox.CreateTag(ctx, inbox.NewTag{Name: input.Name, Key: key(ctx, input.ClientMutationID)}))
}

// RenameFolder is the resolver for the renameFolder field.
func (r *mutationResolver) RenameFolder(ctx context.Context, input model.RenameFolderInput) (*model.FolderPayload, error) {
	return folderPayload(input.ClientMutationID)(r.Inbox.RenameFolder(ctx, input.FolderID, input.Name))
}

// RenameTag is the resolver for the renameTag field.
func (r *mutationResolver) RenameTag(ctx context.Context, input model.RenameTagInput) (*model.TagPayload, error) {
	return tagPayload(input.ClientMutationID)(r.Inbox.RenameTag(ctx, input.TagID, input.Name))
}

// DeleteFolder is the resolver for the deleteFolder field.
func (r *mutationResolver) DeleteFolder(ctx context.Context, input model.DeleteFolderInput) (*model.DeleteFolderPayload, error) {
	if err := r.Inbox.DeleteFolder(ctx, input.FolderID); err != nil {
		return nil, err
	}
	return &model.DeleteFolderPayload{DeletedFolderID: input.FolderID, ClientMutationID: input.ClientMutationID}, nil
}

// DeleteTag is the resolver for the deleteTag field.
func (r *mutationResolver) DeleteTag(ctx context.Context, input model.DeleteTagInput) (*model.DeleteTagPayload, error) {
	if err := r.Inbox.DeleteTag(ctx, input.TagID); err != nil {
		return nil, err
	}
	return &model.DeleteTagPayload{DeletedTagID: input.TagID, ClientMutationID: input.ClientMutationID}, nil
}
