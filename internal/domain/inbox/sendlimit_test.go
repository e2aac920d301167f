package inbox_test

import (
	"sync"
	"testing"
	"time"

	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/store/storetest"
)

// The send limit (20 an hour, 5 at once, as in production) allows the
// burst at once, then one send per 3 minutes, refilling to the burst and
// no further; new messages, replies and sent drafts all count. A refused
// send is RATE_LIMITED and changes nothing: no row, no delivery, and the
// limit itself is as it was.
func TestSendLimitAllowsTheBurstThenTheRate(t *testing.T) {
	t.Parallel()
	type step struct {
		after   time.Duration // the clock moves this much first
		act     string        // "send", "reply" or "draft" (save, then send)
		limited bool
	}
	sends := func(n int, limited bool) []step {
		out := make([]step, n)
		for i := range out {
			out[i] = step{act: "send", limited: limited}
		}
		return out
	}
	cat := func(parts ...[]step) []step {
		var out []step
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	cases := []struct {
		name  string
		steps []step
	}{
		{"the burst at once, then refused", cat(sends(5, false), sends(2, true))},
		{"replies and sent drafts count", cat(sends(1, false), []step{{act: "reply"}, {act: "draft"}, {act: "reply"}, {act: "draft"},
			{act: "reply", limited: true}, {act: "draft", limited: true}})},
		{"one send back every 3 minutes", cat(sends(5, false), []step{{after: 2 * time.Minute, act: "send", limited: true},
			{after: time.Minute, act: "send"}, {act: "send", limited: true}, {after: 3 * time.Minute, act: "reply"}})},
		{"refills to the burst, not beyond", cat(sends(5, false), []step{{after: 10 * time.Hour, act: "send"}}, sends(4, false), sends(1, true))},
		{"a refusal does not use up the allowance", cat(sends(5, false), sends(3, true), []step{{after: 3 * time.Minute, act: "send"}})},
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorldLimited(t, b, inbox.DefaultSendLimit)
				var last string // the last thread sent to, for replies
				for i, s := range tc.steps {
					w.Clock.Advance(s.after)
					before, tat := w.rows(t), w.sendLimitTAT(t)
					delivered, _ := w.out.queued()
					var err error
					switch s.act {
					case "send":
						th, _, e := w.Inbox.SendMessage(w.ctx, inbox.SendMessage{CareTeamID: w.team, Category: thread.CategoryOTHER,
							Subject: "Question", Body: "Is my appointment still on Friday?"})
						if err = e; err == nil {
							last = th.ID
						}
					case "reply":
						_, _, err = w.Inbox.ReplyToThread(w.ctx, inbox.Reply{ThreadID: last, Body: "One more thing."})
					case "draft":
						_, d := w.draft(t, inbox.Draft{ThreadID: last, Body: "Drafted first."})
						before = w.rows(t) // the draft's own rows are not the send's
						_, _, err = w.Inbox.SendDraft(w.ctx, inbox.SendDraft{DraftID: d.ID})
					}
					if !s.limited {
						if err != nil {
							t.Fatalf("step %d (%s): %v", i+1, s.act, err)
						}
						continue
					}
					wantCode(t, err, inbox.CodeRateLimited, "")
					if after := w.rows(t); after != before {
						t.Errorf("step %d: refused %s wrote rows: before %+v, after %+v", i+1, s.act, before, after)
					}
					if now, _ := w.out.queued(); len(now) != len(delivered) {
						t.Errorf("step %d: refused %s queued a delivery", i+1, s.act)
					}
					if now := w.sendLimitTAT(t); now != tat {
						t.Errorf("step %d: refused %s moved the limit from %d to %d", i+1, s.act, tat, now)
					}
				}
			})
		}
	})
}

// sendLimitTAT is the veteran's send_limit_tat (0 when null).
func (w *world) sendLimitTAT(t *testing.T) int64 {
	t.Helper()
	v, err := w.Client().Veteran.Get(w.System(), w.vid)
	if err != nil {
		t.Fatal(err)
	}
	if v.SendLimitTat == nil {
		return 0
	}
	return *v.SendLimitTat
}

// Sends racing at the burst are counted one by one: of more sends at once
// than the burst allows, exactly the burst's go out, and each refused one
// writes nothing.
func TestConcurrentSendsTakeTheBurstExactlyOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := newWorldLimited(t, b, inbox.DefaultSendLimit)
		const racers = 3 * 5 // three times the default burst
		errs := make([]error, racers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, errs[i] = w.Inbox.SendMessage(w.ctx, inbox.SendMessage{CareTeamID: w.team, Category: thread.CategoryOTHER,
					Subject: "Question", Body: "Is my appointment still on Friday?"})
			}()
		}
		close(start)
		wg.Wait()
		sent := 0
		for _, err := range errs {
			if err == nil {
				sent++
				continue
			}
			wantCode(t, err, inbox.CodeRateLimited, "")
		}
		if sent != inbox.DefaultSendLimit.Burst {
			t.Fatalf("%d of %d racing sends went out, want the burst (%d)", sent, racers, inbox.DefaultSendLimit.Burst)
		}
		if delivered, _ := w.out.queued(); len(delivered) != sent {
			t.Fatalf("%d deliveries queued for %d sends", len(delivered), sent)
		}
		if r := w.rows(t); r.messages != sent {
			t.Fatalf("%d messages stored for %d sends (%+v)", r.messages, sent, r)
		}
	})
}
