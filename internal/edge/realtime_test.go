package edge_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

const (
	transportWS = "graphql-transport-ws"
	legacyWS    = "graphql-ws"
	messageSub  = `subscription { messageReceived { state message { id body author { kind } } thread { id subject } } }`
)

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

type device struct {
	t     *testing.T
	c     *websocket.Conn
	proto string
}

func dial(t *testing.T, e *vamstest.Env, proto string) *device {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(e.Server.URL, "http") + "/graphql"
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{proto}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return &device{t: t, c: c, proto: proto}
}

func (d *device) send(m wsMsg) {
	d.t.Helper()
	if err := wsjson.Write(context.Background(), d.c, m); err != nil {
		d.t.Fatal(err)
	}
}

// read returns the next message other than keep-alives, or an error (a
// close, or a timeout after wait).
func (d *device) read(wait time.Duration) (wsMsg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		var m wsMsg
		if err := wsjson.Read(ctx, d.c, &m); err != nil {
			return m, err
		}
		if m.Type != "ka" && m.Type != "ping" && m.Type != "pong" {
			return m, nil
		}
	}
}

func (d *device) init(token string) wsMsg {
	d.t.Helper()
	payload, _ := json.Marshal(map[string]string{"Authorization": "Bearer " + token})
	if token == "" {
		payload = []byte(`{}`)
	}
	d.send(wsMsg{Type: "connection_init", Payload: payload})
	m, err := d.read(5 * time.Second)
	if err != nil {
		d.t.Fatalf("after connection_init: %v", err)
	}
	return m
}

func (d *device) subscribe(id, query string) {
	d.t.Helper()
	typ := "subscribe"
	if d.proto == legacyWS {
		typ = "start"
	}
	p, _ := json.Marshal(map[string]string{"query": query})
	d.send(wsMsg{ID: id, Type: typ, Payload: p})
}

func (d *device) connect(token string) {
	d.t.Helper()
	if m := d.init(token); m.Type != "connection_ack" {
		d.t.Fatalf("connection_init answered %s %s", m.Type, m.Payload)
	}
}

func closeCode(err error) websocket.StatusCode { return websocket.CloseStatus(err) }

func waitSubs(t *testing.T, e *vamstest.Env, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); e.Bus.Count() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscriptions live, want %d", e.Bus.Count(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type eventPayload struct {
	Data struct {
		MessageReceived *struct {
			State   string
			Message struct {
				ID     string
				Author struct{ Kind string }
			}
			Thread struct {
				ID          string
				UnreadCount int
			}
		}
	}
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

func nextEvent(t *testing.T, d *device) eventPayload {
	t.Helper()
	m, err := d.read(5 * time.Second)
	if err != nil {
		t.Fatalf("waiting for an event: %v", err)
	}
	if m.Type != "next" && m.Type != "data" {
		t.Fatalf("got %s %s, want an event", m.Type, m.Payload)
	}
	var p eventPayload
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBothDevicesOfAVeteranReceiveACliniciansMessageAndOthersNothing(t *testing.T) {
	for _, proto := range []string{transportWS, legacyWS} {
		t.Run(proto, func(t *testing.T) {
			w := setup(t, storetest.Backends(t)[0])
			phone, tablet, other := dial(t, w.Env, proto), dial(t, w.Env, proto), dial(t, w.Env, proto)
			for _, d := range []*device{phone, tablet} {
				d.connect(w.Token(icnA))
				d.subscribe("1", messageSub)
			}
			other.connect(w.Token(icnB))
			other.subscribe("1", messageSub)
			waitSubs(t, w.Env, 3)

			w.ClinicianWrites(w.vetA, w.team, "Lab results", "Your results are normal.", "", w.Now())
			for _, d := range []*device{phone, tablet} {
				p := nextEvent(t, d)
				mr := p.Data.MessageReceived
				if mr == nil || mr.Message.Author.Kind != "CLINICIAN" || mr.Thread.ID == "" || mr.State == "" || mr.State == "0" {
					t.Fatalf("event %+v", p)
				}
			}
			if m, err := other.read(300 * time.Millisecond); err == nil {
				t.Fatalf("another veteran's device received %s %s", m.Type, m.Payload)
			}
		})
	}
}

func TestNoTokenIsClosed4401(t *testing.T) {
	w := setup(t, storetest.Backends(t)[0])
	d := dial(t, w.Env, transportWS)
	d.send(wsMsg{Type: "connection_init", Payload: []byte(`{}`)})
	if _, err := d.read(5 * time.Second); closeCode(err) != edge.CloseUnauthorized {
		t.Fatalf("got %v, want close %d", err, edge.CloseUnauthorized)
	}

	legacy := dial(t, w.Env, legacyWS)
	if m := legacy.init("not-a-token"); m.Type != "connection_error" {
		t.Fatalf("legacy got %s, want connection_error", m.Type)
	}
	if _, err := legacy.read(5 * time.Second); err == nil {
		t.Fatal("legacy connection stayed open")
	}
}

func TestConnectionIsClosed4401WhenTheTokenExpires(t *testing.T) {
	expire := make(chan func(), 1)
	e := vamstest.New(t, storetest.Backends(t)[0], vamstest.Options{API: func(c *edge.Config) {
		c.Realtime.AfterFunc = func(_ time.Duration, f func()) func() bool { expire <- f; return func() bool { return true } }
	}})
	e.Veteran(icnA, "Alex Morgan")
	d := dial(t, e, transportWS)
	d.connect(e.Token(icnA))
	d.subscribe("1", messageSub)
	waitSubs(t, e, 1)
	(<-expire)() // the token's expiry arrives
	if _, err := d.read(5 * time.Second); closeCode(err) != edge.CloseUnauthorized {
		t.Fatalf("got %v, want close %d", err, edge.CloseUnauthorized)
	}
}

func TestSubscriptionsPerConnectionAreCapped(t *testing.T) {
	e := vamstest.New(t, storetest.Backends(t)[0], vamstest.Options{API: func(c *edge.Config) {
		c.Realtime.MaxSubscriptionsPerConn = 2
	}})
	e.Veteran(icnA, "Alex Morgan")
	d := dial(t, e, transportWS)
	d.connect(e.Token(icnA))
	d.subscribe("1", messageSub)
	d.subscribe("2", messageSub)
	waitSubs(t, e, 2)
	d.subscribe("3", messageSub)
	m, err := d.read(5 * time.Second)
	if err != nil || m.ID != "3" || !strings.Contains(string(m.Payload), "TOO_MANY_SUBSCRIPTIONS") {
		t.Fatalf("third subscription got %+v %s, %v", m, m.Payload, err)
	}
}

func TestRolledBackWritePublishesNothing(t *testing.T) {
	w := setup(t, storetest.Backends(t)[0])
	d := dial(t, w.Env, transportWS)
	d.connect(w.Token(icnA))
	d.subscribe("1", `subscription { threadUpdated { state threadId } }`)
	waitSubs(t, w.Env, 1)
	err := w.Store.InTx(w.System(), func(tx *store.Tx) error {
		tx.OnCommit(func() {
			w.Bus.Publish(events.Event{ChangeID: 1, VeteranID: w.vetA, Kind: events.ThreadUpdated, ThreadID: "rolled-back"})
		})
		return errors.New("abort")
	})
	if err == nil {
		t.Fatal("transaction committed")
	}
	if m, err := d.read(300 * time.Millisecond); err == nil {
		t.Fatalf("rolled-back write delivered %s %s", m.Type, m.Payload)
	}
}

func TestSSEDeliversTheViewersEvents(t *testing.T) {
	w := setup(t, storetest.Backends(t)[0])
	await := sseAwait(t, w, messageSub)
	waitSubs(t, w.Env, 1)
	w.ClinicianWrites(w.vetA, w.team, "Lab results", "Your results are normal.", "", w.Now())
	await("CLINICIAN")
}

func TestConnectionsPerVeteranAreCappedAndOriginsChecked(t *testing.T) {
	e := vamstest.New(t, storetest.Backends(t)[0], vamstest.Options{API: func(c *edge.Config) {
		c.Realtime.MaxConnsPerVeteran = 1
		c.AllowedOrigins = []string{"https://app.example.va.gov"}
	}})
	e.Veteran(icnA, "Alex Morgan")
	first := dial(t, e, transportWS)
	first.connect(e.Token(icnA))
	second := dial(t, e, transportWS)
	second.send(wsMsg{Type: "connection_init", Payload: []byte(`{"Authorization":"Bearer ` + e.Token(icnA) + `"}`)})
	if _, err := second.read(5 * time.Second); closeCode(err) != edge.CloseTooManyConns {
		t.Fatalf("second connection got %v, want close %d", err, edge.CloseTooManyConns)
	}

	url := "ws" + strings.TrimPrefix(e.Server.URL, "http") + "/graphql"
	self := e.Server.URL // a page this server served (the playground)
	foreignPort := "http://" + strings.Split(strings.TrimPrefix(self, "http://"), ":")[0] + ":1"
	for origin, ok := range map[string]bool{"https://evil.example": false, "https://app.example.va.gov": true,
		self: true, foreignPort: false, "null": false} {
		c, res, err := websocket.Dial(context.Background(), url, &websocket.DialOptions{
			Subprotocols: []string{transportWS}, HTTPHeader: http.Header{"Origin": {origin}}})
		if (err == nil) != ok {
			t.Fatalf("origin %s: dial err %v (status %v), want allowed=%v", origin, err, res, ok)
		}
		if c != nil {
			c.CloseNow()
		}
	}
}

// The deliveries of one messageReceived event to a veteran's devices read
// its message once and its thread once between them: the message field
// resolves to the message the filter read, and the second device takes what
// the first read. A later event reads afresh and shows what changed since.
func TestDeliveriesOfOneEventReadItsMessageAndThreadOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		w.ClinicianWrites(w.vetA, w.team, "Lab results", "Your results are normal.", "", w.Now())
		m, err := w.Store.Client.Message.Query().Only(w.System())
		if err != nil {
			t.Fatal(err)
		}
		devices := []*device{dial(t, w.Env, transportWS), dial(t, w.Env, legacyWS)}
		for _, d := range devices {
			d.connect(w.Token(icnA))
			d.subscribe("1", `subscription { messageReceived { state message { id author { kind } } thread { id subject unreadCount } } }`)
		}
		waitSubs(t, w.Env, len(devices))
		tests := []struct {
			name       string
			before     func()
			wantUnread int
		}{
			{"the first event", func() {}, 1},
			{"a later event, after the thread was read", func() {
				w.MustDo(icnA, `mutation($t: ID!) { markThreadRead(input: {threadId: $t}) { thread { id } } }`,
					map[string]any{"t": m.ThreadID}, &struct{}{})
			}, 0},
		}
		for i, tc := range tests {
			tc.before()
			w.Counter.Reset()
			w.Bus.Publish(events.Event{ChangeID: int64(100 + i), VeteranID: w.vetA, Kind: events.MessageAdded, ThreadID: m.ThreadID, MessageID: m.ID})
			for _, d := range devices {
				mr := nextEvent(t, d).Data.MessageReceived
				if mr == nil || mr.Message.ID != m.ID || mr.Thread.ID != m.ThreadID {
					t.Fatalf("%s: event %+v", tc.name, mr)
				}
				if mr.Thread.UnreadCount != tc.wantUnread {
					t.Errorf("%s: thread shows %d unread, want %d", tc.name, mr.Thread.UnreadCount, tc.wantUnread)
				}
			}
			if n := w.Counter.Count(); n != 2 {
				t.Errorf("%s: the deliveries ran %d statements, want 2 (its message, its thread)", tc.name, n)
			}
		}
	})
}

// Deliveries read on a pool of their own: an event reaches its subscriber
// (WebSocket and SSE) while every connection of the main pool is held by a
// transaction in flight, as under a burst of ingests, instead of waiting.
func TestADeliveryDoesNotWaitBehindTransactionsInFlight(t *testing.T) {
	var pg storetest.Backend
	for _, b := range storetest.Backends(t) {
		if b.Name == "postgres" {
			pg = b
		}
	}
	if pg.Name == "" {
		t.Skip("SQLite has one connection and one pool: set VAMS_TEST_DATABASE_URL")
	}
	const sub = `subscription { messageReceived { state message { id author { kind } } thread { id subject } } }`
	// Each transport subscribes and returns what waits for the event.
	transports := map[string]func(t *testing.T, w *world) (await func(id string)){
		transportWS: func(t *testing.T, w *world) func(string) { return wsAwait(t, w, transportWS, sub) },
		legacyWS:    func(t *testing.T, w *world) func(string) { return wsAwait(t, w, legacyWS, sub) },
		"sse":       func(t *testing.T, w *world) func(string) { return sseAwait(t, w, sub) },
	}
	for name, subscribe := range transports {
		t.Run(name, func(t *testing.T) {
			w := setup(t, pg)
			w.ClinicianWrites(w.vetA, w.team, "Lab results", "Your results are normal.", "", w.Now())
			m, err := w.Store.Client.Message.Query().Only(w.System())
			if err != nil {
				t.Fatal(err)
			}
			await := subscribe(t, w)
			waitSubs(t, w.Env, 1)
			for range w.Store.DB.Stats().MaxOpenConnections {
				tx, err := w.Store.DB.BeginTx(context.Background(), nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { tx.Rollback() })
			}
			w.Bus.Publish(events.Event{ChangeID: 1, VeteranID: w.vetA, Kind: events.MessageAdded, ThreadID: m.ThreadID, MessageID: m.ID})
			await(m.ID)
		})
	}
}

func wsAwait(t *testing.T, w *world, proto, sub string) func(string) {
	d := dial(t, w.Env, proto)
	d.connect(w.Token(icnA))
	d.subscribe("1", sub)
	return func(id string) {
		if mr := nextEvent(t, d).Data.MessageReceived; mr == nil || mr.Message.ID != id {
			t.Fatalf("event %+v", mr)
		}
	}
}

// sseAwait subscribes over SSE and returns what waits for an event whose
// data holds want.
func sseAwait(t *testing.T, w *world, sub string) func(want string) {
	res := postSSE(t, w.Env, w.Token(icnA), sub)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		for sc := bufio.NewScanner(res.Body); sc.Scan(); {
			lines <- sc.Text()
		}
	}()
	return func(want string) {
		timeout := time.After(5 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("stream ended before the event")
				}
				if data, ok := strings.CutPrefix(l, "data: "); ok && strings.Contains(data, want) {
					return
				}
			case <-timeout:
				t.Fatal("no event over SSE")
			}
		}
	}
}
