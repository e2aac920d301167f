// Package resolvers maps the GraphQL API onto the inbox service and the store.
// Resolvers stay thin: rules live in package inbox, access in the ent privacy
// layer, batching in package loaders.
package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/loaders"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/viewer"
)

// Resolver is the root of the resolver tree; server.go wires its dependencies.
type Resolver struct {
	Inbox *inbox.Service
	// Events feeds the subscriptions; nil disables them.
	Events *events.Bus
	// Freshness checks the providers while the veteran is active; nil: never.
	Freshness Freshness

	reads eventReads
}

// Freshness keeps an active veteran's inbox in step with the providers
// (syncengine.Engine).
type Freshness interface {
	// Freshen checks what is due and returns within a small budget.
	Freshen(ctx context.Context, veteranID string)
	// Hold keeps the checks going until release (a live subscription).
	Hold(veteranID string) (release func())
}

// freshen is called by the thread list and thread reads.
func (r *Resolver) freshen(ctx context.Context) {
	if r.Freshness != nil {
		r.Freshness.Freshen(ctx, viewerOf(ctx).VeteranID)
	}
}

// freshenNode freshens when a node read is a thread's.
func (r *Resolver) freshenNode(ctx context.Context, id string) {
	if ids.Prefix(id) == ids.Thread {
		r.freshen(ctx)
	}
}

func viewerOf(ctx context.Context) viewer.Viewer {
	v, _ := viewer.FromContext(ctx)
	return v
}

func files(ups []*graphql.Upload) []inbox.File {
	out := make([]inbox.File, 0, len(ups))
	for _, u := range ups {
		out = append(out, inbox.File{Filename: u.Filename, Size: u.Size, Content: u.File})
	}
	return out
}

func signature(in *model.ElectronicSignatureInput) *inbox.Signature {
	if in == nil {
		return nil
	}
	return &inbox.Signature{FullName: in.FullName, Certified: in.Certified}
}

// answer makes a mutation's result from what the inbox returned: the
// payload, or the error alone (a failed mutation has no payload).
func answer[T, P any](payload func(T) P) func(T, error) (P, error) {
	return func(v T, err error) (P, error) {
		if err != nil {
			var zero P
			return zero, err
		}
		return payload(v), nil
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func careTeamInfo(ctx context.Context, id string) (*loaders.CareTeamInfo, error) {
	return loaders.For(ctx).CareTeam.Load(ctx, id)()
}

func importStatus(rep inbox.ImportReport) *model.ImportStatus {
	out := &model.ImportStatus{State: model.ImportState(rep.State), UpdatedAt: rep.UpdatedAt,
		HistoryCompleteSince: rep.CompleteSince, LastCheckedAt: rep.LastCheckedAt,
		CareTeams: make([]*model.CareTeamSyncStatus, 0, len(rep.CareTeams))}
	for _, t := range rep.CareTeams {
		out.CareTeams = append(out.CareTeams, &model.CareTeamSyncStatus{CareTeam: t.CareTeam, LastSyncedAt: t.LastSyncedAt})
	}
	return out
}

func transition(t *inbox.Transition) *model.CareTeamTransition {
	if t == nil {
		return nil
	}
	return &model.CareTeamTransition{Phase: t.Phase, RepliesBlocked: t.RepliesBlocked, StartsAt: t.StartsAt,
		BlockedFrom: t.BlockedFrom, BlockedUntil: t.BlockedUntil, GoLiveAt: t.GoLiveAt, EndsAt: t.EndsAt}
}
