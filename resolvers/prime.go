package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/va/vams/ent"
	"github.com/va/vams/inbox"
	"github.com/va/vams/loaders"
)

// selected returns the field names selected at path below the current
// field, each step naming a field and the type it returns.
func selected(ctx context.Context, path ...[2]string) map[string]bool {
	oc := graphql.GetOperationContext(ctx)
	fields := graphql.CollectFieldsCtx(ctx, nil)
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

// prime hands every key of a thread page to the loaders at once, so each
// aggregate the page selects costs exactly one statement, however the
// field resolvers happen to be scheduled.
func prime(ctx context.Context, conn *ent.ThreadConnection) {
	if len(conn.Edges) == 0 {
		return
	}
	sel := selected(ctx, [2]string{"edges", "ThreadEdge"}, [2]string{"node", "Thread"})
	l := loaders.For(ctx)
	var teams, folders, threads, last []string
	for _, e := range conn.Edges {
		t := e.Node
		teams = append(teams, t.CareTeamID)
		folders = append(folders, t.FolderID)
		threads = append(threads, t.ID)
		if t.LastMessageID != nil {
			last = append(last, *t.LastMessageID)
		}
	}
	if sel["careTeam"] || sel["canReply"] || sel["replyBlockedReason"] {
		l.CareTeam.LoadMany(ctx, teams)
	}
	if sel["folder"] {
		l.Folder.LoadMany(ctx, folders)
	}
	if sel["tags"] {
		l.ThreadTags.LoadMany(ctx, threads)
	}
	if sel["lastMessage"] && len(last) > 0 {
		l.Message.LoadMany(ctx, last)
	}
}

// replyBlock decides whether the viewer may reply in th.
func (r *Resolver) replyBlock(ctx context.Context, th *ent.Thread) (inbox.ReplyBlock, error) {
	info, err := careTeamInfo(ctx, th.CareTeamID)
	if err != nil {
		return "", err
	}
	return inbox.ThreadReplyBlock(th, inbox.CareTeamBlock(info.Team, info.Facility, info.Association), r.Inbox.Clock()), nil
}
