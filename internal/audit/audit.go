// Package audit keeps VAMS's append-only audit trail: who read, sent, moved,
// deleted or exported what, and when — never message content, and never an
// ICN in clear.
//
// Tamper evidence: every entry's hash covers the previous entry's hash and
// the entry's own fields, so editing or deleting an entry (or inserting one
// out of band) breaks the chain, which Verify reports. The generated ent
// schema cannot carry a hook from this package, so immutability is by
// convention and by detection: the Recorder is the only writer of
// audit_events, nothing in VAMS updates or deletes them, and Verify catches
// anyone who does so through SQL. Removing the newest entries leaves a valid,
// shorter chain; operators who need to detect that keep the head reported by
// Verify somewhere else (a ticket, a log shipped off the host).
package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"entgo.io/ent/dialect"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/auditevent"
	"github.com/va/vams/ent/auditoutbox"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
)

// Actions besides mutation names (which are recorded as they are named in
// the schema, e.g. "moveThread").
const (
	ActionRead   = "read"   // a message body or a node fetched by ID
	ActionExport = "export" // an attachment downloaded
	ActionQuery  = "auditQuery"
)

// Outcomes.
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
)

// SystemActor is VAMS itself.
const SystemActor = "system"

// advisoryLockKey serializes appends across instances on PostgreSQL, so
// several VAMS processes keep one chain ("VAMSAUDT" in ASCII).
const advisoryLockKey int64 = 0x56414d5341554454

// Event is one thing to record. Actor is already keyed (see Recorder.Actor).
type Event struct {
	Actor      string
	Action     string
	TargetType string
	TargetID   string
	Outcome    string
	RequestID  string
}

// Entry is a recorded event as operators see it.
type Entry struct {
	ID         int64     `json:"id,omitempty"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	TargetType string    `json:"targetType,omitempty"`
	TargetID   string    `json:"targetId,omitempty"`
	Outcome    string    `json:"outcome"`
	RequestID  string    `json:"requestId,omitempty"`
	Hash       string    `json:"hash,omitempty"`
	// Pending: committed with its change, not yet chained (no id or hash yet).
	Pending bool `json:"pending,omitempty"`
}

// Recorder appends to the audit trail.
type Recorder struct {
	store *store.Store
	key   []byte
	now   func() time.Time
	mu    sync.Mutex // one appender per process; the advisory lock covers the rest
	batch *batcher   // set by Batch
}

// NewRecorder writes to s; key keys the actor hashes and must stay the same
// for the life of the trail (or actors stop matching across the change).
func NewRecorder(s *store.Store, key []byte) (*Recorder, error) {
	if len(key) < 16 {
		return nil, errors.New("audit: the actor key must be at least 16 bytes")
	}
	return &Recorder{store: s, key: key, now: time.Now}, nil
}

// Actor is the keyed hash recorded for a veteran's ICN: the same ICN always
// gives the same actor, so one veteran's entries can be found, but the trail
// itself names nobody.
func (r *Recorder) Actor(icn string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(icn))
	return hex.EncodeToString(m.Sum(nil))
}

// Record appends events, in order, in one transaction.
func (r *Recorder) Record(ctx context.Context, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	if r.batch != nil {
		r.batch.add(events)
		return nil
	}
	return r.append(ctx, events)
}

// append chains what the outbox holds, then events, in one transaction.
func (r *Recorder) append(ctx context.Context, events []Event) error {
	_, err := r.chain(ctx, events, true)
	return err
}

// outboxRound bounds the outbox rows one transaction chains.
const outboxRound = 500

// ChainOutbox is one round of the audit worker: it moves the committed
// outbox entries into the hash chain, oldest first, and returns how many.
// Each row is chained exactly once: it is deleted in the transaction that
// chains it, under the chain's lock. When another instance holds that lock
// it returns 0 at once; that instance is chaining.
func (r *Recorder) ChainOutbox(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := r.chain(ctx, nil, false)
		total += n
		if err != nil || n < outboxRound {
			return total, err
		}
	}
}

// chain appends up to outboxRound outbox rows and then events to the chain
// in one transaction. wait says whether to wait for the chain's lock (events
// must be written) or give up the round when another instance holds it.
func (r *Recorder) chain(ctx context.Context, events []Event, wait bool) (int, error) {
	ctx = viewer.System(ctx)
	if len(events) == 0 {
		if queued, err := r.store.Client.AuditOutbox.Query().Exist(ctx); err != nil || !queued {
			return 0, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	err := r.store.InTx(ctx, func(tx *store.Tx) error {
		if r.store.Dialect == dialect.Postgres {
			if wait {
				if _, err := tx.SQL.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", advisoryLockKey); err != nil {
					return fmt.Errorf("audit: lock: %w", err)
				}
			} else {
				var got bool
				if err := tx.SQL.QueryRowContext(ctx, "SELECT pg_try_advisory_xact_lock($1)", advisoryLockKey).Scan(&got); err != nil {
					return fmt.Errorf("audit: lock: %w", err)
				}
				if !got {
					return nil
				}
			}
		}
		prev, err := head(ctx, tx.Client)
		if err != nil {
			return err
		}
		queued, err := tx.Client.AuditOutbox.Query().Order(ent.Asc(auditoutbox.FieldID)).Limit(outboxRound).All(ctx)
		if err != nil {
			return err
		}
		if len(queued) > 0 {
			ids := make([]int64, len(queued))
			for i, q := range queued {
				ids[i] = q.ID
			}
			deleted, err := tx.Client.AuditOutbox.Delete().Where(auditoutbox.IDIn(ids...)).Exec(ctx)
			if err != nil {
				return err
			}
			if deleted != len(ids) { // another worker chained some: chain none twice
				return errors.New("audit: outbox rows chained concurrently")
			}
		}
		// Microseconds: what PostgreSQL keeps, so the hash survives the round trip.
		now := r.now().UTC().Truncate(time.Microsecond)
		builders := make([]*ent.AuditEventCreate, 0, len(queued)+len(events))
		add := func(at time.Time, e Event) {
			if e.Outcome == "" {
				e.Outcome = OutcomeOK
			}
			h := hash(prev, at, e)
			builders = append(builders, tx.Client.AuditEvent.Create().SetAt(at).SetActor(e.Actor).SetAction(e.Action).
				SetTargetType(e.TargetType).SetTargetID(e.TargetID).SetOutcome(e.Outcome).
				SetRequestID(e.RequestID).SetPrevHash(prev).SetHash(h))
			prev = h
		}
		for _, q := range queued {
			add(q.At.UTC(), Event{Actor: q.Actor, Action: q.Action, TargetType: q.TargetType, TargetID: q.TargetID, Outcome: q.Outcome, RequestID: q.RequestID})
		}
		for _, e := range events {
			add(now, e)
		}
		n = len(queued)
		if len(builders) == 0 {
			return nil
		}
		return tx.Client.AuditEvent.CreateBulk(builders...).Exec(ctx)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// head is the newest entry's hash, "" for an empty trail.
func head(ctx context.Context, c *ent.Client) (string, error) {
	last, err := c.AuditEvent.Query().Order(ent.Desc(auditevent.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return last.Hash, nil
}

// hash is sha256 over the previous hash and the entry's fields, each
// length-prefixed so no choice of field values can shift a separator and
// keep the hash.
func hash(prev string, at time.Time, e Event) string {
	h := sha256.New()
	for _, f := range []string{prev, at.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.TargetType, e.TargetID, e.Outcome, e.RequestID} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
		h.Write([]byte{'|'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// BrokenError names the first entry at which the chain does not hold.
type BrokenError struct {
	ID     int64
	Reason string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit: chain broken at entry %d: %s", e.ID, e.Reason)
}

// Head is the end of a verified chain.
type Head struct {
	Entries int64  `json:"entries"`
	LastID  int64  `json:"lastId"`
	Hash    string `json:"hash"`
}

// Verify walks the whole chain, oldest first, and returns a *BrokenError
// for the first entry that was edited, or whose predecessor was removed or
// edited.
func (r *Recorder) Verify(ctx context.Context) (Head, error) {
	ctx = viewer.System(ctx)
	const page = 1000
	var (
		h    Head
		prev string
	)
	for {
		rows, err := r.store.Client.AuditEvent.Query().Where(auditevent.IDGT(h.LastID)).
			Order(ent.Asc(auditevent.FieldID)).Limit(page).All(ctx)
		if err != nil {
			return h, err
		}
		for _, row := range rows {
			if row.PrevHash != prev {
				return h, &BrokenError{ID: row.ID, Reason: "does not follow the entry before it (an entry was removed, inserted or edited)"}
			}
			e := Event{Actor: row.Actor, Action: row.Action, TargetType: row.TargetType, TargetID: row.TargetID, Outcome: row.Outcome, RequestID: row.RequestID}
			if hash(row.PrevHash, row.At, e) != row.Hash {
				return h, &BrokenError{ID: row.ID, Reason: "its content does not match its hash (the entry was edited)"}
			}
			prev = row.Hash
			h.Entries, h.LastID, h.Hash = h.Entries+1, row.ID, row.Hash
		}
		if len(rows) < page {
			return h, nil
		}
	}
}

// Filter selects entries for Query.
type Filter struct {
	Actor string    // a keyed actor, as Actor returns; "" for all
	Since time.Time // zero for the beginning
	Limit int       // at most MaxQueryLimit
}

// MaxQueryLimit bounds one Query.
const MaxQueryLimit = 1000

// Query returns entries, oldest first: the chained ones, then those still
// in the outbox, so an entry shows from the moment its change committed.
func (r *Recorder) Query(ctx context.Context, f Filter) ([]Entry, error) {
	ctx = viewer.System(ctx)
	q := r.store.Client.AuditEvent.Query().Order(ent.Asc(auditevent.FieldID))
	if f.Actor != "" {
		q.Where(auditevent.Actor(f.Actor))
	}
	if !f.Since.IsZero() {
		q.Where(auditevent.AtGTE(f.Since))
	}
	if f.Limit <= 0 || f.Limit > MaxQueryLimit {
		f.Limit = MaxQueryLimit
	}
	rows, err := q.Limit(f.Limit).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(rows))
	for i, row := range rows {
		out[i] = Entry{ID: row.ID, At: row.At.UTC(), Actor: row.Actor, Action: row.Action, TargetType: row.TargetType,
			TargetID: row.TargetID, Outcome: row.Outcome, RequestID: row.RequestID, Hash: row.Hash}
	}
	if len(out) == f.Limit {
		return out, nil
	}
	pq := r.store.Client.AuditOutbox.Query().Order(ent.Asc(auditoutbox.FieldID))
	if f.Actor != "" {
		pq.Where(auditoutbox.Actor(f.Actor))
	}
	if !f.Since.IsZero() {
		pq.Where(auditoutbox.AtGTE(f.Since))
	}
	queued, err := pq.Limit(f.Limit - len(out)).All(ctx)
	if err != nil {
		return nil, err
	}
	for _, row := range queued {
		out = append(out, Entry{At: row.At.UTC(), Actor: row.Actor, Action: row.Action, TargetType: row.TargetType,
			TargetID: row.TargetID, Outcome: row.Outcome, RequestID: row.RequestID, Pending: true})
	}
	return out, nil
}

// KeyFile is where LoadOrCreateKey keeps a demo key.
const KeyFile = "audit-key"

// LoadOrCreateKey returns the actor key kept in dataDir, creating a random
// one on first use. For demo mode only: in production the key is a managed
// secret (VAMS_AUDIT_KEY), so every instance hashes actors alike.
func LoadOrCreateKey(dataDir string) ([]byte, error) {
	p := filepath.Join(dataDir, KeyFile)
	if b, err := os.ReadFile(p); err == nil {
		return hex.DecodeString(strings.TrimSpace(string(b)))
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	// Written aside and linked into place, so a concurrent reader never sees
	// a half-written key.
	tmp, err := os.CreateTemp(dataDir, KeyFile+".*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(key) + "\n")
	if err = errors.Join(err, tmp.Close()); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), p); errors.Is(err, fs.ErrExist) { // another process won the race
		return LoadOrCreateKey(dataDir)
	} else if err != nil {
		return nil, err
	}
	return key, nil
}
