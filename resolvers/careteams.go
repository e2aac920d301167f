package resolvers

// CareTeam fields: the directory entry, its facility and the viewer's association, batch-loaded.

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/inbox"
)

// Name is the resolver for the name field.
func (r *careTeamResolver) Name(ctx context.Context, obj *ent.CareTeam) (string, error) {
	return obj.DisplayName, nil
}

// FacilityName is the resolver for the facilityName field.
func (r *careTeamResolver) FacilityName(ctx context.Context, obj *ent.CareTeam) (string, error) {
	info, err := careTeamInfo(ctx, obj.ID)
	if err != nil {
		return "", err
	}
	return info.Facility.Name, nil
}

// StationNumber is the resolver for the stationNumber field.
func (r *careTeamResolver) StationNumber(ctx context.Context, obj *ent.CareTeam) (string, error) {
	info, err := careTeamInfo(ctx, obj.ID)
	if err != nil {
		return "", err
	}
	return info.Facility.StationNumber, nil
}

// HealthCareSystemName is the resolver for the healthCareSystemName field.
func (r *careTeamResolver) HealthCareSystemName(ctx context.Context, obj *ent.CareTeam) (string, error) {
	info, err := careTeamInfo(ctx, obj.ID)
	if err != nil {
		return "", err
	}
	return info.Facility.HealthCareSystem, nil
}

// Preferred is the resolver for the preferred field.
func (r *careTeamResolver) Preferred(ctx context.Context, obj *ent.CareTeam) (bool, error) {
	info, err := careTeamInfo(ctx, obj.ID)
	if err != nil {
		return false, err
	}
	return info.Association != nil && info.Association.Preferred, nil
}

// CanMessage is the resolver for the canMessage field.
func (r *careTeamResolver) CanMessage(ctx context.Context, obj *ent.CareTeam) (bool, error) {
	info, err := careTeamInfo(ctx, obj.ID)
	if err != nil {
		return false, err
	}
	return inbox.CareTeamBlock(info.Team, info.Facility, info.Association) == inbox.BlockNone, nil
}

// CannotMessageReason is the resolver for the cannotMessageReason field.
func (r *careTeamResolver) CannotMessageReason(ctx context.Context, obj *ent.CareTeam) (*model.CannotMessageReason, error) {
	info, err := careTeamInfo(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	b := inbox.CareTeamBlock(info.Team, info.Facility, info.Association)
	if b == inbox.BlockNone {
		return nil, nil
	}
	reason := model.CannotMessageReason(b)
	return &reason, nil
}

// RequiresElectronicSignature is the resolver for the requiresElectronicSignature field.
func (r *careTeamResolver) RequiresElectronicSignature(ctx context.Context, obj *ent.CareTeam) (bool, error) {
	return obj.RequiresSignature, nil
}

// Transition is the resolver for the transition field.
func (r *careTeamResolver) Transition(ctx context.Context, obj *ent.CareTeam) (*model.CareTeamTransition, error) {
	info, err := careTeamInfo(ctx, obj.ID)
	if err != nil {
		return nil, err
	}
	return transition(r.Inbox.CareTeamTransition(info.Facility.StationNumber)), nil
}

// CanAttach is the resolver for the canAttach field.
func (r *careTeamResolver) CanAttach(ctx context.Context, obj *ent.CareTeam) (bool, error) {
	return r.Inbox.CanAttach(obj), nil
}
