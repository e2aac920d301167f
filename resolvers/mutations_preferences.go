package resolvers

// Mutations on the veteran's preferences: signature, preferred care teams
// and notifications.

import (
	"context"

	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/inbox"
)

// UpdateSignature is the resolver for the updateSignature field.
func (r *mutationResolver) UpdateSignature(ctx context.Context, input model.UpdateSignatureInput) (*model.UpdateSignaturePayload, error) {
	v, err := r.Inbox.UpdateSignature(ctx, input.Name, input.Title, input.IncludeSignature)
	if err != nil {
		return nil, err
	}
	return &model.UpdateSignaturePayload{
		Signature:        &model.Signature{Name: v.SignatureName, Title: v.SignatureTitle, IncludeSignature: v.IncludeSignature},
		ClientMutationID: input.ClientMutationID,
	}, nil
}

// SetPreferredCareTeams is the resolver for the setPreferredCareTeams field.
func (r *mutationResolver) SetPreferredCareTeams(ctx context.Context, input model.SetPreferredCareTeamsInput) (*model.SetPreferredCareTeamsPayload, error) {
	teams, err := r.Inbox.SetPreferredCareTeams(ctx, input.CareTeamIds)
	if err != nil {
		return nil, err
	}
	return &model.SetPreferredCareTeamsPayload{CareTeams: teams, ClientMutationID: input.ClientMutationID}, nil
}

// SetNotificationPreferences is the resolver for the setNotificationPreferences field.
func (r *mutationResolver) SetNotificationPreferences(ctx context.Context, input model.SetNotificationPreferencesInput) (*model.NotificationPreferencesPayload, error) {
	p, err := r.Inbox.SetNotificationPreferences(ctx, inbox.NotificationPreferenceChange{Email: input.Email, Push: input.Push, TimeZone: input.TimeZone})
	return notificationPayload(p, err, input.ClientMutationID)
}

// RegisterPushDevice is the resolver for the registerPushDevice field.
func (r *mutationResolver) RegisterPushDevice(ctx context.Context, input model.PushDeviceInput) (*model.NotificationPreferencesPayload, error) {
	p, err := r.Inbox.RegisterPushDevice(ctx, input.Registration)
	return notificationPayload(p, err, input.ClientMutationID)
}

// RemovePushDevice is the resolver for the removePushDevice field.
func (r *mutationResolver) RemovePushDevice(ctx context.Context, input model.PushDeviceInput) (*model.NotificationPreferencesPayload, error) {
	p, err := r.Inbox.RemovePushDevice(ctx, input.Registration)
	return notificationPayload(p, err, input.ClientMutationID)
}

// notificationPayload is the answer of the three notification mutations.
func notificationPayload(p inbox.NotificationPreferences, err error, clientMutationID *string) (*model.NotificationPreferencesPayload, error) {
	if err != nil {
		return nil, err
	}
	return &model.NotificationPreferencesPayload{NotificationPreferences: &p, ClientMutationID: clientMutationID}, nil
}
