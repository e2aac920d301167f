package bench

// The workload: the generated veterans the clients act as, and the pool
// of unread threads mark read takes from (restored before each measurement).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"

	"entgo.io/ent/dialect"

	"github.com/va/vams/internal/platform/sqlq"
)

// user is one veteran the clients act as.
type user struct {
	vid, icn              string
	inbox, sent, careTeam string
	threads               []string
	heavy                 bool
}

type markable struct {
	icn, vid, thread string
	unread           int      // the thread's unread count before the run
	messages         []string // its unread messages then
}

// workload is what clients pick from.
type workload struct {
	heavy, typical []*user
	byICN          map[string]*user
	unread         []markable
	unreadNext     atomic.Int64
	mix            float64
	dialect        string
}

func (w *workload) pick(r *rand.Rand) *user {
	if len(w.heavy) > 0 && (len(w.typical) == 0 || r.Float64() < w.mix) {
		return w.heavy[r.IntN(len(w.heavy))]
	}
	return w.typical[r.IntN(len(w.typical))]
}

// errPoolUsed ends a client's run of mark read: every thread of the pool
// has been marked since the pool was last restored.
var errPoolUsed = errors.New("bench: every unread thread of the pool is marked")

// warmICNs lists the users' ICNs, and with pool those of the unread pool's
// veterans too, each once.
func (w *workload) warmICNs(pool bool) []string {
	seen := map[string]bool{}
	var out []string
	add := func(icn string) {
		if !seen[icn] {
			seen[icn] = true
			out = append(out, icn)
		}
	}
	for _, u := range w.heavy {
		add(u.icn)
	}
	for _, u := range w.typical {
		add(u.icn)
	}
	if pool {
		for _, m := range w.unread {
			add(m.icn)
		}
	}
	return out
}

// nextUnread hands out unread threads, each once, in turn to GraphQL and
// floor; ok is false once every one is marked.
func (w *workload) nextUnread() (m markable, ok bool) {
	i := w.unreadNext.Add(1) - 1
	if i >= int64(len(w.unread)) {
		return markable{}, false
	}
	return w.unread[i], true
}

// restoreUnread makes the pool unread again, as it was when the workload
// was loaded, so each mark-read measurement (GraphQL and floor, 1 and N
// clients) marks the same threads from the same state.
func (w *workload) restoreUnread(ctx context.Context, db *sql.DB) error {
	byCount := map[int][]any{}
	var msgs []any
	for _, m := range w.unread {
		byCount[m.unread] = append(byCount[m.unread], m.thread)
		for _, id := range m.messages {
			msgs = append(msgs, id)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	in := func(stmt string, lead []any, ids []any) error {
		for len(ids) > 0 {
			n := min(len(ids), 500)
			args := append(append([]any{}, lead...), ids[:n]...)
			marks := strings.TrimSuffix(strings.Repeat("?,", n), ",")
			if _, err := tx.ExecContext(ctx, q(w.dialect, fmt.Sprintf(stmt, marks)), args...); err != nil {
				return err
			}
			ids = ids[n:]
		}
		return nil
	}
	if err := in(`UPDATE messages SET read_at = NULL WHERE id IN (%s)`, nil, msgs); err != nil {
		return err
	}
	for n, threads := range byCount {
		if err := in(`UPDATE threads SET unread_count = ? WHERE id IN (%s)`, []any{n}, threads); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	w.unreadNext.Store(0)
	return nil
}

func q(d string, s string) string { return sqlq.Numbered(d == dialect.Postgres, s) }

// loadWorkload picks users: every heavy user and up to 400 typical ones with
// an inbox, plus a pool of unread threads to mark read.
func loadWorkload(ctx context.Context, db *sql.DB, d string, sz Sizes, mix float64) (*workload, error) {
	w := &workload{byICN: map[string]*user{}, mix: mix, dialect: d}
	r := rand.New(rand.NewPCG(sz.Seed, 99))
	var icns []string
	for i := 0; i < sz.Heavy(); i++ {
		icns = append(icns, ICN(i))
	}
	for i := 0; i < 1200 && sz.Veterans > sz.Heavy(); i++ {
		icns = append(icns, ICN(sz.Heavy()+r.IntN(sz.Veterans-sz.Heavy())))
	}
	for k, icn := range icns {
		if w.byICN[icn] != nil {
			continue
		}
		u := &user{icn: icn, heavy: k < sz.Heavy()}
		err := db.QueryRowContext(ctx, q(d, `SELECT v.id,
			(SELECT id FROM folders WHERE veteran_id = v.id AND system = 'INBOX'),
			(SELECT id FROM folders WHERE veteran_id = v.id AND system = 'SENT'),
			(SELECT care_team_id FROM associations WHERE veteran_id = v.id ORDER BY id LIMIT 1)
			FROM veterans v WHERE v.icn = ?`), icn).Scan(&u.vid, &u.inbox, &u.sent, &u.careTeam)
		if err != nil {
			return nil, fmt.Errorf("workload %s: %w", icn, err)
		}
		rows, err := db.QueryContext(ctx, q(d, `SELECT id FROM threads WHERE veteran_id = ? AND folder_id = ?
			ORDER BY last_message_at DESC, id DESC LIMIT 20`), u.vid, u.inbox)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			u.threads = append(u.threads, id)
		}
		rows.Close()
		if len(u.threads) == 0 {
			continue
		}
		w.byICN[icn] = u
		if u.heavy {
			w.heavy = append(w.heavy, u)
		} else if len(w.typical) < 400 {
			w.typical = append(w.typical, u)
		}
	}
	if err := w.loadUnread(ctx, db); err != nil {
		return nil, err
	}
	r.Shuffle(len(w.unread), func(i, j int) { w.unread[i], w.unread[j] = w.unread[j], w.unread[i] })
	if len(w.heavy)+len(w.typical) == 0 || len(w.unread) == 0 {
		return nil, fmt.Errorf("workload: no users with threads or no unread threads")
	}
	return w, nil
}

// loadUnread takes up to 20,000 threads with unread messages as the pool to
// mark read, with what restoreUnread needs to put them back.
func (w *workload) loadUnread(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT t.id, t.veteran_id, v.icn, t.unread_count FROM threads t JOIN veterans v ON v.id = t.veteran_id
		WHERE t.unread_count > 0 ORDER BY t.id LIMIT 20000`)
	if err != nil {
		return err
	}
	byThread := map[string]int{}
	for rows.Next() {
		var m markable
		if err := rows.Scan(&m.thread, &m.vid, &m.icn, &m.unread); err != nil {
			rows.Close()
			return err
		}
		byThread[m.thread] = len(w.unread)
		w.unread = append(w.unread, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(w.unread) == 0 {
		return err
	}
	last := w.unread[len(w.unread)-1].thread
	rows, err = db.QueryContext(ctx, q(w.dialect, `SELECT m.id, m.thread_id FROM messages m JOIN threads t ON t.id = m.thread_id
		WHERE t.unread_count > 0 AND t.id <= ? AND m.read_at IS NULL AND m.author_kind <> 'VETERAN'`), last)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, thread string
		if err := rows.Scan(&id, &thread); err != nil {
			return err
		}
		if i, ok := byThread[thread]; ok {
			w.unread[i].messages = append(w.unread[i].messages, id)
		}
	}
	return rows.Err()
}
