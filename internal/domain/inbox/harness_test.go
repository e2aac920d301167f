package inbox_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers"
)

// These tests call inbox.Service directly; vamstest only supplies the store,
// the clock and the fixtures.

const icn = "1000000201V000201"

// statusWrite is one status write-back the outbox was asked to queue.
type statusWrite struct {
	MessageID string
	Status    providers.Status
}

// outbox records what the service queued, once the transaction commits, so
// a rolled-back change leaves nothing behind here either.
type outbox struct {
	mu        sync.Mutex
	delivered []string
	statuses  []statusWrite
}

func (o *outbox) DeliverMessage(_ context.Context, tx *store.Tx, messageID string) error {
	tx.OnCommit(func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		o.delivered = append(o.delivered, messageID)
	})
	return nil
}

// RedeliverMessage counts as a delivery: these tests tell them apart by
// nothing else.
func (o *outbox) RedeliverMessage(ctx context.Context, tx *store.Tx, messageID string) error {
	return o.DeliverMessage(ctx, tx, messageID)
}

func (o *outbox) WriteStatus(_ context.Context, tx *store.Tx, messageIDs []string, st providers.Status) error {
	tx.OnCommit(func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		for _, id := range messageIDs {
			o.statuses = append(o.statuses, statusWrite{id, st})
		}
	})
	return nil
}

func (o *outbox) queued() (delivered []string, statuses []statusWrite) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.delivered...), append([]statusWrite(nil), o.statuses...)
}

// world is one veteran with care teams in every state that matters to the
// rules.
type world struct {
	*vamstest.Env
	out *outbox
	vid string
	ctx context.Context // acting as the veteran

	team, blocked, signature, paused, inactive, stranger string
	former                                               string // set by useFormerTeam
}

// newWorld allows the veteran sends messages in all (0: no bound): a burst
// at a rate so slow that no test's clock refills it.
func newWorld(t *testing.T, b storetest.Backend, sends int) *world {
	t.Helper()
	return newWorldLimited(t, b, inbox.SendLimit{PerHour: 1e-6, Burst: sends})
}

// newWorldLimited is a world whose veteran sends under limit.
func newWorldLimited(t *testing.T, b storetest.Backend, limit inbox.SendLimit) *world {
	t.Helper()
	out := &outbox{}
	e := vamstest.New(t, b, vamstest.Options{Outbox: out, SendLimit: limit})
	w := &world{Env: e, out: out}
	w.vid = e.Veteran(icn, "Alex Morgan")
	w.ctx = viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: w.vid, ICN: icn})
	w.team = e.CareTeam(w.vid, vamstest.Team{Name: "Primary Care"})
	w.blocked = e.CareTeam(w.vid, vamstest.Team{Name: "Podiatry", Blocked: true})
	w.signature = e.CareTeam(w.vid, vamstest.Team{Name: "Release of Information", RequiresSignature: true})
	w.paused = e.CareTeam(w.vid, vamstest.Team{Name: "Cardiology", CutoverPhase: "p4"})
	w.inactive = e.CareTeam(w.vid, vamstest.Team{Name: "Old Clinic", Inactive: true})
	w.stranger = e.CareTeam(w.vid, vamstest.Team{Name: "Dermatology", NotAssociated: true})
	return w
}

// useFormerTeam sets w.former: a team that wrote to the veteran and has
// since lost the association, so it is visible but closed to new messages.
func (w *world) useFormerTeam(t *testing.T) {
	t.Helper()
	w.former = w.CareTeam(w.vid, vamstest.Team{Name: "Audiology"})
	w.ClinicianWrites(w.vid, w.former, "Hearing test", "See you soon.", "", w.Now())
	if err := w.Client().Association.DeleteOneID(must[string](t)(w.Client().Association.Query().
		Where(association.CareTeamID(w.former)).OnlyID(w.System()))).Exec(w.System()); err != nil {
		t.Fatal(err)
	}
}

// each runs f on every backend with a fresh world allowing plenty of sends.
func each(t *testing.T, f func(t *testing.T, w *world)) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) { f(t, newWorld(t, b, 100)) })
}

// rows is how many rows the tables a veteran's actions write hold.
type rows struct{ threads, messages, attachments, changes, folders, tags int }

func (w *world) rows(t *testing.T) rows {
	t.Helper()
	ctx, c := w.System(), w.Client()
	var r rows
	var err error
	count := func(n *int, f func() (int, error)) {
		if err == nil {
			*n, err = f()
		}
	}
	count(&r.threads, func() (int, error) { return c.Thread.Query().Count(ctx) })
	count(&r.messages, func() (int, error) { return c.Message.Query().Count(ctx) })
	count(&r.attachments, func() (int, error) { return c.Attachment.Query().Count(ctx) })
	count(&r.changes, func() (int, error) { return c.Change.Query().Count(ctx) })
	count(&r.folders, func() (int, error) { return c.Folder.Query().Count(ctx) })
	count(&r.tags, func() (int, error) { return c.Tag.Query().Count(ctx) })
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantCode fails unless err is the rule error code on field.
func wantCode(t *testing.T, err error, code inbox.Code, field string) {
	t.Helper()
	e, ok := inbox.AsError(err)
	if !ok {
		t.Fatalf("error %v, want %s on %s", err, code, field)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("error %s on %q, want %s on %q", e.Code, e.Field, code, field)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func must2[A, B any](t *testing.T) func(A, B, error) (A, B) {
	return func(a A, b B, err error) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// send starts a conversation with the plain team.
func (w *world) send(t *testing.T, subject, body string) (*ent.Thread, *ent.Message) {
	t.Helper()
	return must2[*ent.Thread, *ent.Message](t)(w.Inbox.SendMessage(w.ctx, inbox.SendMessage{
		CareTeamID: w.team, Category: thread.CategoryOTHER, Subject: subject, Body: body}))
}

// clinicianStarts has the team start a conversation, as a provider would
// deliver it, and returns its thread and the message's provider id.
func (w *world) clinicianStarts(t *testing.T, team, body string) (*ent.Thread, string) {
	t.Helper()
	ext := w.ClinicianWrites(w.vid, team, "Lab results", body, "", w.Now())
	return w.threadOf(t, ext), ext
}

// threadOf returns the thread holding the provider's message ext.
func (w *world) threadOf(t *testing.T, ext string) *ent.Thread {
	t.Helper()
	ctx, c := w.System(), w.Client()
	ref := must[*ent.ProviderRef](t)(c.ProviderRef.Query().Where(providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE),
		providerref.ExternalID(ext)).Only(ctx))
	m := must[*ent.Message](t)(c.Message.Get(ctx, ref.EntityID))
	return w.thread(t, m.ThreadID)
}

func (w *world) thread(t *testing.T, id string) *ent.Thread {
	t.Helper()
	return must[*ent.Thread](t)(w.Client().Thread.Get(w.System(), id))
}

// folderOf returns the system kind of the thread's folder, or its name for a
// custom folder.
func (w *world) folderOf(t *testing.T, threadID string) string {
	t.Helper()
	f := must[*ent.Folder](t)(w.Client().Thread.QueryFolder(w.thread(t, threadID)).Only(w.System()))
	if f.System != nil {
		return string(*f.System)
	}
	return f.Name
}

func (w *world) systemFolder(t *testing.T, kind folder.System) string {
	t.Helper()
	return must[*ent.Folder](t)(inbox.SystemFolder(w.System(), w.Client(), w.vid, kind)).ID
}

// messages returns the thread's messages, oldest first.
func (w *world) messages(t *testing.T, threadID string) []*ent.Message {
	t.Helper()
	return must[[]*ent.Message](t)(w.Client().Message.Query().Where(message.ThreadID(threadID)).
		Order(ent.Asc(message.FieldOrderedAt), ent.Asc(message.FieldID)).All(w.System()))
}

// changes returns the change log as "Entity OP" lines, oldest first.
func (w *world) changes(t *testing.T) []string {
	t.Helper()
	cs := must[[]*ent.Change](t)(w.Client().Change.Query().Order(ent.Asc("id")).All(w.System()))
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.EntityType + " " + string(c.Op)
	}
	return out
}

// since returns the changes logged after the first n.
func since(all []string, n int) []string { return all[n:] }

// afterDays is the clock d days from now.
func (w *world) afterDays(d int) { w.Advance(time.Duration(d) * 24 * time.Hour) }
