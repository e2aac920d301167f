package inbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"entgo.io/ent/dialect"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/store"
)

// EntityKind is the kind of entity a change-log row is about. The change
// log stores it as its string (changes.entity_type), so the values are
// fixed.
type EntityKind string

const (
	EntityThread  EntityKind = "Thread"
	EntityMessage EntityKind = "Message"
	EntityFolder  EntityKind = "Folder"
	EntityTag     EntityKind = "Tag"
)

// pendingChange is a change-log row waiting for its number, with the event
// it publishes after commit (nil for a row that only the log needs).
type pendingChange struct {
	vid      string
	kind     EntityKind
	entityID string
	op       change.Op
	ev       *events.Event
}

// changeBatch is one transaction's change-log rows, numbered just before
// commit (see flushChanges).
type changeBatch struct {
	rows    []pendingChange
	threads map[string]bool // threads already in the batch
	sends   map[string]int  // veteran ID → messages the transaction sends, charged to the send limit
}

type changeBatchKey struct{}

// batch returns tx's change batch, registering its numbering on first use.
func (s *Service) batch(ctx context.Context, tx *store.Tx) *changeBatch {
	return tx.Local(changeBatchKey{}, func() any {
		b := &changeBatch{threads: map[string]bool{}, sends: map[string]int{}}
		tx.BeforeCommit(func() error { return s.flushChanges(ctx, tx, b) })
		return b
	}).(*changeBatch)
}

// change records a change-log row and publishes the event after commit. A
// message's change is also its thread's (last message, counts), so the
// thread is logged right after it, once per transaction; the event's state
// is then the thread's row, so a client resuming from it has both.
func (s *Service) change(ctx context.Context, tx *store.Tx, vid string, kind EntityKind, entityID string, op change.Op, ev events.Event) error {
	b := s.batch(ctx, tx)
	if op == change.OpCREATED {
		audit.Created(ctx, entityID)
	}
	ev.VeteranID = vid
	p := &ev
	b.add(pendingChange{vid: vid, kind: kind, entityID: entityID, op: op})
	if kind == EntityMessage && ev.ThreadID != "" {
		b.addThread(vid, ev.ThreadID, change.OpUPDATED)
	}
	b.rows[len(b.rows)-1].ev = p
	if s.events != nil {
		tx.OnCommit(func() { s.events.Publish(*p) })
	}
	return nil
}

// threadCreated logs a new thread; its first message's change follows.
func (s *Service) threadCreated(ctx context.Context, tx *store.Tx, vid, threadID string) {
	audit.Created(ctx, threadID)
	s.batch(ctx, tx).addThread(vid, threadID, change.OpCREATED)
}

func (b *changeBatch) add(p pendingChange) {
	if p.kind == EntityThread {
		b.threads[p.entityID] = true
	}
	b.rows = append(b.rows, p)
}

func (b *changeBatch) addThread(vid, threadID string, op change.Op) {
	if !b.threads[threadID] {
		b.add(pendingChange{vid: vid, kind: EntityThread, entityID: threadID, op: op})
	}
}

// flushChanges numbers the batch's rows from each veteran's counter and
// inserts them; for a veteran who sends, the same UPDATE checks and
// advances the send limit (see SendLimit), refusing the transaction with
// RATE_LIMITED when it is spent. The UPDATE takes the veteran's row lock, held to commit: a
// concurrent writer for the same veteran waits here, so numbers follow
// commit order. It runs last in the transaction, so it takes no other lock
// while holding this one; veterans go in ID order so two multi-veteran
// transactions cannot deadlock on each other.
func (s *Service) flushChanges(ctx context.Context, tx *store.Tx, b *changeBatch) error {
	if s.store.Dialect == dialect.Postgres && b.oneVeteran() {
		return s.flushOneVeteran(ctx, tx, b)
	}
	counts := map[string]int64{}
	for _, r := range b.rows {
		counts[r.vid]++
	}
	vids := make([]string, 0, len(counts))
	for vid := range counts {
		vids = append(vids, vid)
	}
	sort.Strings(vids)
	next := map[string]int64{}
	for _, vid := range vids {
		// Raw SQL: one statement that bumps and returns ($1 works on both databases).
		q, args := s.bump(b, vid, counts[vid])
		var last int64
		if err := s.bumped(b, vid, tx.SQL.QueryRowContext(ctx, q, args...).Scan(&last)); err != nil {
			return err
		}
		next[vid] = last - counts[vid] + 1
	}
	now := s.now()
	creates := make([]*ent.ChangeCreate, len(b.rows))
	for i, r := range b.rows {
		seq := next[r.vid]
		next[r.vid]++
		if r.ev != nil {
			r.ev.ChangeID = seq
		}
		creates[i] = tx.Client.Change.Create().SetVeteranID(r.vid).SetSeq(seq).SetEntityType(string(r.kind)).
			SetEntityID(r.entityID).SetOp(r.op).SetAt(now)
	}
	return tx.Client.Change.CreateBulk(creates...).Exec(ctx)
}

// changeBump advances a veteran's change counter by $1 and returns it.
const changeBump = `UPDATE veterans SET change_seq = change_seq + $1 WHERE id = $2 RETURNING change_seq`

// bump is the counter UPDATE for n of vid's rows and its arguments: with
// the send limit's check when the transaction sends.
func (s *Service) bump(b *changeBatch, vid string, n int64) (string, []any) {
	if sends := b.sends[vid]; sends > 0 && s.sendLimit.bounded() {
		at, cost, latest := s.sendLimit.sendLimitArgs(s.clock.Now(), sends)
		return sendLimitedBump, []any{n, vid, at, cost, latest}
	}
	return changeBump, []any{n, vid}
}

// bumped maps the bump's outcome: no row back from a sending transaction
// means the send limit refused it.
func (s *Service) bumped(b *changeBatch, vid string, err error) error {
	if errors.Is(err, sql.ErrNoRows) && b.sends[vid] > 0 && s.sendLimit.bounded() {
		return rateLimited()
	}
	return err
}

func (b *changeBatch) oneVeteran() bool {
	for _, r := range b.rows {
		if r.vid != b.rows[0].vid {
			return false
		}
	}
	return len(b.rows) > 0
}

// flushOneVeteran is flushChanges for one veteran's rows on PostgreSQL, in
// one statement instead of two: the counter's UPDATE (with the send limit's
// check when the transaction sends) is a data-modifying WITH, and the rows,
// passed as JSON, are numbered from what it returns. No row back means the
// send limit refused the transaction (or no such veteran).
func (s *Service) flushOneVeteran(ctx context.Context, tx *store.Tx, b *changeBatch) error {
	type row struct {
		Type string `json:"t"`
		ID   string `json:"i"`
		Op   string `json:"o"`
		N    int64  `json:"n"` // 1-based place in the batch
	}
	vid, n := b.rows[0].vid, int64(len(b.rows))
	rows := make([]row, len(b.rows))
	for i, r := range b.rows {
		rows[i] = row{Type: string(r.kind), ID: r.entityID, Op: string(r.op), N: int64(i + 1)}
	}
	list, err := json.Marshal(rows)
	if err != nil {
		return err
	}
	bump, args := s.bump(b, vid, n)
	k := len(args)
	q := fmt.Sprintf(`WITH v AS (%s),
	logged AS (INSERT INTO changes (veteran_id, seq, entity_type, entity_id, op, at)
		SELECT $2, v.change_seq - $1 + e.n, e.t, e.i, e.o, $%d::timestamptz
		FROM v, json_to_recordset($%d::json) AS e(t text, i text, o text, n bigint))
	SELECT change_seq FROM v`, bump, k+1, k+2)
	var last int64
	err = tx.SQL.QueryRowContext(ctx, q, append(args, s.now(), string(list))...).Scan(&last)
	if err := s.bumped(b, vid, err); err != nil {
		return err
	}
	first := last - n + 1
	for i, r := range b.rows {
		if r.ev != nil {
			r.ev.ChangeID = first + int64(i)
		}
	}
	return nil
}
