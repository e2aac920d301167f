package inbox

import (
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/thread"
)

// Page sizes: clients get 20 by default and never more than 100.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// PageArgs are Relay pagination arguments.
type PageArgs struct {
	First  *int
	After  *ent.Cursor
	Last   *int
	Before *ent.Cursor
}

// limit clamps the page size and says whether the page is read backwards.
func (p PageArgs) limit() (n int, backward bool, err error) {
	if p.First != nil && p.Last != nil {
		return 0, false, newErr(CodeInvalidInput, "first", "Pass either first or last, not both.")
	}
	n = DefaultPageSize
	switch {
	case p.Last != nil:
		n, backward = *p.Last, true
	case p.First != nil:
		n = *p.First
	case p.Before != nil:
		backward = true
	}
	if n < 0 {
		return 0, false, newErr(CodeInvalidInput, "first", "Page size must not be negative.")
	}
	if n > MaxPageSize {
		n = MaxPageSize
	}
	return n, backward, nil
}

// keyCol is one column of a keyset ordering.
type keyCol struct {
	col  string // column of the queried table, or a qualified column of a join
	desc bool
}

// careTeamNameCol stands for the thread's care-team display name in an
// ordering; qualify turns it into a correlated subquery.
const careTeamNameCol = "care_team_name"

// qualify resolves columns against the query's table alias.
func qualify(sel *sql.Selector, cols []keyCol) []keyCol {
	out := make([]keyCol, len(cols))
	for i, c := range cols {
		out[i] = c
		switch c.col {
		case searchRankCol:
			out[i].col = sql.Table(searchHits).C("rank")
		case careTeamNameCol:
			out[i].col = "(SELECT " + careteam.FieldDisplayName + " FROM " + careteam.Table + " WHERE " +
				careteam.Table + "." + careteam.FieldID + " = " + sel.C(thread.FieldCareTeamID) + ")"
		default:
			out[i].col = sel.C(c.col)
		}
	}
	return out
}

// keysetAfter builds "row comes after (vals) in this ordering".
func keysetAfter(cols []keyCol, vals []any) *sql.Predicate {
	var ors []*sql.Predicate
	for i := range cols {
		var ands []*sql.Predicate
		for j := 0; j < i; j++ {
			ands = append(ands, sql.EQ(cols[j].col, vals[j]))
		}
		if cols[i].desc {
			ands = append(ands, sql.LT(cols[i].col, vals[i]))
		} else {
			ands = append(ands, sql.GT(cols[i].col, vals[i]))
		}
		ors = append(ors, sql.And(ands...))
	}
	return sql.Or(ors...)
}

// keysetWhere keeps the rows after the cursor's values (all rows without one).
func keysetWhere(cols []keyCol, after []any) func(*sql.Selector) {
	return func(sel *sql.Selector) {
		if after != nil {
			sel.Where(keysetAfter(qualify(sel, cols), after))
		}
	}
}

// keysetOrder orders by the keyset's columns.
func keysetOrder(cols []keyCol) func(*sql.Selector) {
	return func(sel *sql.Selector) {
		for _, c := range qualify(sel, cols) {
			if c.desc {
				sel.OrderBy(sql.Desc(c.col))
			} else {
				sel.OrderBy(sql.Asc(c.col))
			}
		}
	}
}

func flip(cols []keyCol) []keyCol {
	out := make([]keyCol, len(cols))
	for i, c := range cols {
		out[i] = keyCol{c.col, !c.desc}
	}
	return out
}

const tsLayout = time.RFC3339Nano

// cursorParser reads a cursor's keyset values; false when it is not one
// this ordering made.
type cursorParser func(*ent.Cursor) ([]any, bool)

// cursor returns the cursor the page starts from (After, or Before when read
// backwards) and its keyset values.
func (p PageArgs) cursor(backward bool, parse cursorParser) (*ent.Cursor, []any, error) {
	cur, arg := p.After, "after"
	if backward {
		cur, arg = p.Before, "before"
	}
	if cur == nil {
		return nil, nil, nil
	}
	vals, ok := parse(cur)
	if !ok {
		return nil, nil, newErr(CodeInvalidCursor, arg, "The cursor is not valid. Pass back a cursor this list returned.")
	}
	return cur, vals, nil
}

// connection turns the n+1 rows fetched for a page of n into its edges and
// page info.
func connection[N, E any](nodes []N, n int, backward, hadCursor bool, edge func(N) E, cursorOf func(E) *ent.Cursor) ([]E, ent.PageInfo) {
	nodes, more := trimPage(nodes, n, backward)
	edges := make([]E, len(nodes))
	for i, x := range nodes {
		edges[i] = edge(x)
	}
	info := pageInfo(more, backward, hadCursor)
	if len(edges) > 0 {
		info.StartCursor, info.EndCursor = cursorOf(edges[0]), cursorOf(edges[len(edges)-1])
	}
	return edges, info
}

// trimPage drops the extra row fetched to learn whether there is more, and
// restores display order for a page read backwards.
func trimPage[T any](nodes []T, n int, backward bool) ([]T, bool) {
	more := len(nodes) > n
	if more {
		nodes = nodes[:n]
	}
	if backward {
		slices.Reverse(nodes)
	}
	return nodes, more
}

func pageInfo(more, backward, hadCursor bool) ent.PageInfo {
	if backward {
		return ent.PageInfo{HasPreviousPage: more, HasNextPage: hadCursor}
	}
	return ent.PageInfo{HasNextPage: more, HasPreviousPage: hadCursor}
}
