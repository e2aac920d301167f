package inbox

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/thread"
)

// Full-text search runs on indexes the hand-written migrations create
// (internal/store/migrations): on PostgreSQL a tsvector column with a GIN
// index on threads (subject, weight A) and messages (body), English
// stemming; on SQLite FTS5 tables thread_fts and message_fts with Porter
// stemming, kept current by triggers.
//
// A thread matches when its subject, or the body of one of its sent
// messages, holds every search word. Its rank is the sum of its hits: on
// PostgreSQL ts_rank of each (a subject hit weighs ten times a body hit), on
// SQLite 10 for the subject and 1 per message. Both depend only on the
// thread's own text, never on the rest of the corpus (unlike bm25), so a
// cursor's rank still means the same on the next page.

// searchHits is the alias of the ranked matches joined to the thread query.
const searchHits = "search_hits"

// searchRankCol stands for the match's rank in a keyset ordering; qualify
// resolves it against the joined matches.
const searchRankCol = "search_rank"

// searchWords splits a search into its words and checks them.
func searchWords(search string) ([]string, error) {
	if err := checkText("filter.search", search); err != nil {
		return nil, err
	}
	words := strings.Fields(search)
	for _, w := range words {
		if len(w) > 100 {
			return nil, newErr(CodeInvalidInput, "filter.search", "Search words can be at most 100 characters.")
		}
	}
	return words, nil
}

// searchJoin joins the viewer's ranked matches to a thread query and selects
// each thread's rank as searchRankCol.
func searchJoin(dia, vid string, words []string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		var from sql.Querier
		if dia == dialect.Postgres {
			from = postgresHits(vid, strings.Join(words, " "))
		} else {
			from = sqliteHits(vid, ftsQuery(words))
		}
		hits := sql.Dialect(dia).Select("thread_id", "SUM(r) AS rank").
			FromExpr(from).GroupBy("thread_id").As(searchHits)
		s.Join(hits).On(s.C(thread.FieldID), hits.C("thread_id"))
		s.AppendSelectExprAs(sql.Raw(hits.C("rank")), searchRankCol)
	}
}

// postgresHits is every subject and sent body of the viewer matching the
// words, with its ts_rank (as float8, so a cursor carries it exactly).
func postgresHits(vid, text string) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		q := func() { b.WriteString("plainto_tsquery('english', ").Arg(text).WriteString(")") }
		b.WriteString("(SELECT " + thread.FieldID + " AS thread_id, ts_rank(search_vector, ")
		q()
		b.WriteString(")::float8 AS r FROM " + thread.Table + " WHERE " + thread.FieldVeteranID + " = ").Arg(vid)
		b.WriteString(" AND search_vector @@ ")
		q()
		b.WriteString(" UNION ALL SELECT " + message.FieldThreadID + ", ts_rank(search_vector, ")
		q()
		b.WriteString(")::float8 FROM " + message.Table + " WHERE " + message.FieldVeteranID + " = ").Arg(vid)
		b.WriteString(" AND NOT " + message.FieldIsDraft + " AND search_vector @@ ")
		q()
		b.WriteString(") AS hits")
	})
}

// sqliteHits is the same over the FTS5 tables.
func sqliteHits(vid, match string) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		b.WriteString("(SELECT t." + thread.FieldID + " AS thread_id, 10.0 AS r FROM thread_fts JOIN " + thread.Table +
			" t ON t.rowid = thread_fts.rowid WHERE thread_fts MATCH ").Arg(match)
		b.WriteString(" AND t." + thread.FieldVeteranID + " = ").Arg(vid)
		b.WriteString(" UNION ALL SELECT m." + message.FieldThreadID + ", 1.0 FROM message_fts JOIN " + message.Table +
			" m ON m.rowid = message_fts.rowid WHERE message_fts MATCH ").Arg(match)
		b.WriteString(" AND m." + message.FieldVeteranID + " = ").Arg(vid)
		b.WriteString(" AND NOT m." + message.FieldIsDraft + ") AS hits")
	})
}

// ftsQuery makes an FTS5 query of plain words: each word a quoted phrase
// (so no word is read as an operator), all of them required.
func ftsQuery(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
	}
	return strings.Join(quoted, " ")
}

// relevanceKeyset orders by rank, then newest activity, then ID.
func relevanceKeyset() ([]keyCol, cursorParser) {
	return []keyCol{{searchRankCol, true}, {thread.FieldLastMessageAt, true}, {thread.FieldID, true}},
		func(c *ent.Cursor) ([]any, bool) {
			v, _ := c.Value.(string)
			rank, ts, ok := strings.Cut(v, "\x00")
			r, rerr := strconv.ParseFloat(rank, 64)
			t, terr := time.Parse(tsLayout, ts)
			return []any{r, t, c.ID}, ok && rerr == nil && terr == nil
		}
}

// rankOf reads the rank searchJoin selected for a thread.
func rankOf(t *ent.Thread) (string, error) {
	v, err := t.Value(searchRankCol)
	if err != nil {
		return "", err
	}
	switch r := v.(type) {
	case float64:
		return strconv.FormatFloat(r, 'g', -1, 64), nil
	case []byte:
		return string(r), nil
	}
	return "", fmt.Errorf("search rank of type %T", v)
}
