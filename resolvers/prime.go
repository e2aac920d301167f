package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/loaders"
)

// selected returns the field names selected at path below the current
// field, each step naming a field and the type it returns.
func selected(ctx context.Context, path ...[2]string) map[string]bool {
	return selectedIn(graphql.GetOperationContext(ctx), graphql.CollectFieldsCtx(ctx, nil), path...)
}

// selectedIn is selected from fields, a selection already collected.
func selectedIn(oc *graphql.OperationContext, fields []graphql.CollectedField, path ...[2]string) map[string]bool {
	for _, step := range path {
		var next []graphql.CollectedField
		for _, f := range fields {
			if f.Name == step[0] {
				next = append(next, graphql.CollectFields(oc, f.Selections, []string{step[1], "Node"})...)
			}
		}
		fields = next
	}
	out := make(map[string]bool, len(fields))
	for _, f := range fields {
		out[f.Name] = true
	}
	return out
}

// foldersCounted reports whether the current field's selection asks for a
// folder's counts.
func foldersCounted(sel map[string]bool) bool { return sel["unreadCount"] || sel["threadCount"] }

// siblingFoldersCounted reports whether the object holding the current field
// (the viewer) also selects its folders with their counts.
func siblingFoldersCounted(ctx context.Context, object string) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Parent == nil {
		return false
	}
	oc := graphql.GetOperationContext(ctx)
	siblings := graphql.CollectFields(oc, fc.Parent.Field.Selections, []string{object})
	return foldersCounted(selectedIn(oc, siblings, [2]string{"folders", "Folder"}))
}

// prime loads every aggregate a thread page selects in one statement per
// kind before the field resolvers run.
func prime(ctx context.Context, conn *ent.ThreadConnection) {
	if len(conn.Edges) == 0 {
		return
	}
	sel := selected(ctx, [2]string{"edges", "ThreadEdge"}, [2]string{"node", "Thread"})
	var p loaders.Page
	for _, e := range conn.Edges {
		t := e.Node
		if sel["careTeam"] || sel["canReply"] || sel["replyBlockedReason"] {
			p.CareTeams = append(p.CareTeams, t.CareTeamID)
		}
		if sel["folder"] {
			p.Folders = append(p.Folders, t.FolderID)
		}
		if sel["tags"] {
			p.Threads = append(p.Threads, t.ID)
		}
		if sel["lastMessage"] && t.LastMessageID != nil {
			p.LastMessages = append(p.LastMessages, *t.LastMessageID)
		}
	}
	loaders.For(ctx).Fill(ctx, p)
}

// directoryFields are the CareTeam fields read from its batch-loaded
// directory entry (team, facility, the viewer's association).
var directoryFields = []string{"facilityName", "stationNumber", "healthCareSystemName", "preferred", "canMessage", "cannotMessageReason", "transition"}

// primeCareTeams loads what a list of care teams selects in one statement
// per kind before the field resolvers run.
func primeCareTeams(ctx context.Context, teams []*ent.CareTeam) {
	if len(teams) == 0 {
		return
	}
	sel := selected(ctx)
	var p loaders.Page
	for _, t := range teams {
		for _, f := range directoryFields {
			if sel[f] {
				p.CareTeams = append(p.CareTeams, t.ID)
				break
			}
		}
		if sel["alternateNames"] {
			p.PreviousNames = append(p.PreviousNames, t.ID)
		}
	}
	loaders.For(ctx).Fill(ctx, p)
}

// replyBlock decides whether the viewer may reply in th.
func (r *Resolver) replyBlock(ctx context.Context, th *ent.Thread) (inbox.ReplyBlock, error) {
	info, err := careTeamInfo(ctx, th.CareTeamID)
	if err != nil {
		return "", err
	}
	return inbox.ThreadReplyBlock(th, inbox.CareTeamBlock(info.Team, info.Facility, info.Association), r.Inbox.Clock()), nil
}
