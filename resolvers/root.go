package resolvers

import "github.com/va/vams/graph"

// The root's accessors for gqlgen's executor (graph.ResolverRoot); this package is
// hand-written (gqlgen.yml has no resolver section), so the compiler, not a scaffold,
// says when a schema field lacks its method.
var _ graph.ResolverRoot = (*Resolver)(nil)

// Attachment returns graph.AttachmentResolver implementation.
func (r *Resolver) Attachment() graph.AttachmentResolver { return &attachmentResolver{r} }

// CareTeam returns graph.CareTeamResolver implementation.
func (r *Resolver) CareTeam() graph.CareTeamResolver { return &careTeamResolver{r} }

// DeliveryStatusChangedEvent returns graph.DeliveryStatusChangedEventResolver implementation.
func (r *Resolver) DeliveryStatusChangedEvent() graph.DeliveryStatusChangedEventResolver {
	return &deliveryStatusChangedEventResolver{r}
}

// Folder returns graph.FolderResolver implementation.
func (r *Resolver) Folder() graph.FolderResolver { return &folderResolver{r} }

// Message returns graph.MessageResolver implementation.
func (r *Resolver) Message() graph.MessageResolver { return &messageResolver{r} }

// MessageReceivedEvent returns graph.MessageReceivedEventResolver implementation.
func (r *Resolver) MessageReceivedEvent() graph.MessageReceivedEventResolver {
	return &messageReceivedEventResolver{r}
}

// Mutation returns graph.MutationResolver implementation.
func (r *Resolver) Mutation() graph.MutationResolver { return &mutationResolver{r} }

// Query returns graph.QueryResolver implementation.
func (r *Resolver) Query() graph.QueryResolver { return &queryResolver{r} }

// Subscription returns graph.SubscriptionResolver implementation.
func (r *Resolver) Subscription() graph.SubscriptionResolver { return &subscriptionResolver{r} }

// Thread returns graph.ThreadResolver implementation.
func (r *Resolver) Thread() graph.ThreadResolver { return &threadResolver{r} }

// ThreadUpdatedEvent returns graph.ThreadUpdatedEventResolver implementation.
func (r *Resolver) ThreadUpdatedEvent() graph.ThreadUpdatedEventResolver {
	return &threadUpdatedEventResolver{r}
}

// Viewer returns graph.ViewerResolver implementation.
func (r *Resolver) Viewer() graph.ViewerResolver { return &viewerResolver{r} }

type (
	attachmentResolver                 struct{ *Resolver }
	careTeamResolver                   struct{ *Resolver }
	deliveryStatusChangedEventResolver struct{ *Resolver }
	folderResolver                     struct{ *Resolver }
	messageResolver                    struct{ *Resolver }
	messageReceivedEventResolver       struct{ *Resolver }
	mutationResolver                   struct{ *Resolver }
	queryResolver                      struct{ *Resolver }
	subscriptionResolver               struct{ *Resolver }
	threadResolver                     struct{ *Resolver }
	threadUpdatedEventResolver         struct{ *Resolver }
	viewerResolver                     struct{ *Resolver }
)
