package resolvers

// The viewer's fields: profile, counts, folders, the thread list, care teams, tags, signature, import status.

import (
	"context"

	"entgo.io/contrib/entgql"

	"github.com/va/vams/ent"
	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/loaders"
)

// DisplayName is the resolver for the displayName field.
func (r *viewerResolver) DisplayName(ctx context.Context, obj *ent.Veteran) (string, error) {
	v, err := r.Inbox.Veteran(ctx)
	if err != nil {
		return "", err
	}
	return v.DisplayName, nil
}

// UnreadCount is the resolver for the unreadCount field.
func (r *viewerResolver) UnreadCount(ctx context.Context, obj *ent.Veteran) (int, error) {
	if siblingFoldersCounted(ctx, "Viewer") {
		// The folders' counts, read anyway, hold the total: one statement, not two.
		fs, counts, err := loaders.For(ctx).ViewerFolders(ctx)
		return inbox.UnreadTotal(fs, counts), err
	}
	return r.Inbox.UnreadCount(ctx)
}

// Folders is the resolver for the folders field.
func (r *viewerResolver) Folders(ctx context.Context, obj *ent.Veteran) ([]*ent.Folder, error) {
	if foldersCounted(selected(ctx)) {
		fs, _, err := loaders.For(ctx).ViewerFolders(ctx)
		return fs, err
	}
	return r.Inbox.Folders(ctx)
}

// Threads is the resolver for the threads field.
func (r *viewerResolver) Threads(ctx context.Context, obj *ent.Veteran, folder *string, filter *model.ThreadFilter, orderBy *model.ThreadOrder, first *int, after *entgql.Cursor[string], last *int, before *entgql.Cursor[string]) (*ent.ThreadConnection, error) {
	q := inbox.ThreadQuery{FolderID: deref(folder), Page: inbox.PageArgs{First: first, After: after, Last: last, Before: before}}
	if orderBy != nil {
		q.Order = inbox.ThreadOrder(*orderBy)
	}
	if filter != nil {
		q.Filter = inbox.ThreadFilter{Category: filter.Category, SentAfter: filter.SentAfter, SentBefore: filter.SentBefore,
			CareTeamID: deref(filter.CareTeamID), TagID: deref(filter.TagID), Search: deref(filter.Search)}
		q.Filter.UnreadOnly = filter.UnreadOnly != nil && *filter.UnreadOnly
	}
	r.freshen(ctx)
	conn, err := r.Inbox.ListThreads(ctx, q)
	if err != nil {
		return nil, err
	}
	prime(ctx, conn)
	return conn, nil
}

// CareTeams is the resolver for the careTeams field.
func (r *viewerResolver) CareTeams(ctx context.Context, obj *ent.Veteran) ([]*ent.CareTeam, error) {
	teams, err := r.Inbox.CareTeams(ctx)
	if err == nil {
		primeCareTeams(ctx, teams)
	}
	return teams, err
}

// CareTeamChanges is the resolver for the careTeamChanges field.
func (r *viewerResolver) CareTeamChanges(ctx context.Context, obj *ent.Veteran) ([]*model.CareTeamNameChange, error) {
	changes, err := r.Inbox.CareTeamChanges(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*model.CareTeamNameChange, len(changes))
	for i, c := range changes {
		out[i] = &model.CareTeamNameChange{PreviousName: c.PreviousName, CareTeam: c.CareTeam, ChangedAt: c.ChangedAt}
	}
	return out, nil
}

// Tags is the resolver for the tags field.
func (r *viewerResolver) Tags(ctx context.Context, obj *ent.Veteran) ([]*ent.Tag, error) {
	return r.Inbox.Tags(ctx)
}

// Signature is the resolver for the signature field.
func (r *viewerResolver) Signature(ctx context.Context, obj *ent.Veteran) (*model.Signature, error) {
	v, err := r.Inbox.Veteran(ctx)
	if err != nil {
		return nil, err
	}
	return &model.Signature{Name: v.SignatureName, Title: v.SignatureTitle, IncludeSignature: v.IncludeSignature}, nil
}

// NotificationPreferences is the resolver for the notificationPreferences field.
func (r *viewerResolver) NotificationPreferences(ctx context.Context, obj *ent.Veteran) (*inbox.NotificationPreferences, error) {
	p, err := r.Inbox.NotificationPreferences(ctx)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// ImportStatus is the resolver for the importStatus field.
func (r *viewerResolver) ImportStatus(ctx context.Context, obj *ent.Veteran) (*model.ImportStatus, error) {
	rep, err := r.Inbox.ImportStatus(ctx)
	if err != nil {
		return nil, err
	}
	return importStatus(rep), nil
}
