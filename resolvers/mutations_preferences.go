package resolvers

// Mutations on the veteran's preferences: signature and preferred care teams.

import (
	"context"

	"github.com/va/vams/graph/model"
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
