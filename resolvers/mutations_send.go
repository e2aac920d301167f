package resolvers

// Mutations that write messages: send, reply and the draft lifecycle.

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/inbox"
)

// sentPayload answers a sending mutation with the thread and the message sent, or
// with the error alone.
func sentPayload(key *string) func(*ent.Thread, *ent.Message, error) (*model.SentPayload, error) {
	return func(th *ent.Thread, m *ent.Message, err error) (*model.SentPayload, error) {
		if err != nil {
			return nil, err
		}
		return &model.SentPayload{Thread: th, Message: m, ClientMutationID: key}, nil
	}
}

// SendMessage is the resolver for the sendMessage field.
func (r *mutationResolver) SendMessage(ctx context.Context, input model.SendMessageInput) (*model.SentPayload, error) {
	return sentPayload(input.ClientMutationID)(r.Inbox.SendMessage(ctx, inbox.SendMessage{
		CareTeamID: input.CareTeamID, Category: input.Category, Subject: input.Subject, Body: input.Body,
		Attachments: files(input.Attachments), Signature: signature(input.ElectronicSignature), Key: key(ctx, input.ClientMutationID),
	}))
}

// ReplyToThread is the resolver for the replyToThread field.
func (r *mutationResolver) ReplyToThread(ctx context.Context, input model.ReplyToThreadInput) (*model.SentPayload, error) {
	return sentPayload(input.ClientMutationID)(r.Inbox.ReplyToThread(ctx, inbox.Reply{
		ThreadID: input.ThreadID, Body: input.Body, Attachments: files(input.Attachments), Signature: signature(input.ElectronicSignature),
		Key: key(ctx, input.ClientMutationID),
	}))
}

// SaveDraft is the resolver for the saveDraft field.
func (r *mutationResolver) SaveDraft(ctx context.Context, input model.SaveDraftInput) (*model.SaveDraftPayload, error) {
	th, d, err := r.Inbox.SaveDraft(ctx, inbox.Draft{
		DraftID: deref(input.DraftID), CareTeamID: deref(input.CareTeamID), Category: input.Category,
		Subject: input.Subject, ThreadID: deref(input.ThreadID), Body: input.Body, Key: key(ctx, input.ClientMutationID),
	})
	if err != nil {
		return nil, err
	}
	return &model.SaveDraftPayload{Thread: th, Draft: d, ClientMutationID: input.ClientMutationID}, nil
}

// DeleteDraft is the resolver for the deleteDraft field.
func (r *mutationResolver) DeleteDraft(ctx context.Context, input model.DeleteDraftInput) (*model.DeleteDraftPayload, error) {
	_, th, err := r.Inbox.DeleteDraft(ctx, input.DraftID)
	if err != nil {
		return nil, err
	}
	return &model.DeleteDraftPayload{DeletedDraftID: input.DraftID, Thread: th, ClientMutationID: input.ClientMutationID}, nil
}

// SendDraft is the resolver for the sendDraft field.
func (r *mutationResolver) SendDraft(ctx context.Context, input model.SendDraftInput) (*model.SentPayload, error) {
	return sentPayload(input.ClientMutationID)(r.Inbox.SendDraft(ctx, inbox.SendDraft{DraftID: input.DraftID,
		Signature: signature(input.ElectronicSignature), Key: key(ctx, input.ClientMutationID)}))
}
