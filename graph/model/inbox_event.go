package model

import (
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/va/vams/ent"
)

// InboxEvent is hand-written: it is the payload of every Subscription field.
// It carries IDs, so each event's entities are read afresh through the
// viewer's scope (with that event's own loaders) when it is sent.
type InboxEvent struct {
	// Message, when set, is the message the subscription's filter read
	// through the viewer's scope for this very delivery: its field resolves
	// to it rather than reading it a second time.
	Message *ent.Message
	// Token is the delta-sync state token just after the event; Change is
	// the change-log position it encodes.
	Token     string
	Change    int64
	ThreadID  string
	MessageID string
	// UnreadCount is the count when the event was sent (unreadCountChanged).
	UnreadCount int
	// Resync, when set, makes this the subscription's last event: it fails
	// with RESYNC_REQUIRED because the subscriber fell behind.
	Resync bool
}

// CodeResyncRequired ends a subscription that could not keep up; the client
// fetches what it missed from its last state and subscribes again.
const CodeResyncRequired = "RESYNC_REQUIRED"

// State is the change-log position after the event: the delta-sync token.
func (e *InboxEvent) State() (string, error) {
	if e.Resync {
		return "", &gqlerror.Error{
			Message:    "Too many updates arrived at once; fetch changes since your last state and subscribe again.",
			Extensions: map[string]any{"code": CodeResyncRequired},
		}
	}
	return e.Token, nil
}
