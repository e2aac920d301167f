// Package events carries domain events (a message arrived, a thread changed)
// to subscribers after the change has committed. Events name IDs only, never
// content: a subscriber re-reads what it needs through the viewer's scope.
package events

import (
	"errors"
	"sync"
)

// Kind of change.
type Kind string

const (
	MessageAdded   Kind = "MESSAGE_ADDED"
	MessageUpdated Kind = "MESSAGE_UPDATED"
	// DeliveryChanged: a veteran's sent message moved QUEUED → SENDING →
	// DELIVERED or FAILED (or was queued again for retry).
	DeliveryChanged Kind = "DELIVERY_CHANGED"
	ThreadUpdated   Kind = "THREAD_UPDATED"
	ThreadDeleted   Kind = "THREAD_DELETED"
	FolderChanged   Kind = "FOLDER_CHANGED"
	TagChanged      Kind = "TAG_CHANGED"
)

// Event is one committed change in a veteran's inbox. ChangeID is the
// veteran's change-log number (Change.seq) just after the event: clients
// resume delta sync from it.
type Event struct {
	ChangeID  int64
	VeteranID string
	Kind      Kind
	ThreadID  string
	MessageID string
	EntityID  string
}

// Publisher receives events after commit.
type Publisher interface {
	Publish(Event)
}

// DefaultBuffer is how many undelivered events a subscription may hold before
// it is ended with ErrOverflow.
const DefaultBuffer = 64

// ErrOverflow ends a subscription that fell behind: its buffer filled up, or
// (EndAll) the feed of other instances' events was interrupted. Its events
// are not lost (they are in the change log) but this subscription can no
// longer promise to deliver them in order, so the client must resync.
var ErrOverflow = errors.New("events: subscriber fell behind; resync from the change log")

// Bus is the in-process fan-out. On PostgreSQL, internal/fanout feeds it
// other instances' events too.
type Bus struct {
	buffer int

	mu   sync.Mutex
	subs map[string]map[*Subscription]struct{}
}

// NewBus returns an empty bus with DefaultBuffer per subscription.
func NewBus() *Bus { return NewBusWithBuffer(DefaultBuffer) }

// NewBusWithBuffer returns an empty bus whose subscriptions each buffer n
// events (n < 1 means DefaultBuffer).
func NewBusWithBuffer(n int) *Bus {
	if n < 1 {
		n = DefaultBuffer
	}
	return &Bus{buffer: n, subs: map[string]map[*Subscription]struct{}{}}
}

// A Sink takes a subscription's events as they are published. Offer is
// called under the bus's lock, in commit order, and must never block: it
// returns false when the sink cannot take the event (its buffer is full),
// which ends the subscription with ErrOverflow. Ended is called once, under
// the same lock, when the subscription ends: with ErrOverflow, or nil after
// Close. A sink lets a transport hold an idle subscriber without a goroutine
// waiting on a channel (docs/performance.md, real-time subscribers).
type Sink interface {
	Offer(*Event) bool
	Ended(error)
}

// Subscription is one subscriber's stream of a veteran's events.
type Subscription struct {
	bus       *Bus
	veteranID string
	sink      Sink
	ch        chan *Event // Subscribe's channel; nil for a sink of its own
	err       error       // set under bus.mu when the subscription ends
}

// Events yields a Subscribe'd subscription's events in commit order; it is
// closed when the subscription ends (Close, or ErrOverflow: see Err).
func (s *Subscription) Events() <-chan *Event { return s.ch }

// Err reports why the subscription ended: ErrOverflow, or nil after Close
// (or while it is live).
func (s *Subscription) Err() error {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.err
}

// Close ends the subscription; safe to call more than once.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.bus.removeLocked(s, nil)
}

// Publish delivers e to the veteran's subscribers without ever blocking: a
// subscription whose buffer is full is ended with ErrOverflow instead of
// silently missing the event, and the others are unaffected.
func (b *Bus) Publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs[e.VeteranID] {
		if !s.sink.Offer(&e) {
			b.removeLocked(s, ErrOverflow)
		}
	}
}

// EndAll ends every subscription with ErrOverflow: events may have been
// missed, so each client resyncs from the change log.
func (b *Bus) EndAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, set := range b.subs {
		for s := range set {
			b.removeLocked(s, ErrOverflow)
		}
	}
}

// Buffer is how many undelivered events a subscription may hold.
func (b *Bus) Buffer() int { return b.buffer }

// Attach subscribes sink to the veteran's events. The sink bounds what it
// holds (at most Buffer events, by the bus's policy).
func (b *Bus) Attach(veteranID string, sink Sink) *Subscription {
	return b.attach(&Subscription{bus: b, veteranID: veteranID, sink: sink})
}

func (b *Bus) attach(s *Subscription) *Subscription {
	veteranID := s.veteranID
	b.mu.Lock()
	if b.subs[veteranID] == nil {
		b.subs[veteranID] = map[*Subscription]struct{}{}
	}
	b.subs[veteranID][s] = struct{}{}
	b.mu.Unlock()
	return s
}

// chanSink buffers pointers: a buffer of DefaultBuffer events would hold
// ~6 KB per idle subscriber, pointers 512 B. Subscribers only read the
// shared event.
type chanSink chan *Event

func (c chanSink) Offer(e *Event) bool {
	select {
	case c <- e:
		return true
	default:
		return false
	}
}

func (c chanSink) Ended(error) { close(c) }

// Subscribe starts a subscription to the veteran's events, read from a
// channel of Buffer events.
func (b *Bus) Subscribe(veteranID string) *Subscription {
	ch := make(chan *Event, b.buffer)
	return b.attach(&Subscription{bus: b, veteranID: veteranID, sink: chanSink(ch), ch: ch})
}

// removeLocked ends s once; deleting from a map while ranging over it is safe.
func (b *Bus) removeLocked(s *Subscription, err error) {
	set := b.subs[s.veteranID]
	if _, ok := set[s]; !ok {
		return
	}
	delete(set, s)
	if len(set) == 0 {
		delete(b.subs, s.veteranID)
	}
	s.err = err
	s.sink.Ended(err)
}

// Count returns the number of live subscriptions.
func (b *Bus) Count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.subs {
		n += len(m)
	}
	return n
}
