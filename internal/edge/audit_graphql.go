package edge

import (
	"context"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/platform/ctxkey"
	"github.com/va/vams/internal/platform/viewer"
)

// auditor records, per GraphQL response: every root mutation (action = the
// field's name, one entry per ID it names or returns, outcome), every node
// fetched by ID through node/nodes, and every message body read, whichever
// path reached it. A mutation's entries are committed in the mutation's own
// transaction (the audit outbox); the rest are collected while the response
// runs and appended in one batch at its end.
type auditor struct {
	rec *audit.Recorder
	log *slog.Logger
}

func (auditor) ExtensionName() string                   { return "Audit" }
func (auditor) Validate(graphql.ExecutableSchema) error { return nil }

type collector struct {
	mu     sync.Mutex
	events []audit.Event
}

func (c *collector) add(e audit.Event) {
	c.mu.Lock()
	c.events = append(c.events, e)
	c.mu.Unlock()
}

var collectorKey = ctxkey.New[*collector]("audit collector")

func (a auditor) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	c := &collector{}
	resp := next(collectorKey.With(ctx, c))
	c.mu.Lock()
	events := c.events
	c.mu.Unlock()
	a.flush(ctx, events)
	return resp
}

func (a auditor) flush(ctx context.Context, events []audit.Event) {
	if len(events) == 0 {
		return
	}
	actor, rid := a.actor(ctx), requestID(ctx)
	for i := range events {
		events[i].Actor, events[i].RequestID = actor, rid
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditFlushTimeout)
	defer cancel()
	if err := a.rec.Record(ctx, events...); err != nil {
		a.log.ErrorContext(ctx, "audit append failed", "error", err.Error(), "request_id", rid, "entries", len(events))
	}
}

// actor is the keyed actor of the request's viewer.
func (a auditor) actor(ctx context.Context) string {
	if v, ok := viewer.FromContext(ctx); ok && v.ICN != "" {
		return a.rec.Actor(v.ICN)
	}
	return audit.SystemActor
}

// InterceptField runs for every field of a response, so it first decides on
// the field's context alone (the innermost context value) and only looks up
// the collector, further out, for the few fields it audits.
func (a auditor) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !audited(fc) {
		return next(ctx)
	}
	c, _ := collectorKey.From(ctx)
	if c == nil {
		return next(ctx)
	}
	switch fc.Object {
	case "Mutation":
		// The entries of a mutation that changes something are committed
		// with its change (audit.Pending); only what no transaction wrote
		// (a refusal, a failure, a repeat answered from its first result)
		// is recorded at the end of the response.
		targets := idArguments(fc.Field.ArgumentMap(graphql.GetOperationContext(ctx).Variables))
		p := a.rec.Pending(a.actor(ctx), fc.Field.Name, requestID(ctx), targets)
		res, err := next(audit.WithPending(ctx, p))
		outcome := outcomeOf(err)
		targets = appendResultIDs(targets, res)
		written, committed := p.Written()
		if committed && err == nil {
			targets = slices.DeleteFunc(targets, func(id string) bool { return slices.Contains(written, id) })
		} else if len(targets) == 0 {
			c.add(audit.Event{Action: fc.Field.Name, Outcome: outcome})
		}
		for _, id := range targets {
			typ, target := audit.Target(id)
			c.add(audit.Event{Action: fc.Field.Name, TargetType: typ, TargetID: target, Outcome: outcome})
		}
		return res, err
	case "Query": // node, nodes
		res, err := next(ctx)
		for _, id := range foundIDs(fc.Field.ArgumentMap(graphql.GetOperationContext(ctx).Variables), res) {
			typ, target := audit.Target(id)
			c.add(audit.Event{Action: audit.ActionRead, TargetType: typ, TargetID: target, Outcome: audit.OutcomeOK})
		}
		return res, err
	case "Message": // body
		res, err := next(ctx)
		if err == nil {
			e := audit.Event{Action: audit.ActionRead, TargetType: "Message", Outcome: audit.OutcomeOK}
			if m, ok := parentObject(fc).(*ent.Message); ok {
				e.TargetID = m.ID
			}
			c.add(e)
		}
		return res, err
	}
	return next(ctx)
}

// audited says whether InterceptField records anything for the field.
func audited(fc *graphql.FieldContext) bool {
	switch fc.Object {
	case "Mutation":
		return true
	case "Query":
		return fc.Field.Name == "node" || fc.Field.Name == "nodes"
	case "Message":
		return fc.Field.Name == "body"
	}
	return false
}

// idArguments collects the values of every argument or input field named
// …Id or …Ids, in a stable order.
func idArguments(args map[string]any) []string {
	var out []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(k, x[k])
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			if strings.HasSuffix(key, "Id") || strings.HasSuffix(key, "Ids") || key == "id" || key == "ids" {
				out = appendUnique(out, x)
			}
		}
	}
	walk("", args)
	return out
}

// appendResultIDs adds the IDs of the entities a mutation payload returns
// (the thread and message sendMessage created, the folder createFolder made).
func appendResultIDs(out []string, payload any) []string {
	v := reflect.ValueOf(payload)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return out
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return out
	}
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.Struct {
			continue
		}
		if id := f.Elem().FieldByName("ID"); id.IsValid() && id.Kind() == reflect.String {
			out = appendUnique(out, id.String())
		}
	}
	return out
}

// foundIDs pairs node/nodes arguments with non-null results: only what the
// viewer actually received was read.
func foundIDs(args map[string]any, res any) []string {
	switch r := res.(type) {
	case ent.Noder:
		if id, ok := args["id"].(string); ok && r != nil {
			return []string{id}
		}
	case []ent.Noder:
		asked, _ := args["ids"].([]any)
		var out []string
		for i, n := range r {
			if n == nil || i >= len(asked) {
				continue
			}
			if id, ok := asked[i].(string); ok {
				out = appendUnique(out, id)
			}
		}
		return out
	}
	return nil
}

// parentObject is the object a field is resolved on. Inside a list the
// parent context is the element's, which holds only its index; the object
// is then found in the list itself.
func parentObject(fc *graphql.FieldContext) any {
	p := fc.Parent
	if p == nil {
		return nil
	}
	if p.Result == nil && p.Index != nil && p.Parent != nil {
		list := reflect.ValueOf(p.Parent.Result)
		if list.Kind() == reflect.Slice && *p.Index < list.Len() {
			return list.Index(*p.Index).Interface()
		}
		return nil
	}
	return p.Result
}

func appendUnique(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}
