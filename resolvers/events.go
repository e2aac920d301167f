package resolvers

// Subscription fields and the fields of their event payloads (see subscriptions.go for the stream).

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/graph/model"
)

// Message is the resolver for the message field.
func (r *deliveryStatusChangedEventResolver) Message(ctx context.Context, obj *model.InboxEvent) (*ent.Message, error) {
	return r.eventMessage(ctx, obj)
}

// Message is the resolver for the message field.
func (r *messageReceivedEventResolver) Message(ctx context.Context, obj *model.InboxEvent) (*ent.Message, error) {
	return r.eventMessage(ctx, obj)
}

// Thread is the resolver for the thread field.
func (r *messageReceivedEventResolver) Thread(ctx context.Context, obj *model.InboxEvent) (*ent.Thread, error) {
	return r.threadOf(ctx, obj.Change, obj.ThreadID)
}

// MessageReceived is the resolver for the messageReceived field.
func (r *subscriptionResolver) MessageReceived(ctx context.Context) (<-chan *model.InboxEvent, error) {
	return r.stream(ctx, r.clinicianMessages)
}

// ThreadUpdated is the resolver for the threadUpdated field.
func (r *subscriptionResolver) ThreadUpdated(ctx context.Context) (<-chan *model.InboxEvent, error) {
	return r.stream(ctx, threadChanges)
}

// DeliveryStatusChanged is the resolver for the deliveryStatusChanged field.
func (r *subscriptionResolver) DeliveryStatusChanged(ctx context.Context) (<-chan *model.InboxEvent, error) {
	return r.stream(ctx, r.deliveryChanges)
}

// UnreadCountChanged is the resolver for the unreadCountChanged field.
func (r *subscriptionResolver) UnreadCountChanged(ctx context.Context) (<-chan *model.InboxEvent, error) {
	return r.stream(ctx, r.unreadCounts())
}

// Thread is the resolver for the thread field.
func (r *threadUpdatedEventResolver) Thread(ctx context.Context, obj *model.InboxEvent) (*ent.Thread, error) {
	t, err := r.threadOf(ctx, obj.Change, obj.ThreadID)
	if err != nil {
		// Deleted or no longer the viewer's: the thread is null, not an error.
		return nil, nil
	}
	return t, nil
}
