package audit

import (
	"context"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/platform/ctxkey"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
)

// A mutation's audit entries are committed with the change they record:
// the edge starts a Pending with what the request names, the domain core
// stages it in the mutation's transaction (Stage) and names what the change
// creates (Created), and the transaction writes it to audit_outbox just
// before it commits. The audit worker (ChainOutbox) later moves outbox rows
// into the hash chain, so no write waits for the chain's lock and a crash
// loses no acknowledged change's entry.

// Pending is one mutation's audit entries, one per target, waiting for the
// transaction that makes its change.
type Pending struct {
	now                      func() time.Time
	actor, action, requestID string
	mu                       sync.Mutex
	targets                  []string // IDs as the request named them or the change created them
	written                  bool
}

// Pending starts a mutation's entries: action is the mutation's name,
// targets the IDs its input names.
func (r *Recorder) Pending(actor, action, requestID string, targets []string) *Pending {
	return &Pending{now: r.now, actor: actor, action: action, requestID: requestID, targets: slices.Clone(targets)}
}

// Written reports whether a transaction committed the entries, and for
// which targets.
func (p *Pending) Written() ([]string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.targets), p.written
}

var pendingKey = ctxkey.New[*Pending]("pending audit")

// WithPending carries p to the transactions the mutation runs.
func WithPending(ctx context.Context, p *Pending) context.Context {
	return pendingKey.With(ctx, p)
}

func pendingFrom(ctx context.Context) *Pending {
	p, _ := pendingKey.From(ctx)
	return p
}

// Stage makes tx, a mutation's transaction, write the mutation's pending
// entries (if ctx carries any) to the audit outbox as it commits. The first
// of the mutation's transactions to commit writes them; a rolled-back one
// takes its rows with it.
func Stage(ctx context.Context, tx *store.Tx) {
	p := pendingFrom(ctx)
	if p == nil {
		return
	}
	// Registered before the transaction's work, so it runs before the work's
	// own pre-commit steps and sees every target Created named.
	tx.BeforeCommit(func() error { return p.write(ctx, tx) })
	tx.OnCommit(func() {
		p.mu.Lock()
		p.written = true
		p.mu.Unlock()
	})
}

// Created names an entity the mutation in ctx created (a thread, message,
// folder or tag its payload returns), so its entry is committed too.
func Created(ctx context.Context, id string) {
	if p := pendingFrom(ctx); p != nil {
		p.mu.Lock()
		if !p.written && !slices.Contains(p.targets, id) {
			p.targets = append(p.targets, id)
		}
		p.mu.Unlock()
	}
}

func (p *Pending) write(ctx context.Context, tx *store.Tx) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.written {
		return nil
	}
	at := p.now().UTC().Truncate(time.Microsecond)
	row := func(typ, target string) *ent.AuditOutboxCreate {
		return tx.Client.AuditOutbox.Create().SetAt(at).SetActor(p.actor).SetAction(p.action).
			SetTargetType(typ).SetTargetID(target).SetOutcome(OutcomeOK).SetRequestID(p.requestID)
	}
	rows := []*ent.AuditOutboxCreate{row("", "")}
	if len(p.targets) > 0 {
		rows = rows[:0]
		for _, id := range p.targets {
			rows = append(rows, row(Target(id)))
		}
	}
	return tx.Client.AuditOutbox.CreateBulk(rows...).Exec(viewer.System(ctx))
}

// targetTypes are the kinds of ID a veteran can name, by prefix.
var targetTypes = map[string]string{
	ids.Thread: "Thread", ids.Message: "Message", ids.Folder: "Folder", ids.Tag: "Tag",
	ids.CareTeam: "CareTeam", ids.Attachment: "Attachment", ids.Veteran: "Veteran",
}

// wellFormedID admits only IDs VAMS mints (prefix_ULID), so the trail never
// stores a client's free text in place of an ID.
var wellFormedID = regexp.MustCompile(`^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$`)

// Target is how an entry names the entity with this ID: its type and the
// ID, or "malformed" for anything VAMS did not mint.
func Target(id string) (typ, target string) {
	if !wellFormedID.MatchString(id) {
		return "", "malformed"
	}
	return targetTypes[ids.Prefix(id)], id
}
