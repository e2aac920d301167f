package resolvers

// Message and Attachment fields.

import (
	"context"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/loaders"
)

// Size is the resolver for the size field.
func (r *attachmentResolver) Size(ctx context.Context, obj *ent.Attachment) (int, error) {
	return int(obj.Size), nil
}

// DownloadURL is the resolver for the downloadUrl field.
func (r *attachmentResolver) DownloadURL(ctx context.Context, obj *ent.Attachment) (string, error) {
	return "/attachments/" + obj.ID, nil
}

// Body is the resolver for the body field.
func (r *messageResolver) Body(ctx context.Context, obj *ent.Message) (*string, error) {
	l := loaders.For(ctx)
	if obj.BodyLoaded || l.Body == nil {
		return &obj.Body, nil
	}
	// Read-through: the provider's listing had no body; fetch it (batched
	// per thread) and keep it. A provider outage fails this field only.
	b, err := l.Body.Load(ctx, obj.ID)()
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// Author is the resolver for the author field.
func (r *messageResolver) Author(ctx context.Context, obj *ent.Message) (*model.Author, error) {
	return &model.Author{Kind: obj.AuthorKind, DisplayName: obj.AuthorName}, nil
}

// ReadByCareTeamAt is the resolver for the readByCareTeamAt field.
func (r *messageResolver) ReadByCareTeamAt(ctx context.Context, obj *ent.Message) (*time.Time, error) {
	return obj.ClinicianReadAt, nil
}

// Attachments is the resolver for the attachments field.
func (r *messageResolver) Attachments(ctx context.Context, obj *ent.Message) ([]*ent.Attachment, error) {
	return loaders.For(ctx).Attachments.Load(ctx, obj.ID)()
}

// DeliveryFailureReason is the resolver for the deliveryFailureReason field.
func (r *messageResolver) DeliveryFailureReason(ctx context.Context, obj *ent.Message) (*string, error) {
	if obj.DeliveryStatus == nil || *obj.DeliveryStatus != message.DeliveryStatusFAILED {
		return nil, nil
	}
	return obj.DeliveryError, nil
}
