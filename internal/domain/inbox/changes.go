package inbox

import (
	"context"
	"database/sql"
	"errors"
	"sort"

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
		var last int64
		// Raw SQL: one statement that bumps and returns ($1 works on both databases).
		var err error
		if n := b.sends[vid]; n > 0 && s.sendLimit.bounded() {
			at, cost, latest := s.sendLimit.sendLimitArgs(s.clock.Now(), n)
			err = tx.SQL.QueryRowContext(ctx, sendLimitedBump, counts[vid], vid, at, cost, latest).Scan(&last)
			if errors.Is(err, sql.ErrNoRows) {
				return rateLimited()
			}
		} else {
			err = tx.SQL.QueryRowContext(ctx, `UPDATE veterans SET change_seq = change_seq + $1 WHERE id = $2 RETURNING change_seq`,
				counts[vid], vid).Scan(&last)
		}
		if err != nil {
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
