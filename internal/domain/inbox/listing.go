package inbox

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/predicate"
	"github.com/va/vams/ent/tag"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/platform/ids"
)

// ThreadOrder is how a thread list is sorted.
type ThreadOrder string

const (
	OrderLatest       ThreadOrder = "LATEST_MESSAGE"
	OrderOldest       ThreadOrder = "OLDEST_FIRST"
	OrderCareTeamName ThreadOrder = "CARE_TEAM_NAME"
	// OrderRelevance is the best search match first; without search words
	// it is OrderLatest. It is the default when there are search words.
	OrderRelevance ThreadOrder = "RELEVANCE"
)

// ThreadFilter narrows a thread list.
type ThreadFilter struct {
	Category   *thread.Category
	SentAfter  *time.Time
	SentBefore *time.Time
	CareTeamID string
	TagID      string
	UnreadOnly bool
	Search     string
}

// ThreadQuery lists the viewer's threads.
type ThreadQuery struct {
	FolderID string
	Filter   ThreadFilter
	Order    ThreadOrder
	Page     PageArgs
}

// ListThreads returns one page of the viewer's threads. It is one SQL
// statement: keyset pagination on an index, no COUNT.
func (s *Service) ListThreads(ctx context.Context, q ThreadQuery) (*ent.ThreadConnection, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	n, backward, err := q.Page.limit()
	if err != nil {
		return nil, err
	}
	preds, err := threadFilter(vid, q)
	if err != nil {
		return nil, err
	}
	words, err := searchWords(q.Filter.Search)
	if err != nil {
		return nil, err
	}
	order := q.Order
	if order == OrderRelevance || order == "" {
		order = OrderLatest
		if len(words) > 0 {
			order = OrderRelevance
		}
	}
	cols, parse := threadKeyset(order)
	if backward {
		cols = flip(cols)
	}
	cur, after, err := q.Page.cursor(backward, parse)
	if err != nil {
		return nil, err
	}
	query := s.store.Client.Thread.Query().Where(preds...).Where(keysetWhere(cols, after)).
		Order(keysetOrder(cols)).Limit(n + 1)
	if len(words) > 0 {
		query.Modify(searchJoin(s.store.Dialect, vid, words))
	}
	nodes, err := query.All(ctx)
	if err != nil {
		return nil, err
	}
	var names map[string]string
	if order == OrderCareTeamName && len(nodes) > 0 {
		// The cursor carries the team name; one more small statement for this
		// ordering only.
		if names, err = s.careTeamNames(ctx, nodes); err != nil {
			return nil, err
		}
	}
	prefix := func(t *ent.Thread) (string, error) { return names[t.ID], nil }
	if order == OrderRelevance {
		prefix = rankOf
	}
	conn := &ent.ThreadConnection{}
	var rankErr error
	conn.Edges, conn.PageInfo = connection(nodes, n, backward, cur != nil, func(t *ent.Thread) *ent.ThreadEdge {
		v := t.LastMessageAt.UTC().Format(tsLayout)
		if names != nil || order == OrderRelevance {
			p, err := prefix(t)
			rankErr = errors.Join(rankErr, err)
			v = p + "\x00" + v
		}
		return &ent.ThreadEdge{Node: t, Cursor: ent.Cursor{ID: t.ID, Value: v}}
	}, func(e *ent.ThreadEdge) *ent.Cursor { return &e.Cursor })
	return conn, rankErr
}

// threadFilter turns the query's folder and filter, all but the search
// words (searchJoin), into predicates.
func threadFilter(vid string, q ThreadQuery) ([]predicate.Thread, error) {
	preds := []predicate.Thread{thread.VeteranID(vid)}
	if q.FolderID != "" {
		if ids.Prefix(q.FolderID) != ids.Folder {
			return nil, notFound("folder")
		}
		preds = append(preds, thread.FolderID(q.FolderID))
	} else {
		// Everything but Trash.
		preds = append(preds, thread.Not(thread.HasFolderWith(folder.SystemEQ(folder.SystemTRASH))))
	}
	f := q.Filter
	if f.Category != nil {
		if err := checkCategory(*f.Category); err != nil {
			return nil, err
		}
		preds = append(preds, thread.CategoryEQ(*f.Category))
	}
	if f.SentAfter != nil {
		preds = append(preds, thread.LastMessageAtGTE(f.SentAfter.UTC()))
	}
	if f.SentBefore != nil {
		preds = append(preds, thread.LastMessageAtLT(f.SentBefore.UTC()))
	}
	if f.CareTeamID != "" {
		preds = append(preds, thread.CareTeamID(f.CareTeamID))
	}
	if f.TagID != "" {
		preds = append(preds, thread.HasTagsWith(tag.ID(f.TagID)))
	}
	if f.UnreadOnly {
		preds = append(preds, thread.UnreadCountGT(0))
	}
	return preds, nil
}

// threadKeyset is the ordering's keyset and how to read its cursor values.
func threadKeyset(order ThreadOrder) ([]keyCol, cursorParser) {
	switch order {
	case OrderRelevance:
		return relevanceKeyset()
	case OrderCareTeamName:
		return []keyCol{{careTeamNameCol, false}, {thread.FieldLastMessageAt, true}, {thread.FieldID, true}},
			func(c *ent.Cursor) ([]any, bool) {
				v, _ := c.Value.(string)
				name, ts, ok := strings.Cut(v, "\x00")
				t, err := time.Parse(tsLayout, ts)
				return []any{name, t, c.ID}, ok && err == nil
			}
	case OrderOldest:
		return []keyCol{{thread.FieldLastMessageAt, false}, {thread.FieldID, false}}, timeCursor
	}
	return []keyCol{{thread.FieldLastMessageAt, true}, {thread.FieldID, true}}, timeCursor
}

// timeCursor reads a cursor holding the last message's time.
func timeCursor(c *ent.Cursor) ([]any, bool) {
	v, _ := c.Value.(string)
	t, err := time.Parse(tsLayout, v)
	return []any{t, c.ID}, err == nil
}

// careTeamNames maps each thread to its care team's display name.
func (s *Service) careTeamNames(ctx context.Context, nodes []*ent.Thread) (map[string]string, error) {
	teamIDs := make([]string, 0, len(nodes))
	for _, t := range nodes {
		teamIDs = append(teamIDs, t.CareTeamID)
	}
	teams, err := s.store.Client.CareTeam.Query().Where(careteam.IDIn(teamIDs...)).Select(careteam.FieldID, careteam.FieldDisplayName).All(ctx)
	if err != nil {
		return nil, err
	}
	byTeam := map[string]string{}
	for _, ct := range teams {
		byTeam[ct.ID] = ct.DisplayName
	}
	names := make(map[string]string, len(nodes))
	for _, t := range nodes {
		names[t.ID] = byTeam[t.CareTeamID]
	}
	return names, nil
}

// MayHoldAttachments reports whether any message of th may have an
// attachment. Attachments are created only with a new message (ingest, send,
// reply), in the transaction that sets its thread's has_attachments; messages
// never move between threads and drafts carry none: a thread without the mark
// has no attachment to load.
func MayHoldAttachments(th *ent.Thread) bool { return th.HasAttachments }

// ListMessages returns one page of a thread's timeline: sent messages by
// sent time, then drafts.
func (s *Service) ListMessages(ctx context.Context, th *ent.Thread, p PageArgs) (*ent.MessageConnection, error) {
	n, backward, err := p.limit()
	if err != nil {
		return nil, err
	}
	cols := []keyCol{{message.FieldIsDraft, false}, {message.FieldOrderedAt, false}, {message.FieldID, false}}
	if backward {
		cols = flip(cols)
	}
	cur, after, err := p.cursor(backward, func(c *ent.Cursor) ([]any, bool) {
		v, _ := c.Value.(string)
		draft, ts, ok := strings.Cut(v, "|")
		t, err := time.Parse(tsLayout, ts)
		return []any{draft == "1", t, c.ID}, ok && err == nil
	})
	if err != nil {
		return nil, err
	}
	nodes, err := s.store.Client.Message.Query().Where(message.ThreadID(th.ID), keysetWhere(cols, after)).
		Order(keysetOrder(cols)).Limit(n + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	conn := &ent.MessageConnection{}
	conn.Edges, conn.PageInfo = connection(nodes, n, backward, cur != nil, func(m *ent.Message) *ent.MessageEdge {
		d := "0"
		if m.IsDraft {
			d = "1"
		}
		return &ent.MessageEdge{Node: m, Cursor: ent.Cursor{ID: m.ID, Value: d + "|" + m.OrderedAt.UTC().Format(tsLayout)}}
	}, func(e *ent.MessageEdge) *ent.Cursor { return &e.Cursor })
	return conn, nil
}
