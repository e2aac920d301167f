package resolvers

import (
	"context"
	"errors"
	"fmt"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/domain/inbox"
)

// eventFilter turns one bus event into a payload, or nil to skip it. It runs
// with the subscription's viewer, so every read is scoped to that veteran.
type eventFilter func(ctx context.Context, e events.Event) (*model.InboxEvent, error)

// stream subscribes the viewer to the bus and feeds filter's payloads to
// gqlgen until the client stops or the subscription overflows; an overflow
// sends one last payload that fails with RESYNC_REQUIRED. Under a transport's
// Pump it only attaches the pump; otherwise a goroutine feeds the channel.
func (r *Resolver) stream(ctx context.Context, filter eventFilter) (<-chan *model.InboxEvent, error) {
	if r.Events == nil {
		return nil, errors.New("subscriptions are not enabled")
	}
	v := viewerOf(ctx)
	if v.VeteranID == "" {
		return nil, errors.New("no viewer")
	}
	release := func() {}
	if r.Freshness != nil {
		release = r.Freshness.Hold(v.VeteranID) // a subscriber is active
	}
	if p := pumpFrom(ctx); p != nil {
		return p.open(r.Events, v.VeteranID, filter, release), nil
	}
	sub := r.Events.Subscribe(v.VeteranID)
	out := make(chan *model.InboxEvent)
	go func() {
		defer close(out)
		defer sub.Close()
		defer release()
		for {
			var e *events.Event
			var ok bool
			select {
			case <-ctx.Done():
				return
			case e, ok = <-sub.Events():
			}
			if !ok {
				if errors.Is(sub.Err(), events.ErrOverflow) {
					send(ctx, out, &model.InboxEvent{Resync: true})
				}
				return
			}
			if p := payload(ctx, filter, e); p != nil && !send(ctx, out, p) {
				return
			}
		}
	}()
	return out, nil
}

// payload is e's payload for the subscription, with the state token after
// it, or nil when there is nothing to tell (the entity is gone or not the
// viewer's, or filter skips it).
func payload(ctx context.Context, filter eventFilter, e *events.Event) *model.InboxEvent {
	p, err := filter(ctx, *e)
	if err != nil || p == nil {
		return nil
	}
	p.Token, p.Change = inbox.EncodeState(e.VeteranID, e.ChangeID), e.ChangeID
	return p
}

func send(ctx context.Context, out chan<- *model.InboxEvent, p *model.InboxEvent) bool {
	select {
	case out <- p:
		return true
	case <-ctx.Done():
		return false
	}
}

// messageOf is message id as event change shows it to the viewer.
func (r *Resolver) messageOf(ctx context.Context, change int64, id string) (*ent.Message, error) {
	return eventNode[*ent.Message](ctx, r, change, id)
}

// eventMessage is the event's message: the one its filter read for this
// delivery, or read now.
func (r *Resolver) eventMessage(ctx context.Context, e *model.InboxEvent) (*ent.Message, error) {
	if e.Message != nil {
		return e.Message, nil
	}
	return r.messageOf(ctx, e.Change, e.MessageID)
}

// threadOf is thread id as event change shows it to the viewer.
func (r *Resolver) threadOf(ctx context.Context, change int64, id string) (*ent.Thread, error) {
	return eventNode[*ent.Thread](ctx, r, change, id)
}

// eventNode reads id for a delivery of the event at change, or takes what
// another delivery of that event to the same veteran read (r.reads).
func eventNode[T ent.Noder](ctx context.Context, r *Resolver, change int64, id string) (T, error) {
	if change == 0 {
		return nodeOf[T](ctx, r.Inbox, id)
	}
	k := eventRead{veteranID: viewerOf(ctx).VeteranID, change: change, id: id}
	n, err := r.reads.do(ctx, k, func() (ent.Noder, error) { return nodeOf[T](ctx, r.Inbox, id) })
	if err != nil {
		var zero T
		return zero, err
	}
	t, ok := n.(T)
	if !ok {
		return t, fmt.Errorf("not a %T", t)
	}
	return t, nil
}

// nodeOf reads id through the viewer's scope and insists on its kind.
func nodeOf[T ent.Noder](ctx context.Context, in *inbox.Service, id string) (T, error) {
	var zero T
	n, err := in.Node(ctx, id)
	if err != nil {
		return zero, err
	}
	t, ok := n.(T)
	if !ok {
		return zero, fmt.Errorf("not a %T", zero)
	}
	return t, nil
}

// clinicianMessages passes new messages written by a care team.
func (r *Resolver) clinicianMessages(ctx context.Context, e events.Event) (*model.InboxEvent, error) {
	if e.Kind != events.MessageAdded {
		return nil, nil
	}
	m, err := r.messageOf(ctx, e.ChangeID, e.MessageID)
	if err != nil || m.AuthorKind != message.AuthorKindCLINICIAN || m.IsDraft {
		return nil, err
	}
	return &model.InboxEvent{ThreadID: m.ThreadID, MessageID: m.ID, Message: m}, nil
}

// threadChanges passes thread updates and deletions.
func threadChanges(_ context.Context, e events.Event) (*model.InboxEvent, error) {
	if e.Kind != events.ThreadUpdated && e.Kind != events.ThreadDeleted {
		return nil, nil
	}
	return &model.InboxEvent{ThreadID: e.ThreadID}, nil
}

// deliveryChanges passes delivery transitions, and a new sent message (QUEUED).
func (r *Resolver) deliveryChanges(ctx context.Context, e events.Event) (*model.InboxEvent, error) {
	switch e.Kind {
	case events.DeliveryChanged:
	case events.MessageAdded:
		m, err := r.messageOf(ctx, e.ChangeID, e.MessageID)
		if err != nil || m.DeliveryStatus == nil || m.IsDraft {
			return nil, err
		}
		return &model.InboxEvent{ThreadID: e.ThreadID, MessageID: e.MessageID, Message: m}, nil
	default:
		return nil, nil
	}
	return &model.InboxEvent{ThreadID: e.ThreadID, MessageID: e.MessageID}, nil
}

// unreadCounts recounts after any message or thread change and passes the
// count only when it differs from the last one sent (or at the first change).
func (r *Resolver) unreadCounts() eventFilter {
	last := -1
	return func(ctx context.Context, e events.Event) (*model.InboxEvent, error) {
		switch e.Kind {
		case events.MessageAdded, events.MessageUpdated, events.ThreadUpdated, events.ThreadDeleted:
		default:
			return nil, nil
		}
		n, err := r.Inbox.UnreadCount(ctx)
		if err != nil || n == last {
			return nil, err
		}
		last = n
		return &model.InboxEvent{UnreadCount: n}, nil
	}
}
