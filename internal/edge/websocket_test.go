package edge_test

import (
	"context"
	"encoding/json"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// rawDial opens a graphql-transport-ws connection with a client that runs
// no goroutine of its own, so the server's goroutines can be counted.
func rawDial(t *testing.T, e *vamstest.Env) net.Conn {
	t.Helper()
	d := ws.Dialer{Protocols: []string{transportWS}, Timeout: 5 * time.Second}
	c, _, _, err := d.Dial(context.Background(), "ws"+strings.TrimPrefix(e.Server.URL, "http")+"/graphql")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func rawSend(t *testing.T, c net.Conn, m wsMsg) {
	t.Helper()
	b, _ := json.Marshal(m)
	if err := wsutil.WriteClientText(c, b); err != nil {
		t.Fatal(err)
	}
}

func rawRead(t *testing.T, c net.Conn) wsMsg {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := wsutil.ReadServerText(c)
	if err != nil {
		t.Fatal(err)
	}
	var m wsMsg
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestAnIdleSubscriberHoldsOneGoroutineOnTheServer(t *testing.T) {
	const n = 30
	e := vamstest.New(t, storetest.Backends(t)[0], vamstest.Options{API: func(c *edge.Config) {
		c.Realtime.MaxConnsPerVeteran = n
	}})
	e.Veteran(icnA, "Alex Morgan")
	e.Veteran(icnB, "Blair Chen")
	subscribe := func(icn string) {
		c := rawDial(t, e)
		payload, _ := json.Marshal(map[string]string{"Authorization": "Bearer " + e.Token(icn)})
		rawSend(t, c, wsMsg{Type: "connection_init", Payload: payload})
		if m := rawRead(t, c); m.Type != "connection_ack" {
			t.Fatalf("connection_init answered %s %s", m.Type, m.Payload)
		}
		p, _ := json.Marshal(map[string]string{"query": messageSub})
		rawSend(t, c, wsMsg{ID: "1", Type: "subscribe", Payload: p})
	}
	settled := func(subs int) int {
		waitSubs(t, e, subs)
		// What a message started (init, subscribe) ends just after it:
		// wait for the count to hold still.
		g := runtime.NumGoroutine()
		for range 100 {
			time.Sleep(20 * time.Millisecond)
			if now := runtime.NumGoroutine(); now == g {
				break
			} else {
				g = now
			}
		}
		return g
	}
	subscribe(icnB) // what every connection shares is in the baseline
	before := settled(1)
	for i := range n {
		subscribe([]string{icnA, icnB}[i%2])
	}
	after := settled(n + 1)
	// One reader per connection; the event worker, keep-alive, init
	// timeout and token expiry hold none while idle.
	if per := float64(after-before) / n; per > 1.1 {
		t.Fatalf("%d idle subscribers added %d goroutines (%.2f each), want at most one each", n, after-before, per)
	}
}

func TestProtocolViolationsCloseWithTheirCodes(t *testing.T) {
	e := vamstest.New(t, storetest.Backends(t)[0], vamstest.Options{API: func(c *edge.Config) {
		c.Realtime.InitTimeout = 300 * time.Millisecond
	}})
	e.Veteran(icnA, "Alex Morgan")
	initMsg := wsMsg{Type: "connection_init", Payload: []byte(`{"Authorization":"Bearer ` + e.Token(icnA) + `"}`)}
	sub := func(id string) wsMsg {
		p, _ := json.Marshal(map[string]string{"query": messageSub})
		return wsMsg{ID: id, Type: "subscribe", Payload: p}
	}
	for _, tc := range []struct {
		name string
		send []wsMsg
		raw  string
		want int
	}{
		{name: "no connection_init in time", want: 4408},
		{name: "a second connection_init", send: []wsMsg{initMsg, initMsg}, want: 4429},
		{name: "subscribe before connection_init", send: []wsMsg{sub("1")}, want: edge.CloseUnauthorized},
		{name: "two operations with one id", send: []wsMsg{initMsg, sub("1"), sub("1")}, want: 4409},
		{name: "an unknown message type", send: []wsMsg{initMsg, {Type: "start"}}, want: 4400},
		{name: "a message that is not JSON", raw: "{not json", want: 4400},
		{name: "a message over 1 MiB", raw: `{"type":"ping","payload":"` + strings.Repeat("x", 1<<20) + `"}`, want: 1009},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := dial(t, e, transportWS)
			d.c.SetReadLimit(1 << 22)
			for _, m := range tc.send {
				d.send(m)
			}
			if tc.raw != "" {
				if err := d.c.Write(context.Background(), websocket.MessageText, []byte(tc.raw)); err != nil {
					t.Fatal(err)
				}
			}
			for {
				m, err := d.read(5 * time.Second)
				if err != nil {
					if got := int(closeCode(err)); got != tc.want {
						t.Fatalf("closed with %d (%v), want %d", got, err, tc.want)
					}
					return
				}
				if m.Type != "connection_ack" {
					t.Fatalf("got %s %s before the close", m.Type, m.Payload)
				}
			}
		})
	}
}

func TestOverTheSocketQueriesAnswerAndPingsArePonged(t *testing.T) {
	w := setup(t, storetest.Backends(t)[0])
	d := dial(t, w.Env, transportWS)
	d.connect(w.Token(icnA))
	d.send(wsMsg{Type: "ping", Payload: []byte(`{"n":1}`)})
	// A query whose message arrives in several frames (over 4 KB).
	p, _ := json.Marshal(map[string]string{"query": "{ viewer { unreadCount } }" + strings.Repeat(" ", 10_000)})
	d.send(wsMsg{ID: "q", Type: "subscribe", Payload: p})
	var got []string
	for len(got) < 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var m wsMsg
		err := wsjsonRead(ctx, d, &m)
		cancel()
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, m.Type+" "+string(m.Payload))
	}
	if got[0] != `pong {"n":1}` || !strings.HasPrefix(got[1], `next {"data":{"viewer":{"unreadCount":`) || got[2] != "complete " {
		t.Fatalf("got %q", got)
	}
}

func TestAClientThatAnswersNoPingIsDropped(t *testing.T) {
	e := vamstest.New(t, storetest.Backends(t)[0], vamstest.Options{API: func(c *edge.Config) {
		c.Realtime.KeepAlive = 50 * time.Millisecond
	}})
	e.Veteran(icnA, "Alex Morgan")
	legacy := dial(t, e, legacyWS)
	legacy.connect(e.Token(icnA))
	silent := dial(t, e, transportWS)
	silent.connect(e.Token(icnA))
	pings := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var m wsMsg
		err := wsjsonRead(ctx, silent, &m)
		cancel()
		if err != nil {
			if pings < 2 {
				t.Fatalf("dropped after %d pings: %v", pings, err)
			}
			break
		}
		if m.Type == "ping" {
			pings++
		}
	}
	// The legacy client is sent "ka" and need not answer.
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var m wsMsg
		err := wsjsonRead(ctx, legacy, &m)
		cancel()
		if err != nil || m.Type != "ka" {
			t.Fatalf("legacy client got %+v, %v; want keep-alives", m, err)
		}
	}
}

// wsjsonRead reads d's next message, keep-alives included.
func wsjsonRead(ctx context.Context, d *device, m *wsMsg) error { return wsjson.Read(ctx, d.c, m) }
