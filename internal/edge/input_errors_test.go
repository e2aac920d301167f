package edge_test

import (
	"strings"
	"testing"

	"github.com/va/vams/internal/store/storetest"
)

// A cursor or date-time that does not decode, or a cursor from another list
// or ordering, is the client's mistake: a typed error naming the argument,
// never INTERNAL, no ERROR log line, and the value is not echoed.
func TestMalformedInputIsTypedNotInternal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		th, _ := w.send(t, icnA, w.team, "Hello", "Body")
		var page struct {
			Viewer struct {
				Threads struct{ Edges []struct{ Cursor string } }
			}
		}
		w.MustDo(icnA, `{ viewer { threads(first: 1) { edges { cursor } } } }`, nil, &page)
		threadCursor := page.Viewer.Threads.Edges[0].Cursor
		var msgs struct {
			Node struct {
				Messages struct{ Edges []struct{ Cursor string } }
			}
		}
		w.MustDo(icnA, `query($id: ID!) { node(id: $id) { ... on Thread { messages(first: 1) { edges { cursor } } } } }`, map[string]any{"id": th.ID}, &msgs)
		messageCursor := msgs.Node.Messages.Edges[0].Cursor

		const secret = "SECRETVALUE"
		threads := `query($c: Cursor) { viewer { threads(first: 2, after: $c) { edges { cursor } } } }`
		for _, c := range []struct {
			name, query string
			vars        map[string]any
			code, field string
		}{
			{"garbage cursor literal", `{ viewer { threads(first: 2, after: "` + secret + `") { edges { cursor } } } }`, nil, "INVALID_CURSOR", "after"},
			{"garbage cursor variable", threads, map[string]any{"c": secret}, "INVALID_CURSOR", "after"},
			{"garbage before cursor", `query($c: Cursor) { viewer { threads(last: 2, before: $c) { edges { cursor } } } }`, map[string]any{"c": secret}, "INVALID_CURSOR", "before"},
			{"a message cursor to threads", threads, map[string]any{"c": messageCursor}, "INVALID_CURSOR", "after"},
			{"a cursor of another ordering", `query($c: Cursor) { viewer { threads(orderBy: CARE_TEAM_NAME, first: 2, after: $c) { edges { cursor } } } }`, map[string]any{"c": threadCursor}, "INVALID_CURSOR", "after"},
			{"a thread cursor to messages", `query($id: ID!, $c: Cursor) { node(id: $id) { ... on Thread { messages(first: 1, after: $c) { edges { cursor } } } } }`, map[string]any{"id": th.ID, "c": threadCursor}, "INVALID_CURSOR", "after"},
			{"garbage messages cursor", `query($id: ID!, $c: Cursor) { node(id: $id) { ... on Thread { messages(last: 1, before: $c) { edges { cursor } } } } }`, map[string]any{"id": th.ID, "c": secret}, "INVALID_CURSOR", "before"},
			{"bad date-time literal", `{ viewer { threads(filter: {sentAfter: "` + secret + `"}) { edges { cursor } } } }`, nil, "INVALID_INPUT", "filter.sentAfter"},
			{"bad date-time variable", `query($t: Time) { viewer { threads(filter: {sentBefore: $t}) { edges { cursor } } } }`, map[string]any{"t": secret}, "INVALID_INPUT", "filter.sentBefore"},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := w.Do(icnA, c.query, c.vars)
				if r.Status != 200 || len(r.Errors) != 1 {
					t.Fatalf("%d %+v, want one error", r.Status, r.Errors)
				}
				e := r.Errors[0]
				if e.Extensions["code"] != c.code || e.Extensions["field"] != c.field {
					t.Fatalf("%+v, want %s on %s", e, c.code, c.field)
				}
				if strings.Contains(e.Message, secret) {
					t.Fatalf("the value is echoed: %s", e.Message)
				}
			})
		}
		if strings.Contains(w.Log.String(), `"level":"ERROR"`) {
			t.Fatalf("client mistakes logged as errors:\n%s", w.Log.String())
		}
		// A valid date-time still filters: RFC 3339, and without an offset as UTC.
		for _, ts := range []string{"2000-01-01T00:00:00Z", "2000-01-01 00:00:00"} {
			var out struct {
				Viewer struct {
					Threads struct{ Edges []struct{ Cursor string } }
				}
			}
			w.MustDo(icnA, `query($t: Time) { viewer { threads(filter: {sentAfter: $t}) { edges { cursor } } } }`, map[string]any{"t": ts}, &out)
			if len(out.Viewer.Threads.Edges) != 1 {
				t.Fatalf("sentAfter %s: %d threads, want 1", ts, len(out.Viewer.Threads.Edges))
			}
		}
	})
}
