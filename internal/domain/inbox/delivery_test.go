package inbox_test

import (
	"context"
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
