package edge_test

import (
	"slices"
	"testing"

	"github.com/va/vams/ent/message"
	"github.com/va/vams/internal/store/storetest"
)

const changesQuery = `query($since: String, $max: Int) { changes(since: $since, maxChanges: $max) {
  oldState newState hasMoreChanges
  threads { created updated destroyed }
  messages { created updated destroyed } } }`

type entityChanges struct{ Created, Updated, Destroyed []string }

type changeSet struct {
	OldState, NewState string
	HasMoreChanges     bool
	Threads, Messages  entityChanges
}

func (w *world) changes(t *testing.T, icn string, since *string) changeSet {
	t.Helper()
	var out struct{ Changes changeSet }
	w.MustDo(icn, changesQuery, map[string]any{"since": since}, &out)
	return out.Changes
}

// messageByBody is the VAMS ID of the one message with body.
func (w *world) messageByBody(t *testing.T, body string) string {
	t.Helper()
	id, err := w.Client().Message.Query().Where(message.Body(body)).OnlyID(w.System())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A device that was offline catches up from the last event's state: it gets
// every change it missed exactly once, and none it had already seen.
func TestReconnectingDeviceGetsExactlyWhatItMissedFromChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		phone := dial(t, w.Env, transportWS)
		phone.connect(w.Token(icnA))
		phone.subscribe("1", messageSub)
		waitSubs(t, w.Env, 1)
		ext := w.ClinicianWrites(w.vetA, w.team, "Lab results", "Seen live", "", w.Now())
		seen := nextEvent(t, phone).Data.MessageReceived
		if seen == nil {
			t.Fatal("no event")
		}
		_ = phone.c.CloseNow()
		waitSubs(t, w.Env, 0)

		// While the phone is away: a new conversation, a reply in the seen
		// one, the veteran's own send from the web, and a read.
		w.ClinicianWrites(w.vetA, w.team, "Flu shots", "Missed one", "", w.Now())
		w.ClinicianWrites(w.vetA, w.team, "", "Missed reply", ext, w.Now())
		sent, sentID := w.send(t, icnA, w.team, "Question", "Missed send")
		w.MustDo(icnA, `mutation($id: ID!) { markThreadRead(input: {threadId: $id}) { thread { id } } }`,
			map[string]any{"id": seen.Thread.ID}, &struct{}{})
		missed := []string{w.messageByBody(t, "Missed one"), w.messageByBody(t, "Missed reply"), sentID}

		got := w.changes(t, icnA, &seen.State)
		newThread := w.Client().Message.GetX(w.System(), missed[0]).ThreadID
		if !slices.Equal(got.Messages.Created, missed) || len(got.Messages.Updated)+len(got.Messages.Destroyed) != 0 {
			t.Errorf("missed messages %+v, want created %v", got.Messages, missed)
		}
		if !slices.Equal(got.Threads.Created, []string{newThread, sent.ID}) ||
			!slices.Equal(got.Threads.Updated, []string{seen.Thread.ID}) || len(got.Threads.Destroyed) != 0 {
			t.Errorf("missed threads %+v", got.Threads)
		}
		if got.HasMoreChanges || got.OldState != seen.State {
			t.Errorf("change set %+v", got)
		}

		// Back online: the next event's state continues the same counter.
		phone = dial(t, w.Env, transportWS)
		phone.connect(w.Token(icnA))
		phone.subscribe("1", messageSub)
		waitSubs(t, w.Env, 1)
		w.ClinicianWrites(w.vetA, w.team, "", "Live again", ext, w.Now())
		live := nextEvent(t, phone).Data.MessageReceived
		after := w.changes(t, icnA, &got.NewState)
		if !slices.Equal(after.Messages.Created, []string{live.Message.ID}) || after.NewState != live.State {
			t.Errorf("after reconnecting: %+v, event state %s", after, live.State)
		}
		if again := w.changes(t, icnA, &live.State); len(again.Messages.Created)+len(again.Threads.Updated) != 0 {
			t.Errorf("changes after the last event's state repeat: %+v", again)
		}
	})
}

func TestChangesFromAnotherVeteransStateCannotBeCalculated(t *testing.T) {
	w := setup(t, storetest.Backends(t)[0])
	theirs := w.changes(t, icnB, nil).NewState
	r := w.Do(icnA, changesQuery, map[string]any{"since": theirs})
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "CANNOT_CALCULATE_CHANGES" || r.Errors[0].Extensions["field"] != "since" {
		t.Fatalf("errors %+v", r.Errors)
	}
}
