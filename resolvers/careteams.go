package resolvers

// CareTeam fields: the directory entry, its facility and the viewer's association, batch-loaded.

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/loaders"
)

// Name is the resolver for the name field.
func (r *careTeamResolver) Name(ctx context.Context, obj *ent.CareTeam) (string, error) {
	return obj.DisplayName, nil
}

// FacilityName is the resolver for the facilityName field.
func (r *careTeamResolver) FacilityName(ctx context.Context, obj *ent.CareTeam) (string, error) {
	return fromDirectory(ctx, obj, func(d *loaders.CareTeamInfo) string { return d.Facility.Name })
}

// StationNumber is the resolver for the stationNumber field.
func (r *careTeamResolver) StationNumber(ctx context.Context, obj *ent.CareTeam) (string, error) {
	return fromDirectory(ctx, obj, func(d *loaders.CareTeamInfo) string { return d.Facility.StationNumber })
}

// RequiresElectronicSignature is the resolver for the requiresElectronicSignature field.
func (r *careTeamResolver) RequiresElectronicSignature(ctx context.Context, obj *ent.CareTeam) (bool, error) {
	return obj.RequiresSignature, nil
}

// HealthCareSystemName is the resolver for the healthCareSystemName field.
func (r *careTeamResolver) HealthCareSystemName(ctx context.Context, obj *ent.CareTeam) (string, error) {
	return fromDirectory(ctx, obj, func(d *loaders.CareTeamInfo) string { return d.Facility.HealthCareSystem })
}

// Preferred is the resolver for the preferred field.
func (r *careTeamResolver) Preferred(ctx context.Context, obj *ent.CareTeam) (bool, error) {
	return fromDirectory(ctx, obj, func(d *loaders.CareTeamInfo) bool { return d.Association != nil && d.Association.Preferred })
}

// CanAttach is the resolver for the canAttach field.
func (r *careTeamResolver) CanAttach(ctx context.Context, obj *ent.CareTeam) (bool, error) {
	return r.Inbox.CanAttach(obj), nil
}

// CanMessage is the resolver for the canMessage field.
func (r *careTeamResolver) CanMessage(ctx context.Context, obj *ent.CareTeam) (bool, error) {
	return fromDirectory(ctx, obj, func(d *loaders.CareTeamInfo) bool {
		return inbox.CareTeamBlock(d.Team, d.Facility, d.Association) == inbox.BlockNone
	})
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

// Transition is the resolver for the transition field.
func (r *careTeamResolver) Transition(ctx context.Context, obj *ent.CareTeam) (*model.CareTeamTransition, error) {
	return fromDirectory(ctx, obj, func(d *loaders.CareTeamInfo) *model.CareTeamTransition { return transition(d.Transition) })
}

// AlternateNames is the resolver for the alternateNames field: the names of
// the teams this one replaced at a cutover.
func (r *careTeamResolver) AlternateNames(ctx context.Context, obj *ent.CareTeam) ([]string, error) {
	names, err := loaders.For(ctx).PreviousNames.Load(ctx, obj.ID)()
	return append([]string{}, names...), err
}

// fromDirectory reads one field of the team's batch-loaded directory entry
// (the team, its facility and the viewer's association).
func fromDirectory[T any](ctx context.Context, obj *ent.CareTeam, field func(*loaders.CareTeamInfo) T) (T, error) {
	d, err := careTeamInfo(ctx, obj.ID)
	if err != nil {
		var zero T
		return zero, err
	}
	return field(d), nil
}
