package edge_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// A stuck device is one whose app stopped reading: the server's writes fill
// the socket's buffers and then block. These tests make each event large (a
// thread holding a long message) so a few dozen fill them.
const (
	heavySub  = `subscription { threadUpdated { state thread { id messages { edges { node { body } } } } } }`
	lightSub  = `subscription { threadUpdated { state threadId } }`
	bigBody   = 60_000 // characters in the heavy thread's message
	maxRounds = 1_500  // ~90 MB to the stuck device: far past any socket buffer
	busBuffer = 4
	sseProto  = "sse"
)

// stream is one subscribed device over WebSocket (either subprotocol) or SSE.
type stream interface {
	// next returns the next event's payload, or "" and the error that ended
	// the subscription: nil after complete, else the close or read error.
	next(wait time.Duration) (string, error)
}

func (d *device) next(wait time.Duration) (string, error) {
	m, err := d.read(wait)
	switch {
	case err != nil:
		return "", err
	case m.Type == "next" || m.Type == "data" || m.Type == "error":
		return string(m.Payload), nil
	case m.Type == "complete":
		return "", nil
	}
	return "", fmt.Errorf("unexpected %s %s", m.Type, m.Payload)
}

type sseStream struct {
	res    *http.Response
	events chan string
	err    chan error
}

func (s *sseStream) next(wait time.Duration) (string, error) {
	select {
	case e, ok := <-s.events:
		if !ok {
			return "", <-s.err
		}
		return e, nil
	case <-time.After(wait):
		return "", context.DeadlineExceeded
	}
}

// errNoComplete: the SSE stream ended without its complete event.
var errNoComplete = fmt.Errorf("stream ended without complete")

func postSSE(t *testing.T, e *vamstest.Env, token, query string) *http.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// readSSE turns a subscription's response into a stream whose body is read
// only once the returned resume is called.
func readSSE(t *testing.T, res *http.Response) (s *sseStream, resume func()) {
	t.Helper()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("SSE subscription answered %d", res.StatusCode)
	}
	s = &sseStream{res: res, events: make(chan string), err: make(chan error, 1)}
	start := make(chan struct{})
	go func() {
		<-start
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 0, 1<<16), 1<<22)
		end := errNoComplete
		for sc.Scan() {
			if sc.Text() == "event: complete" {
				end = nil
			}
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok && end != nil {
				s.events <- data
			}
		}
		if sc.Err() != nil {
			end = sc.Err()
		}
		s.err <- end
		close(s.events)
	}()
	return s, func() { close(start) }
}

// open subscribes a device of the veteran; a stuck one reads nothing until
// resume is called.
func open(t *testing.T, e *vamstest.Env, proto, token, query string) (stream, func()) {
	t.Helper()
	if proto == sseProto {
		return readSSE(t, postSSE(t, e, token, query))
	}
	d := dial(t, e, proto)
	d.c.SetReadLimit(1 << 22)
	d.connect(token)
	d.subscribe("1", query)
	return d, func() {}
}

// publish fails the test when Publish does not return: the bus must never
// wait for a subscriber.
func publish(t *testing.T, bus *events.Bus, ev events.Event) {
	t.Helper()
	done := make(chan struct{})
	go func() { bus.Publish(ev); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("Publish of event %d blocked behind a stuck subscriber", ev.ChangeID)
	}
}

func expectEvent(t *testing.T, s stream, who string, state string) {
	t.Helper()
	p, err := s.next(10 * time.Second)
	if err != nil || !strings.Contains(p, `"state":"`+state+`"`) {
		t.Fatalf("%s: got %.200s, %v; want the event at %s", who, p, err, state)
	}
}

// slowWorld has veteran A with a thread holding a long message and
// veteran B with a short one.
func slowWorld(t *testing.T, opts vamstest.Options) (w *world, heavy, light thread) {
	t.Helper()
	opts.BusBuffer = busBuffer
	e := vamstest.New(t, storetest.Backends(t)[0], opts)
	w = &world{Env: e, vetA: e.Veteran(icnA, "Alex Morgan"), vetB: e.Veteran(icnB, "Blair Chen")}
	w.team = e.CareTeam(w.vetA, vamstest.Team{Name: "Primary Care Team Blue", Preferred: true})
	w.teamB = e.CareTeam(w.vetB, vamstest.Team{Name: "Mental Health Clinic"})
	letters := make([]byte, bigBody) // incompressible, as a real body is to a buffer
	for i := range letters {
		letters[i] = byte('a' + rand.IntN(26))
	}
	heavy, _ = w.send(t, icnA, w.team, "Long history", string(letters))
	light, _ = w.send(t, icnB, w.teamB, "Refill", "Please refill my prescription.")
	return w, heavy, light
}

// stall publishes one event per round to veteran A's thread (and to B's
// thread when other is given), each awaited by the devices that read, until
// the stuck device's subscription has been ended (the bus holds one fewer),
// and as many rounds again after; it returns the round it ended in.
func stall(t *testing.T, w *world, threadA string, phone stream, threadB *string, other stream) int64 {
	t.Helper()
	live := w.Bus.Count()
	var ended int64
	for round := int64(1); ended == 0 || round <= 2*ended; round++ {
		if round > maxRounds {
			t.Fatalf("after %d events the stuck device's subscription is still live: its buffer is unbounded", maxRounds)
		}
		publish(t, w.Bus, events.Event{ChangeID: round, VeteranID: w.vetA, Kind: events.ThreadUpdated, ThreadID: threadA})
		if other != nil {
			publish(t, w.Bus, events.Event{ChangeID: round, VeteranID: w.vetB, Kind: events.ThreadUpdated, ThreadID: *threadB})
		}
		expectEvent(t, phone, "the veteran's other device", inbox.EncodeState(w.vetA, round))
		if other != nil {
			expectEvent(t, other, "another veteran's device", inbox.EncodeState(w.vetB, round))
		}
		if ended == 0 && w.Bus.Count() == live-1 {
			ended = round
		}
	}
	return ended
}

func TestAStuckDeviceIsEndedWithResyncWhileThePublisherAndOtherDevicesCarryOn(t *testing.T) {
	for _, proto := range []string{transportWS, legacyWS, sseProto} {
		t.Run(proto, func(t *testing.T) {
			// The stuck device's writes stay blocked while the rounds run:
			// this test is about the event buffer, so the write bound (the
			// next test's) must not drop it first on a slow machine.
			w, heavy, light := slowWorld(t, vamstest.Options{API: func(c *edge.Config) { c.Realtime.WriteTimeout = time.Hour }})
			stuck, resume := open(t, w.Env, proto, w.Token(icnA), heavySub)
			phone, read := open(t, w.Env, proto, w.Token(icnA), heavySub)
			read()
			other, read := open(t, w.Env, proto, w.Token(icnB), lightSub)
			read()
			waitSubs(t, w.Env, 3)

			ended := stall(t, w, heavy.ID, phone, &light.ID, other)

			// The stuck device reads again: the events it had been sent, in
			// order and fewer than were published, then RESYNC_REQUIRED and
			// the subscription's end.
			resume()
			var got int64
			for {
				p, err := stuck.next(10 * time.Second)
				if err != nil {
					t.Fatalf("stuck device after %d events: %v, want RESYNC_REQUIRED", got, err)
				}
				if strings.Contains(p, "RESYNC_REQUIRED") {
					break
				}
				got++
				if !strings.Contains(p, `"state":"`+inbox.EncodeState(w.vetA, got)+`"`) {
					t.Fatalf("stuck device's event %d: %.120s", got, p)
				}
			}
			if got == 0 || got >= ended {
				t.Fatalf("stuck device received %d events before RESYNC_REQUIRED; its subscription ended at event %d", got, ended)
			}
			if p, err := stuck.next(10 * time.Second); p != "" || err != nil {
				t.Fatalf("after RESYNC_REQUIRED got %.120s, %v; want the subscription's end", p, err)
			}
		})
	}
}

func TestADeviceThatNeverReadsAgainIsDroppedAndFreesItsSlot(t *testing.T) {
	for _, proto := range []string{transportWS, legacyWS, sseProto} {
		t.Run(proto, func(t *testing.T) {
			w, heavy, _ := slowWorld(t, vamstest.Options{API: func(c *edge.Config) {
				c.Realtime.MaxConnsPerVeteran = 2
				// Well under the 10 s wait below, well over a busy
				// machine's pause in a reading client.
				c.Realtime.WriteTimeout = time.Second
			}})
			_, _ = open(t, w.Env, proto, w.Token(icnA), heavySub) // never read
			phone, read := open(t, w.Env, proto, w.Token(icnA), heavySub)
			read()
			waitSubs(t, w.Env, 2)
			stall(t, w, heavy.ID, phone, nil, nil)
			// The stuck connection's slot comes free: a third device
			// connects and receives.
			var fresh stream
			vamstest.Eventually(t, 10*time.Second, "the stuck connection's slot to come free", func() bool {
				fresh = tryOpen(t, w.Env, proto, w.Token(icnA))
				return fresh != nil
			})
			waitSubs(t, w.Env, 2)
			publish(t, w.Bus, events.Event{ChangeID: maxRounds + 1, VeteranID: w.vetA, Kind: events.ThreadUpdated, ThreadID: heavy.ID})
			expectEvent(t, fresh, "a new device", inbox.EncodeState(w.vetA, maxRounds+1))
		})
	}
}

// tryOpen subscribes a new device, or returns nil when the veteran's
// connections are at their cap.
func tryOpen(t *testing.T, e *vamstest.Env, proto, token string) stream {
	t.Helper()
	if proto == sseProto {
		res := postSSE(t, e, token, lightSub)
		if res.StatusCode == http.StatusTooManyRequests {
			return nil
		}
		s, resume := readSSE(t, res)
		resume()
		return s
	}
	d := dial(t, e, proto)
	payload, _ := json.Marshal(map[string]string{"Authorization": "Bearer " + token})
	d.send(wsMsg{Type: "connection_init", Payload: payload})
	if m, err := d.read(5 * time.Second); err != nil || m.Type != "connection_ack" {
		return nil // closed 4429, or connection_error then closed
	}
	d.subscribe("1", lightSub)
	return d
}
