// Package fanout carries domain events between VAMS instances that share one
// PostgreSQL database, so a subscriber connected to any instance hears of a
// change committed on any other.
//
// Each instance publishes its own events to its local events.Bus at once and
// sends them with pg_notify on one channel; every instance LISTENs on that
// channel (lib/pq's Listener, on its own connection) and republishes the
// others' events into its Bus. A notification carries ids and the change-log
// number only (the Event), never content: subscribers re-read what they show
// through the viewer's scope.
//
// Lost events end subscriptions rather than go missing silently, the same way
// as a subscriber's overflow (events.ErrOverflow; the client resyncs through
// changes(since:)):
//   - when the listener's connection drops and comes back, notifications sent
//     meanwhile are gone, so every subscription on this instance is ended;
//   - when this instance cannot send (queue full, statement failed), it sends
//     a reset as soon as it can, and every other instance ends all of its
//     subscriptions.
package fanout

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"

	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
)

// Channel is the PostgreSQL notification channel all instances share.
const Channel = "vams_events"

// queueSize bounds the events waiting to be sent; batchSize how many one
// statement sends.
const (
	queueSize = 4096
	batchSize = 256
)

// Config of a Fanout.
type Config struct {
	// Bus is this instance's bus: own events go to it directly, others'
	// through the listener.
	Bus *events.Bus
	// DB sends the notifications; DatabaseURL opens the listener's own
	// connection to the same database.
	DB          *sql.DB
	DatabaseURL string
	Log         *slog.Logger
	// ReconnectMin and ReconnectMax bound the listener's reconnection
	// backoff (defaults 100ms and 10s).
	ReconnectMin, ReconnectMax time.Duration
}

// Fanout is an events.Publisher for one instance of several.
type Fanout struct {
	bus    *events.Bus
	db     *sql.DB
	log    *slog.Logger
	origin string
	seq    atomic.Int64
	queue  chan events.Event
	// lost: an event of this instance could not be sent; the next batch
	// starts with a reset.
	lost     atomic.Bool
	listener *pq.Listener
	stop     chan struct{}
	wg       sync.WaitGroup
}

// payload is one notification. N makes every payload distinct, since
// PostgreSQL folds identical notifications of one transaction into one.
type payload struct {
	Origin string       `json:"o"`
	N      int64        `json:"n"`
	Reset  bool         `json:"r,omitempty"`
	Event  events.Event `json:"e"`
}

// Start listens on Channel (it returns once the LISTEN is in place) and
// starts sending.
func Start(cfg Config) (*Fanout, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ReconnectMin == 0 {
		cfg.ReconnectMin = 100 * time.Millisecond
	}
	if cfg.ReconnectMax == 0 {
		cfg.ReconnectMax = 10 * time.Second
	}
	f := &Fanout{bus: cfg.Bus, db: cfg.DB, log: cfg.Log, origin: ids.New("ins"), queue: make(chan events.Event, queueSize),
		stop: make(chan struct{})}
	f.listener = pq.NewListener(cfg.DatabaseURL, cfg.ReconnectMin, cfg.ReconnectMax, f.onListenerEvent)
	if err := f.listener.Listen(Channel); err != nil {
		_ = f.listener.Close()
		return nil, err
	}
	f.wg.Add(2)
	go f.receive()
	go f.send()
	return f, nil
}

// Origin names this instance in its notifications.
func (f *Fanout) Origin() string { return f.origin }

// Publish delivers e to this instance's subscribers and queues it for the
// others. It never blocks: with the queue full the event is dropped and the
// others are told to resync.
func (f *Fanout) Publish(e events.Event) {
	f.bus.Publish(e)
	select {
	case f.queue <- e:
	default:
		f.lost.Store(true)
	}
}

// Close stops sending (what is queued is sent first) and listening.
func (f *Fanout) Close() error {
	close(f.stop)
	err := f.listener.Close()
	f.wg.Wait()
	return err
}

func (f *Fanout) onListenerEvent(ev pq.ListenerEventType, err error) {
	switch ev {
	case pq.ListenerEventDisconnected:
		f.log.Warn("event fan-out: listener disconnected; subscriptions end when it reconnects", "error", fmt.Sprint(err))
	case pq.ListenerEventReconnected:
		f.log.Info("event fan-out: listener reconnected; ending subscriptions so clients resync")
	case pq.ListenerEventConnectionAttemptFailed:
		f.log.Warn("event fan-out: listener reconnection failed", "error", fmt.Sprint(err))
	}
}

// receive republishes the other instances' events. A nil notification
// follows a reconnection: whatever was sent meanwhile is lost.
func (f *Fanout) receive() {
	defer f.wg.Done()
	for n := range f.listener.NotificationChannel() {
		if n == nil {
			f.bus.EndAll()
			continue
		}
		var p payload
		if err := json.Unmarshal([]byte(n.Extra), &p); err != nil {
			f.log.Warn("event fan-out: unreadable notification", "error", err.Error())
			continue
		}
		switch {
		case p.Origin == f.origin:
			// Published locally already.
		case p.Reset:
			f.bus.EndAll()
		default:
			f.bus.Publish(p.Event)
		}
	}
}

// send sends queued events, as many as are waiting in one statement; at
// Close, what is still queued.
func (f *Fanout) send() {
	defer f.wg.Done()
	for {
		select {
		case e := <-f.queue:
			f.notify(f.drain([]events.Event{e}))
		case <-f.stop:
			for batch := f.drain(nil); len(batch) > 0; batch = f.drain(nil) {
				f.notify(batch)
			}
			return
		}
	}
}

// drain adds the waiting events to batch, up to batchSize.
func (f *Fanout) drain(batch []events.Event) []events.Event {
	for len(batch) < batchSize {
		select {
		case e := <-f.queue:
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

// notify sends one batch, after a reset if events were lost before it.
func (f *Fanout) notify(batch []events.Event) {
	reset := f.lost.Swap(false)
	var msgs []string
	if reset {
		msgs = append(msgs, f.encode(payload{Reset: true}))
	}
	for _, e := range batch {
		msgs = append(msgs, f.encode(payload{Event: e}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := f.db.ExecContext(ctx, "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", Channel, pq.Array(msgs)); err != nil {
		f.lost.Store(true)
		f.log.Warn("event fan-out: notify failed; other instances will be told to resync", "events", len(batch), "error", err.Error())
	}
}

func (f *Fanout) encode(p payload) string {
	p.Origin, p.N = f.origin, f.seq.Add(1)
	b, _ := json.Marshal(p) // ids and numbers only: cannot fail
	return string(b)
}
