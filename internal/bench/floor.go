package bench

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"math/rand/v2"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/sqlq"
)

// floorOp is an operation as hand-written SQL through database/sql: what
// the same answer costs with no GraphQL, ORM or loaders in between.
type floorOp struct {
	statements int
	run        func(ctx context.Context, db *sql.DB, w *workload, r *rand.Rand) error
}

// drain reads every row of a query into throwaway values.
func drain(ctx context.Context, db *sql.DB, query string, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
	}
	return rows.Err()
}

func floorOps(d string) map[string]floorOp {
	agg := func(expr string) string {
		if d == dialect.Postgres {
			return "string_agg(" + expr + ", ',')"
		}
		return "group_concat(" + expr + ", ',')"
	}
	inboxPage := q(d, `SELECT t.id, t.subject, t.category, t.unread_count, t.message_count, t.has_attachments, t.updated_at,
		t.last_message_at, ct.id, ct.display_name, f.name, m.id, m.body, m.sent_at, m.read_at, m.author_kind, m.author_name,
		(SELECT `+agg("g.id || ':' || g.name")+` FROM thread_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.thread_id = t.id)
		FROM threads t JOIN care_teams ct ON ct.id = t.care_team_id JOIN facilities f ON f.id = ct.facility_id
		LEFT JOIN messages m ON m.id = t.last_message_id
		WHERE t.veteran_id = ? AND t.folder_id = ? ORDER BY t.last_message_at DESC, t.id DESC LIMIT 21`)
	unread := q(d, `SELECT COALESCE(SUM(t.unread_count), 0) FROM threads t JOIN folders f ON f.id = t.folder_id
		WHERE t.veteran_id = ? AND t.unread_count > 0 AND (f.system IS NULL OR f.system NOT IN ('TRASH', 'DRAFTS'))`)
	threadHead := q(d, `SELECT t.id, t.subject, t.category, t.unread_count, t.last_message_at, ct.id, ct.display_name, f.id, f.name
		FROM threads t JOIN care_teams ct ON ct.id = t.care_team_id JOIN folders f ON f.id = t.folder_id
		WHERE t.id = ? AND t.veteran_id = ?`)
	// Attachments joined once per page (attachments has no message_id index).
	threadMsgs := q(d, `WITH p AS (SELECT m.id, m.body, m.sent_at, m.read_at, m.is_draft, m.ordered_at, m.author_kind, m.author_name
		FROM messages m WHERE m.thread_id = ? AND m.veteran_id = ? ORDER BY m.is_draft, m.ordered_at, m.id LIMIT 21)
		SELECT p.id, p.body, p.sent_at, p.read_at, p.is_draft, p.author_kind, p.author_name, a.id, a.filename, a.size
		FROM p LEFT JOIN attachments a ON a.message_id = p.id ORDER BY p.is_draft, p.ordered_at, p.id`)
	folders := q(d, `SELECT f.id, f.name, f.system, COUNT(t.id), COALESCE(SUM(t.unread_count), 0)
		FROM folders f LEFT JOIN threads t ON t.folder_id = f.id AND t.veteran_id = f.veteran_id
		WHERE f.veteran_id = ? GROUP BY f.id, f.name, f.system`)
	// The same full-text indexes and ranking as VAMS (inbox/search.go).
	hits := `SELECT t.id AS thread_id, 10.0 AS r FROM thread_fts JOIN threads t ON t.rowid = thread_fts.rowid
		WHERE thread_fts MATCH ? AND t.veteran_id = ?
		UNION ALL SELECT b.thread_id, 1.0 FROM message_fts JOIN messages b ON b.rowid = message_fts.rowid
		WHERE message_fts MATCH ? AND b.veteran_id = ? AND NOT b.is_draft`
	if d == dialect.Postgres {
		hits = `SELECT id AS thread_id, ts_rank(search_vector, plainto_tsquery('english', ?)) AS r FROM threads
		WHERE search_vector @@ plainto_tsquery('english', ?) AND veteran_id = ?
		UNION ALL SELECT thread_id, ts_rank(search_vector, plainto_tsquery('english', ?)) FROM messages
		WHERE search_vector @@ plainto_tsquery('english', ?) AND veteran_id = ? AND NOT is_draft`
	}
	search := q(d, `SELECT t.id, t.subject, m.id, m.sent_at FROM (SELECT thread_id, SUM(r) AS rank FROM (`+hits+`) x GROUP BY thread_id) h
		JOIN threads t ON t.id = h.thread_id JOIN folders f ON f.id = t.folder_id
		LEFT JOIN messages m ON m.id = t.last_message_id
		WHERE (f.system IS NULL OR f.system <> 'TRASH')
		ORDER BY h.rank DESC, t.last_message_at DESC, t.id DESC LIMIT 21`)
	// The writes carry what VAMS's do, so the ratio compares like with like:
	// the care team's check, the thread (written with its message's
	// aggregates) and message, the delivery job, the change log's number and
	// rows (the number's UPDATE also the send limit's), and the audit outbox rows; a mark read writes its messages (with
	// RETURNING, for the jobs) and thread, one status job per message, the
	// thread's change and its audit row. Neither side writes an idempotency
	// record: the bench's sends carry no clientMutationId.
	canMessage := q(d, `SELECT ct.id FROM care_teams ct JOIN associations a ON a.care_team_id = ct.id AND a.veteran_id = ?
		WHERE ct.id = ? AND ct.active`)
	insThread := q(d, `INSERT INTO threads (id, created_at, updated_at, subject, category, last_message_at, last_message_id,
		message_count, unread_count, has_attachments, care_team_id, folder_id, veteran_id) VALUES (?, ?, ?, ?, 'OTHER', ?, ?, 1, 0, false, ?, ?, ?)`)
	insMsg := q(d, `INSERT INTO messages (id, created_at, updated_at, veteran_id, author_kind, author_name, body, body_loaded,
		sent_at, ordered_at, delivery_status, is_draft, thread_id) VALUES (?, ?, ?, ?, 'VETERAN', '', ?, true, ?, ?, 'QUEUED', false, ?)`)
	markMsgs := q(d, `UPDATE messages SET read_at = ?, updated_at = ? WHERE thread_id = ? AND veteran_id = ? AND read_at IS NULL
		AND author_kind <> 'VETERAN' AND is_draft = false RETURNING id`)
	markThread := q(d, `UPDATE threads SET unread_count = 0, updated_at = ? WHERE id = ? AND veteran_id = ?`)
	bumpSeq := q(d, `UPDATE veterans SET change_seq = change_seq + ? WHERE id = ? RETURNING change_seq`)
	// A send's counter UPDATE also checks and advances the veteran's send
	// limit (inbox.SendLimit), here at the bench's generous limit.
	sendBump := q(d, `UPDATE veterans SET change_seq = change_seq + ?,
		send_limit_tat = (CASE WHEN send_limit_tat > ? THEN send_limit_tat ELSE ? END) + ?
		WHERE id = ? AND (CASE WHEN send_limit_tat > ? THEN send_limit_tat ELSE ? END) <= ? RETURNING change_seq`)
	const sendInterval, sendBurst = 3, 1 << 30 // µs a send takes and the burst, as generous sets them
	// A unique job (a delivery, unique by its args) carries River's unique
	// key and default unique states (available, completed, pending,
	// retryable, running, scheduled) as its bitmask; a status write-back is
	// not unique (syncengine.Outbox.WriteStatus), so marking a thread read
	// again queues its writes again.
	uniqueJob, plainJob := `(?, ?, ?, 'default', 'available', ?, 245)`, `(?, ?, ?, 'default', 'available', ?, NULL)`
	if d == dialect.Postgres {
		uniqueJob, plainJob = `(?::jsonb, ?, ?, 'default', 'available', ?, 245::integer::bit(8))`, `(?::jsonb, ?, ?, 'default', 'available', ?, NULL)`
	}
	jobs := func(n int, unique bool) string {
		job := plainJob
		if unique {
			job = uniqueJob
		}
		return q(d, `INSERT INTO river_job (args, kind, max_attempts, queue, state, unique_key, unique_states) VALUES `+
			strings.TrimSuffix(strings.Repeat(job+", ", n), ", "))
	}
	changes := func(n int) string {
		return q(d, `INSERT INTO changes (veteran_id, seq, entity_type, entity_id, op, at) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?), ", n), ", "))
	}
	audits := func(n int) string {
		return q(d, `INSERT INTO audit_outbox (at, actor, action, target_type, target_id, outcome, request_id) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, 'ok', ?), ", n), ", "))
	}
	jobArgs := func(kind, args string, maxAttempts int, unique bool) []any {
		if !unique {
			return []any{args, kind, maxAttempts, nil}
		}
		key := sha256.Sum256([]byte("kind=" + kind + "&args=" + args))
		return []any{args, kind, maxAttempts, key[:]}
	}
	const actor = "4f9c2d7e1b3a5c6d8e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d" // a keyed hash, as VAMS records

	inTx := func(ctx context.Context, db *sql.DB, f func(tx *sql.Tx) error) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := f(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	return map[string]floorOp{
		"inbox": {2, func(ctx context.Context, db *sql.DB, w *workload, r *rand.Rand) error {
			u := w.pick(r)
			if err := drain(ctx, db, unread, u.vid); err != nil {
				return err
			}
			return drain(ctx, db, inboxPage, u.vid, u.inbox)
		}},
		"thread": {2, func(ctx context.Context, db *sql.DB, w *workload, r *rand.Rand) error {
			u := w.pick(r)
			id := u.threads[r.IntN(len(u.threads))]
			if err := drain(ctx, db, threadHead, id, u.vid); err != nil {
				return err
			}
			return drain(ctx, db, threadMsgs, id, u.vid)
		}},
		"folders": {1, func(ctx context.Context, db *sql.DB, w *workload, r *rand.Rand) error {
			return drain(ctx, db, folders, w.pick(r).vid)
		}},
		"search": {1, func(ctx context.Context, db *sql.DB, w *workload, r *rand.Rand) error {
			word, vid := searchWords[r.IntN(len(searchWords))], w.pick(r).vid
			if d == dialect.Postgres {
				return drain(ctx, db, search, word, word, vid, word, word, vid)
			}
			return drain(ctx, db, search, word, vid, word, vid)
		}},
		"send": {7, func(ctx context.Context, db *sql.DB, w *workload, r *rand.Rand) error {
			u := w.pick(r)
			now := time.Now().UTC()
			tid, mid := ids.New(ids.Thread), ids.New(ids.Message)
			return inTx(ctx, db, func(tx *sql.Tx) error {
				var team string
				if err := tx.QueryRowContext(ctx, canMessage, u.vid, u.careTeam).Scan(&team); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, insThread, tid, now, now, "Benchmark question", now, mid, u.careTeam, u.sent, u.vid); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, insMsg, mid, now, now, u.vid, "Could you tell me when my next appointment is? Thank you.", now, now, tid); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, jobs(1, true), jobArgs("deliver_message", `{"message_id":"`+mid+`"}`, 12, true)...); err != nil {
					return err
				}
				var seq int64
				at := now.UnixMicro()
				if err := tx.QueryRowContext(ctx, sendBump, 2, at, at, sendInterval, u.vid, at, at,
					at+(sendBurst-1)*sendInterval).Scan(&seq); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, changes(2), u.vid, seq-1, "Thread", tid, "CREATED", now,
					u.vid, seq, "Message", mid, "CREATED", now); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, audits(2), now, actor, "sendMessage", "Thread", tid, "bench",
					now, actor, "sendMessage", "Message", mid, "bench")
				return err
			})
		}},
		"mark_read": {6, func(ctx context.Context, db *sql.DB, w *workload, r *rand.Rand) error {
			m, ok := w.nextUnread()
			if !ok {
				return errPoolUsed
			}
			now := time.Now().UTC()
			return inTx(ctx, db, func(tx *sql.Tx) error {
				read, err := sqlq.Strings(tx.QueryContext(ctx, markMsgs, now, now, m.thread, m.vid))
				if err != nil || len(read) == 0 {
					return err
				}
				if _, err := tx.ExecContext(ctx, markThread, now, m.thread, m.vid); err != nil {
					return err
				}
				var args []any
				for _, id := range read {
					args = append(args, jobArgs("write_status", `{"message_id":"`+id+`","status":"READ"}`, 10, false)...)
				}
				if _, err := tx.ExecContext(ctx, jobs(len(read), false), args...); err != nil {
					return err
				}
				var seq int64
				if err := tx.QueryRowContext(ctx, bumpSeq, 1, m.vid).Scan(&seq); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, changes(1), m.vid, seq, "Thread", m.thread, "UPDATED", now); err != nil {
					return err
				}
				_, err = tx.ExecContext(ctx, audits(1), now, actor, "markThreadRead", "Thread", m.thread, "bench")
				return err
			})
		}},
	}
}
