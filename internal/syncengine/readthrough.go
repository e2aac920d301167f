package syncengine

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/providers"
)

// FetchBodies reads through to the providers for bodies their listings
// omitted: one provider call per thread in the batch (GetThread returns every
// body of the conversation), kept in the store so the next read is local.
// A provider that fails fails only the bodies it was asked for.
func (e *Engine) FetchBodies(ctx context.Context, ids []string) (map[string]string, map[string]error) {
	ctx = viewer.System(ctx)
	bodies := map[string]string{}
	errs := map[string]error{}
	refs, err := e.inbox.MessageRefs(ctx, ids...)
	if err != nil {
		for _, id := range ids {
			errs[id] = err
		}
		return bodies, errs
	}
	msgs, err := e.store.Client.Message.Query().Where(message.IDIn(ids...)).WithThread(func(q *ent.ThreadQuery) { q.WithVeteran() }).All(ctx)
	if err != nil {
		for _, id := range ids {
			errs[id] = err
		}
		return bodies, errs
	}
	byID := map[string]*ent.Message{}
	for _, m := range msgs {
		byID[m.ID] = m
	}
	type group struct {
		p     *guarded
		v     providers.Veteran
		ext   map[string]string // external id → message id
		first string
	}
	groups := map[string]*group{}
	for _, r := range refs {
		m := byID[r.EntityID]
		p := e.providers[r.Provider]
		if m == nil || p == nil {
			continue
		}
		key := string(r.Provider) + "/" + m.ThreadID
		g := groups[key]
		if g == nil {
			g = &group{p: p, v: veteranOf(m.Edges.Thread.Edges.Veteran), ext: map[string]string{}, first: r.ExternalID}
			groups[key] = g
		}
		g.ext[r.ExternalID] = m.ID
	}
	for _, g := range groups {
		thread, err := g.p.GetThread(ctx, g.v, g.first)
		if err != nil {
			for _, id := range g.ext {
				errs[id] = err
			}
			continue
		}
		for _, tm := range thread {
			if id, ok := g.ext[tm.ExternalID]; ok && tm.BodyIncluded {
				bodies[id] = tm.Body
			}
		}
		for ext, id := range g.ext {
			if _, ok := bodies[id]; ok {
				continue
			}
			m, err := g.p.GetMessage(ctx, g.v, ext)
			if err != nil {
				errs[id] = err
				continue
			}
			bodies[id] = m.Body
		}
	}
	for id, b := range bodies {
		if err := e.inbox.StoreBody(ctx, id, b); err != nil {
			e.log.WarnContext(ctx, "keeping a fetched body failed", "message_id", id, "error", err.Error())
		}
	}
	for _, id := range ids {
		if _, ok := bodies[id]; !ok && errs[id] == nil {
			errs[id] = &providers.Error{Kind: providers.ErrNotFound, Code: "NO_BODY", Reason: "This message's text is not available."}
		}
	}
	return bodies, errs
}
