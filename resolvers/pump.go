package resolvers

import (
	"context"

	"github.com/va/vams/graph/model"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ctxkey"
)

// A Pump lets a transport drive a subscription so that an idle one holds no
// goroutine: the subscription resolver attaches the transport's Sink to the
// veteran's events and returns at once, and the transport, for each event
// its sink took, calls Next and then, when Next says a payload is ready,
// the operation's response handler, which reads that payload without
// waiting. The WebSocket transport puts one in each subscription's context;
// without one (SSE) the resolver runs a goroutine per subscription instead.
type Pump struct {
	// Sink receives the veteran's events; the transport supplies it.
	Sink events.Sink

	sub     *events.Subscription
	filter  eventFilter
	out     chan *model.InboxEvent
	release func()
}

var pumpKey = ctxkey.New[*Pump]("subscription pump")

// WithPump returns ctx carrying p for the subscription resolver to take.
func WithPump(ctx context.Context, p *Pump) context.Context { return pumpKey.With(ctx, p) }

func pumpFrom(ctx context.Context) *Pump {
	p, _ := pumpKey.From(ctx)
	return p
}

// open attaches the pump to the veteran's events; release ends the
// veteran's activity hold when the pump closes.
func (p *Pump) open(bus *events.Bus, veteranID string, filter eventFilter, release func()) <-chan *model.InboxEvent {
	p.filter, p.release = filter, release
	// One slot: the transport reads each payload as soon as Next readies it.
	p.out = make(chan *model.InboxEvent, 1)
	p.sub = bus.Attach(veteranID, p.Sink)
	return p.out
}

// Opened reports whether a subscription resolver took the pump (it did not
// when the operation failed before its stream started).
func (p *Pump) Opened() bool { return p.out != nil }

// Next turns e into the subscription's next payload through the viewer's
// scope (ctx is the subscription's) and reports whether one is ready.
func (p *Pump) Next(ctx context.Context, e *events.Event) bool {
	pl := payload(ctx, p.filter, e)
	if pl == nil {
		return false
	}
	p.out <- pl
	return true
}

// Resync readies the subscription's last payload, which fails with
// RESYNC_REQUIRED: its events overflowed, so the client resyncs through
// changes(since:).
func (p *Pump) Resync() { p.out <- &model.InboxEvent{Resync: true} }

// Close detaches the pump from the veteran's events and ends its hold; safe
// to call more than once, and on a pump never opened.
func (p *Pump) Close() {
	if p.sub != nil {
		p.sub.Close()
	}
	if p.release != nil {
		p.release()
		p.release = nil
	}
}
