package inbox_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers"
)

// recordingOutbox keeps what the inbox queued for the providers.
type recordingOutbox struct {
	mu          sync.Mutex
	redelivered []string
}

func (o *recordingOutbox) DeliverMessage(context.Context, *store.Tx, string) error { return nil }

func (o *recordingOutbox) RedeliverMessage(_ context.Context, _ *store.Tx, id string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.redelivered = append(o.redelivered, id)
	return nil
}

func (o *recordingOutbox) WriteStatus(context.Context, *store.Tx, []string, providers.Status) error {
	return nil
}

// conversation is a thread in which the care team wrote twice (the second
// at the same second as it answered) and the veteran replied.
type conversation struct {
	env                    *vamstest.Env
	outbox                 *recordingOutbox
	threadID, reply        string
	first, second, sameSec string // provider ids of the care team's messages
}

func newConversation(t *testing.T, b storetest.Backend) conversation {
	o := &recordingOutbox{}
	e := vamstest.New(t, b, vamstest.Options{Outbox: o})
	vid := e.Veteran("1012345678V123456", "Alex Morgan")
	team := e.CareTeam(vid, vamstest.Team{Name: "Primary Care"})
	at := e.Now().Add(-time.Hour)
	c := conversation{env: e, outbox: o}
	c.first = e.ClinicianWrites(vid, team, "Lab results", "Your results are in.", "", at)
	c.second = e.ClinicianWrites(vid, team, "", "They are normal.", c.first, at.Add(time.Minute))
	c.sameSec = e.ClinicianWrites(vid, team, "", "No need to fast next time.", c.first, at.Add(time.Minute))
	th, err := e.Client().Thread.Query().Only(e.System())
	if err != nil {
		t.Fatal(err)
	}
	ctx := viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: vid, ICN: "1012345678V123456"})
	_, msg, err := e.Inbox.ReplyToThread(ctx, inbox.Reply{ThreadID: th.ID, Body: "Thank you."})
	if err != nil {
		t.Fatal(err)
	}
	c.threadID, c.reply = th.ID, msg.ID
	return c
}

func (c conversation) status(t *testing.T) *ent.Message {
	t.Helper()
	m, err := c.env.Client().Message.Get(c.env.System(), c.reply)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestReplyTargetIsTheNewestMessageTheProviderKnows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newConversation(t, b)
		ctx := c.env.System()
		got, err := c.env.Inbox.ReplyTarget(ctx, providerkind.MHV, c.threadID, c.reply)
		if err != nil || got != c.sameSec {
			t.Fatalf("MHV reply target = %q, %v; want the later of two messages of one second, %q", got, err, c.sameSec)
		}
		if got, err := c.env.Inbox.ReplyTarget(ctx, providerkind.OH, c.threadID, c.reply); err != nil || got != "" {
			t.Fatalf("OH reply target = %q, %v; want none (OH knows no message of the thread)", got, err)
		}
	})
}

func TestDeliveryOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		c := newConversation(t, b)
		ctx, in := c.env.System(), c.env.Inbox
		if err := in.RetryDelivery(ctx, c.reply); err == nil {
			t.Fatal("a queued delivery was retried; only failed ones may be")
		}
		const closed = "This care team's mailbox is closed."
		for _, reason := range []string{closed, ""} {
			if err := in.FailDelivery(ctx, c.reply, reason); err != nil {
				t.Fatal(err)
			}
			m := c.status(t)
			if *m.DeliveryStatus != message.DeliveryStatusFAILED || m.DeliveryError == nil ||
				(reason != "" && *m.DeliveryError != reason) || (reason == "" && (*m.DeliveryError == "" || *m.DeliveryError == closed)) {
				t.Fatalf("after FailDelivery(%q): %v, %v; want FAILED with the provider's reason, else a generic one", reason, *m.DeliveryStatus, m.DeliveryError)
			}
			if err := in.RetryDelivery(ctx, c.reply); err != nil {
				t.Fatal(err)
			}
			if m := c.status(t); *m.DeliveryStatus != message.DeliveryStatusQUEUED || m.DeliveryError != nil {
				t.Fatalf("after RetryDelivery: %v, %v; want QUEUED without an error", *m.DeliveryStatus, m.DeliveryError)
			}
		}
		if !slices.Equal(c.outbox.redelivered, []string{c.reply, c.reply}) {
			t.Fatalf("redelivered %v; want the retried message once per retry", c.outbox.redelivered)
		}
		if err := in.RecordDelivery(ctx, providerkind.MHV, c.reply, providers.Receipt{ExternalID: "ext-reply"}); err != nil {
			t.Fatal(err)
		}
		if err := in.FailDelivery(ctx, c.reply, closed); err != nil {
			t.Fatal(err)
		}
		if m := c.status(t); !inbox.Delivered(m) {
			t.Fatalf("a delivered message stepped back to %v", *m.DeliveryStatus)
		}
		if err := in.RetryDelivery(ctx, "msg_unknown"); !ent.IsNotFound(err) {
			t.Fatalf("retrying an unknown message: %v; want not found", err)
		}
	})
}

// A delivery whose attempts are spent without the provider saying whether
// it holds the message stays SENDING, marked for an operator; a recheck
// queues exactly one more attempt and every other state refuses it,
// changing nothing.
func TestARecheckQueuesOneMoreAttemptOnlyForADeliveryLeftUnknown(t *testing.T) {
	each(t, func(t *testing.T, w *world) {
		ctx := w.System()
		ok := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name    string
			prepare func(id string) // from QUEUED, as sent
			want    error           // nil: one more attempt queued
		}{
			{"left unknown", func(id string) {
				ok(w.Inbox.StartDelivery(ctx, id))
				ok(w.Inbox.LeaveDeliveryUnknown(ctx, id))
			}, nil},
			{"an attempt still running", func(id string) { ok(w.Inbox.StartDelivery(ctx, id)) }, inbox.ErrNotLeftUnknown},
			{"queued", func(string) {}, inbox.ErrNotLeftUnknown},
			{"failed", func(id string) { ok(w.Inbox.FailDelivery(ctx, id, "")) }, inbox.ErrNotLeftUnknown},
			{"delivered", func(id string) {
				ok(w.Inbox.RecordDelivery(ctx, providerkind.MHV, id, providers.Receipt{ExternalID: "ext-" + id}))
			}, inbox.ErrNotLeftUnknown},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, m := w.send(t, "Recheck "+tc.name, "Did my message arrive?")
				tc.prepare(m.ID)
				before := must[*ent.Message](t)(w.Client().Message.Get(ctx, m.ID))
				queued, _ := w.out.queued()
				err := w.Inbox.RecheckDelivery(ctx, m.ID)
				after := must[*ent.Message](t)(w.Client().Message.Get(ctx, m.ID))
				nowQueued, _ := w.out.queued()
				if !errors.Is(err, tc.want) {
					t.Fatalf("recheck: %v, want %v", err, tc.want)
				}
				if tc.want != nil {
					if len(nowQueued) != len(queued) || *after.DeliveryStatus != *before.DeliveryStatus {
						t.Fatalf("a refused recheck changed something: %d→%d attempts queued, %s→%s",
							len(queued), len(nowQueued), *before.DeliveryStatus, *after.DeliveryStatus)
					}
					return
				}
				if len(nowQueued) != len(queued)+1 || nowQueued[len(nowQueued)-1] != m.ID {
					t.Fatalf("attempts queued %v after %v, want one more for %s", nowQueued, queued, m.ID)
				}
				if *after.DeliveryStatus != message.DeliveryStatusSENDING || after.DeliveryError != nil {
					t.Fatalf("after the recheck: %s %v, want SENDING, unmarked", *after.DeliveryStatus, after.DeliveryError)
				}
				if err := w.Inbox.RecheckDelivery(ctx, m.ID); !errors.Is(err, inbox.ErrNotLeftUnknown) {
					t.Fatalf("a second recheck: %v, want refused (the first one's attempt owns the delivery)", err)
				}
			})
		}
		if err := w.Inbox.RecheckDelivery(ctx, "msg_unknown"); !ent.IsNotFound(err) {
			t.Fatalf("recheck of an unknown message: %v, want not found", err)
		}
	})
}
