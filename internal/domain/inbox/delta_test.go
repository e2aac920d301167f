package inbox_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers"
)

func changesSince(t *testing.T, svc *inbox.Service, ctx context.Context, since *string, max int) *inbox.ChangeSet {
	t.Helper()
	return must[*inbox.ChangeSet](t)(svc.Changes(ctx, since, max))
}

func (w *world) changesSince(t *testing.T, since string, max int) *inbox.ChangeSet {
	t.Helper()
	return changesSince(t, w.Inbox, w.ctx, &since, max)
}

func (w *world) state(t *testing.T) string { return changesSince(t, w.Inbox, w.ctx, nil, 0).NewState }

// changed is a change set's IDs per kind and list, compared in one go.
type changed struct {
	threadsCreated, threadsUpdated, threadsDestroyed    []string
	messagesCreated, messagesUpdated, messagesDestroyed []string
}

func changedOf(cs *inbox.ChangeSet) changed {
	return changed{cs.Threads.Created, cs.Threads.Updated, cs.Threads.Destroyed,
		cs.Messages.Created, cs.Messages.Updated, cs.Messages.Destroyed}
}

func (a changed) equal(b changed) bool {
	return slices.Equal(a.threadsCreated, b.threadsCreated) && slices.Equal(a.threadsUpdated, b.threadsUpdated) &&
		slices.Equal(a.threadsDestroyed, b.threadsDestroyed) && slices.Equal(a.messagesCreated, b.messagesCreated) &&
		slices.Equal(a.messagesUpdated, b.messagesUpdated) && slices.Equal(a.messagesDestroyed, b.messagesDestroyed)
}

func TestChangesListEachEntityChangedSinceTheStateOnce(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		old, _ := w.clinicianStarts(t, w.team, "Before the state")
		_, oldDraft := w.draft(t, inbox.Draft{CareTeamID: w.team, Body: "kept"})
		s0 := w.state(t)
		if cs := w.changesSince(t, s0, 0); cs.HasMoreChanges || !changedOf(cs).equal(changed{}) || cs.NewState != s0 {
			t.Fatalf("changes at the current state: %+v", cs)
		}

		th, ext := w.clinicianStarts(t, w.team, "New results")
		w.ClinicianWrites(w.vid, w.team, "", "And another thing", ext, w.Now())
		must[*ent.Thread](t)(w.Inbox.MarkThreadRead(w.ctx, old.ID))
		sent, msg := w.send(t, "Question", "Can I come in?")
		// Created and deleted after the state: the client never hears of it.
		_, gone := w.draft(t, inbox.Draft{CareTeamID: w.team, Body: "never mind"})
		must2[bool, *ent.Thread](t)(w.Inbox.DeleteDraft(w.ctx, gone.ID))
		must2[bool, *ent.Thread](t)(w.Inbox.DeleteDraft(w.ctx, oldDraft.ID))

		ms := w.messages(t, th.ID)
		want := changed{
			threadsCreated:    []string{th.ID, sent.ID},
			threadsUpdated:    []string{old.ID},
			threadsDestroyed:  []string{oldDraft.ThreadID},
			messagesCreated:   []string{ms[0].ID, ms[1].ID, msg.ID},
			messagesDestroyed: []string{oldDraft.ID},
		}
		got := w.changesSince(t, s0, 0)
		if !changedOf(got).equal(want) || got.HasMoreChanges || got.OldState != s0 {
			t.Fatalf("changes since the state:\n got %+v\nwant %+v", changedOf(got), want)
		}
		if next := w.changesSince(t, got.NewState, 0); !changedOf(next).equal(changed{}) || next.NewState != got.NewState {
			t.Fatalf("changes after catching up: %+v", changedOf(next))
		}
	})
}

func TestChangesPageWithMaxChangesAndResumeWithoutRepeats(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		s := w.state(t)
		var want []string
		for range 5 {
			_, m := w.send(t, "Paged", "body")
			want = append(want, m.ID)
		}
		var got []string
		pages := 0
		for more := true; more; pages++ {
			cs := w.changesSince(t, s, 3) // a send logs two rows: its thread and its message
			got = append(got, cs.Messages.Created...)
			s, more = cs.NewState, cs.HasMoreChanges
		}
		if !slices.Equal(got, want) || pages != 4 {
			t.Fatalf("paged messages %v in %d pages, want %v in 4", got, pages, want)
		}
	})
}

func TestChangesCannotBeCalculatedFromABadOrPrunedState(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, w *world) {
		s0 := w.state(t)
		w.send(t, "Old", "Old news")
		s1 := w.state(t)
		other := w.Veteran("1000000299V000299", "Sam Other")
		theirs := changesSince(t, w.Inbox, viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: other}), nil, 0).NewState
		for name, since := range map[string]string{
			"another veteran's": theirs,
			"not a token":       "garbage!",
			"from the future":   inbox.EncodeState(w.vid, 99),
		} {
			t.Run(name, func(t *testing.T) {
				_, err := w.Inbox.Changes(w.ctx, &since, 0)
				wantCode(t, err, inbox.CodeCannotCalculateChanges, "since")
			})
		}
		for _, max := range []int{-1, inbox.MaxMaxChanges + 1} {
			_, err := w.Inbox.Changes(w.ctx, &s0, max)
			wantCode(t, err, inbox.CodeInvalidInput, "maxChanges")
		}

		w.afterDays(29)
		if n := must[int](t)(w.Inbox.PruneChanges(w.System())); n != 0 {
			t.Fatalf("pruned %d changes inside the retention", n)
		}
		w.changesSince(t, s0, 0) // still answerable
		w.afterDays(2)
		w.send(t, "New", "Recent news")
		if n := must[int](t)(w.Inbox.PruneChanges(w.System())); n != 2 {
			t.Fatalf("pruned %d changes, want the old send's 2", n)
		}
		_, err := w.Inbox.Changes(w.ctx, &s0, 0)
		wantCode(t, err, inbox.CodeCannotCalculateChanges, "since")
		if cs := w.changesSince(t, s1, 0); len(cs.Messages.Created) != 1 {
			t.Fatalf("a state after the pruned changes: %+v", changedOf(cs))
		}
	})
}

// gateOutbox holds the first delivery's transaction open until released.
type gateOutbox struct {
	entered, release chan struct{}
}

func (g *gateOutbox) DeliverMessage(context.Context, *store.Tx, string) error {
	select {
	case g.entered <- struct{}{}:
		<-g.release
	default:
	}
	return nil
}
func (g *gateOutbox) RedeliverMessage(context.Context, *store.Tx, string) error { return nil }
func (g *gateOutbox) WriteStatus(context.Context, *store.Tx, []string, providers.Status) error {
	return nil
}

// A transaction that began first but commits last must come after what a
// reader already saw: with numbers that follow commit order, a state never
// skips a change committed after it.
func TestStatesFollowCommitOrderUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		if b.Name == "sqlite" {
			t.Skip("SQLite admits one writer at a time: a held transaction blocks the other writer outright")
		}
		g := &gateOutbox{entered: make(chan struct{}), release: make(chan struct{})}
		e := vamstest.New(t, b, vamstest.Options{Outbox: g})
		vid := e.Veteran(icn, "Alex Morgan")
		ctx := viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: vid, ICN: icn})
		team := e.CareTeam(vid, vamstest.Team{Name: "Primary Care"})
		s0 := changesSince(t, e.Inbox, ctx, nil, 0).NewState

		slow := make(chan *ent.Message, 1)
		go func() {
			_, m, err := e.Inbox.SendMessage(ctx, inbox.SendMessage{CareTeamID: team, Category: "OTHER", Subject: "Slow", Body: "held open"})
			if err != nil {
				t.Error(err)
			}
			slow <- m
		}()
		select {
		case <-g.entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the slow send never reached its outbox")
		}
		e.ClinicianWrites(vid, team, "Fast", "committed first", "", e.Now())
		first := changesSince(t, e.Inbox, ctx, &s0, 0)
		if len(first.Messages.Created) != 1 {
			t.Fatalf("before the slow commit: %+v", changedOf(first))
		}
		close(g.release)
		m := <-slow
		if m == nil {
			t.FailNow()
		}
		second := changesSince(t, e.Inbox, ctx, &first.NewState, 0)
		if !slices.Equal(second.Messages.Created, []string{m.ID}) {
			t.Fatalf("after the slow commit, from the state already seen: %+v, want message %s", changedOf(second), m.ID)
		}
	})
}
