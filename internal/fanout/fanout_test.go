package fanout

import (
	"database/sql"
	"errors"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/store/storetest"
)

// instances starts n fan-outs on one fresh PostgreSQL database, each with its
// own bus, as n VAMS instances would.
func instances(t *testing.T, n int) ([]*Fanout, *sql.DB) {
	t.Helper()
	if storetest.PostgresURL() == "" {
		t.Skip("cross-instance events need PostgreSQL (LISTEN/NOTIFY): set VAMS_TEST_DATABASE_URL; on SQLite events stay in-process")
	}
	var url string
	for _, b := range storetest.Backends(t) {
		if b.Name == "postgres" {
			url = b.DatabaseURL(t)
		}
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var out []*Fanout
	for range n {
		f, err := Start(Config{Bus: events.NewBus(), DB: db, DatabaseURL: url, ReconnectMin: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = f.Close() })
		out = append(out, f)
	}
	return out, db
}

// next is the subscription's next event, or its end (ok false).
func next(t *testing.T, s *events.Subscription) (events.Event, bool) {
	t.Helper()
	select {
	case e, ok := <-s.Events():
		if !ok {
			return events.Event{}, false
		}
		return *e, true
	case <-time.After(30 * time.Second):
		t.Fatal("no event and no end within 30s")
		return events.Event{}, false
	}
}

// empty checks that s holds no event.
func empty(t *testing.T, name string, s *events.Subscription) {
	t.Helper()
	select {
	case e := <-s.Events():
		t.Fatalf("%s got an unexpected event %+v", name, e)
	default:
	}
}

func TestAnEventCommittedOnOneInstanceReachesSubscribersOnEveryInstanceOnce(t *testing.T) {
	fs, _ := instances(t, 2)
	a, b := fs[0], fs[1]
	onA, onB := a.bus.Subscribe("vet_1"), b.bus.Subscribe("vet_1")
	otherOnB := b.bus.Subscribe("vet_2")
	markerA, markerB := a.bus.Subscribe("vet_3"), b.bus.Subscribe("vet_3")
	want := events.Event{ChangeID: 7, VeteranID: "vet_1", Kind: events.MessageAdded, ThreadID: "thr_1", MessageID: "msg_1"}
	a.Publish(want)
	for name, s := range map[string]*events.Subscription{"instance A": onA, "instance B": onB} {
		if got, ok := next(t, s); !ok || got != want {
			t.Fatalf("%s got %+v (open %v), want %+v", name, got, ok, want)
		}
	}
	// A marker from B, sent after B had the event: notifications arrive in
	// commit order, so once A has it, a second copy of the first event (A
	// hearing its own notification) would be there too.
	b.Publish(events.Event{ChangeID: 1, VeteranID: "vet_3"})
	next(t, markerA)
	next(t, markerB)
	empty(t, "instance A", onA)
	empty(t, "instance B", onB)
	empty(t, "another veteran", otherOnB)
}

// The listener's connection drops (its backend is terminated) and comes
// back: notifications sent meanwhile are lost, so every subscription on the
// instance ends as on overflow and the client resyncs; subscriptions made
// after the reconnection receive events again.
func TestAListenerReconnectionEndsSubscriptionsSoClientsResync(t *testing.T) {
	fs, db := instances(t, 2)
	a, b := fs[0], fs[1]
	onB := b.bus.Subscribe("vet_1")
	if _, err := db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %'`); err != nil {
		t.Fatal(err)
	}
	for {
		_, ok := next(t, onB)
		if !ok {
			break
		}
	}
	if !errors.Is(onB.Err(), events.ErrOverflow) {
		t.Fatalf("subscription ended with %v, want ErrOverflow (resync)", onB.Err())
	}
	// B's listener is back (that is what ended the subscription); A sends
	// through its pool, whatever its own listener's state.
	again := b.bus.Subscribe("vet_1")
	want := events.Event{ChangeID: 9, VeteranID: "vet_1", Kind: events.ThreadUpdated, ThreadID: "thr_1"}
	a.Publish(want)
	if got, ok := next(t, again); !ok || got != want {
		t.Fatalf("after the reconnection got %+v (open %v), want %+v", got, ok, want)
	}
}

// An event this instance could not send (its queue was full, or the
// statement failed) makes every other instance end its subscriptions: they
// cannot know whose events were lost.
func TestAnEventThatCouldNotBeSentMakesOtherInstancesResync(t *testing.T) {
	fs, _ := instances(t, 2)
	a, b := fs[0], fs[1]
	onB := b.bus.Subscribe("vet_2")
	a.lost.Store(true) // as after a full queue or a failed notify
	a.Publish(events.Event{ChangeID: 1, VeteranID: "vet_1"})
	if e, ok := next(t, onB); ok {
		t.Fatalf("got %+v, want the subscription ended", e)
	}
	if !errors.Is(onB.Err(), events.ErrOverflow) {
		t.Fatalf("ended with %v, want ErrOverflow", onB.Err())
	}
}
