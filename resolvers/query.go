package resolvers

// Query fields: the viewer, Relay node lookups, categories and delta sync.

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/va/vams/ent"
	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/inbox"
)

// Viewer is the resolver for the viewer field.
func (r *queryResolver) Viewer(ctx context.Context) (*ent.Veteran, error) {
	// No query: the viewer's fields load what they need.
	return &ent.Veteran{ID: viewerOf(ctx).VeteranID}, nil
}

// Node is the resolver for the node field.
func (r *queryResolver) Node(ctx context.Context, id string) (ent.Noder, error) {
	r.freshenNode(ctx, id)
	return r.Inbox.Node(ctx, id)
}

// Nodes is the resolver for the nodes field.
func (r *queryResolver) Nodes(ctx context.Context, ids []string) ([]ent.Noder, error) {
	nodes, errs, err := r.Inbox.Nodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	// Each missing item is null with its own error, as Relay expects.
	for i, e := range errs {
		if e != nil {
			graphql.AddError(graphql.WithPathContext(ctx, graphql.NewPathWithIndex(i)), e)
		}
	}
	return nodes, nil
}

// MessageCategories is the resolver for the messageCategories field.
func (r *queryResolver) MessageCategories(ctx context.Context) ([]*model.MessageCategoryInfo, error) {
	out := make([]*model.MessageCategoryInfo, 0, len(inbox.Categories))
	for _, c := range inbox.Categories {
		out = append(out, &model.MessageCategoryInfo{Category: c.Category, Label: c.Label, Description: c.Description})
	}
	return out, nil
}

// Changes is the resolver for the changes field.
func (r *queryResolver) Changes(ctx context.Context, since *string, maxChanges *int) (*inbox.ChangeSet, error) {
	max := 0
	if maxChanges != nil {
		// An explicit 0 is out of range, not the default.
		if max = *maxChanges; max == 0 {
			max = -1
		}
	}
	return r.Inbox.Changes(ctx, since, max)
}
