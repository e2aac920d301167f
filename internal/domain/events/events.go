// Package events carries domain events (a message arrived, a thread changed)
// to subscribers after the change has committed. Events name IDs only, never
// content: a subscriber re-reads what it needs through the viewer's scope.
package events

import (
	"sync"
)

// Kind of change.
type Kind string

const (
	MessageAdded   Kind = "MESSAGE_ADDED"
	MessageUpdated Kind = "MESSAGE_UPDATED"
	ThreadUpdated  Kind = "THREAD_UPDATED"
	ThreadDeleted  Kind = "THREAD_DELETED"
	FolderChanged  Kind = "FOLDER_CHANGED"
	TagChanged     Kind = "TAG_CHANGED"
)

// Event is one committed change in a veteran's inbox. ChangeID is the change
// log's sequence number: clients resume delta sync from it.
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

// Bus is the in-process fan-out. Instances share events through the change
// log (a later issue adds cross-instance delivery).
type Bus struct {
	mu   sync.RWMutex
	subs map[string]map[chan Event]struct{}
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: map[string]map[chan Event]struct{}{}} }

// Publish delivers e to the veteran's subscribers without blocking: a slow
// subscriber misses events and catches up from the change log.
func (b *Bus) Publish(e Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for ch := range b.subs[e.VeteranID] {
		select {
		case ch <- e:
		default:
		}
	}
}

// Subscribe returns a channel of the veteran's events and a cancel function.
func (b *Bus) Subscribe(veteranID string) (<-chan Event, func()) {
	ch := make(chan Event, 64)
	b.mu.Lock()
	if b.subs[veteranID] == nil {
		b.subs[veteranID] = map[chan Event]struct{}{}
	}
	b.subs[veteranID][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[veteranID], ch)
		if len(b.subs[veteranID]) == 0 {
			delete(b.subs, veteranID)
		}
		b.mu.Unlock()
	}
}

// Count returns the number of live subscriptions.
func (b *Bus) Count() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	n := 0
	for _, m := range b.subs {
		n += len(m)
	}
	return n
}
