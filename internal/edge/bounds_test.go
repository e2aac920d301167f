package edge_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

func repeat(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
	}
	return b.String()
}

// attack is a query shape that cost seconds of CPU before the limits, and
// the limit's code that refuses it.
type attack struct {
	name, query, code string
	vars              map[string]any
}

func nodeIDs(n int) []any {
	ids := make([]any, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("id%d", i)
	}
	return ids
}

func attacks() []attack {
	return []attack{
		{"16,000 repeated fields", `{ viewer { x1: ` + strings.Repeat("id ", 16000) + `} }`, edge.CodeQueryTooLarge, nil},
		{"many tokens in a small text", `{ viewer { id ` + strings.Repeat("@a", edge.MaxTokens) + ` } }`, edge.CodeTooManyTokens, nil},
		{"1,000 aliases", `{ viewer { ` + repeat(1000, func(i int) string { return fmt.Sprintf("a%d:id ", i) }) + `} }`, edge.CodeTooManyFields, nil},
		{"aliased lists", `{ ` + repeat(200, func(i int) string { return fmt.Sprintf("a%d:viewer{careTeams{canMessage}} ", i) }) + `}`, edge.CodeTooManyFields, nil},
		{"nodes with too many ids", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, edge.CodeTooManyIDs, map[string]any{"ids": nodeIDs(edge.MaxNodeIDs + 1)}},
	}
}

// The attack shapes that cost seconds of CPU in validation are refused by
// a limit checked on the query text before it is parsed or validated: not
// one SQL statement runs.
func TestQueryShapeLimitsRefuseBeforeValidation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		ids := nodeIDs(edge.MaxNodeIDs + 1)
		for _, c := range attacks() {
			t.Run(c.name, func(t *testing.T) {
				w.Do(icnA, `{ viewer { id } }`, nil)
				w.Counter.Reset()
				r := w.Do(icnA, c.query, c.vars)
				if r.Code() != c.code || len(r.Errors) != 1 || string(r.Data) != "" && string(r.Data) != "null" {
					t.Fatalf("%d %s %+v, want one %s and no data", r.Status, r.Data, r.Errors, c.code)
				}
				if n := w.Counter.Count(); n != 0 {
					t.Fatalf("%d statements ran for a refused operation", n)
				}
			})
		}
		// At the limits, real shapes still run (the made-up ids are each
		// not found).
		okIDs := ids[:edge.MaxNodeIDs]
		if r := w.Do(icnA, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": okIDs}); r.Code() != "NOT_FOUND" || len(r.Errors) != len(okIDs) {
			t.Fatalf("%d ids: %+v", len(okIDs), r.Errors)
		}
		if r := w.Do(icnA, `{ `+repeat(20, func(i int) string { return fmt.Sprintf("a%d:viewer{careTeams{canMessage}} ", i) })+`}`, nil); r.Code() != "" {
			t.Fatalf("20 aliases: %+v", r.Errors)
		}
	})
}

// Past the request deadline resolvers and SQL stop, with a typed error.
func TestRequestDeadlineStopsWork(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b, vamstest.Options{API: func(c *edge.Config) { c.RequestTimeout = time.Nanosecond }})
		e.Veteran(icnA, "Alex Morgan")
		r := e.Do(icnA, `{ viewer { threads(first: 5) { edges { node { id } } } } }`, nil)
		if r.Code() != "TIMEOUT" {
			t.Fatalf("%d %s %+v, want TIMEOUT", r.Status, r.Data, r.Errors)
		}
	})
}
