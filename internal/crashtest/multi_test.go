package crashtest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// postgresBackend is the PostgreSQL backend of storetest. Several instances
// share PostgreSQL only (issue 11), so without one the test cannot run; CI
// sets it, and under CI=true its absence fails the test.
func postgresBackend(t *testing.T) storetest.Backend {
	t.Helper()
	for _, b := range storetest.Backends(t) {
		if b.Name == "postgres" {
			return b
		}
	}
	vamstest.MissingTool(t, "several instances share one PostgreSQL: set VAMS_TEST_DATABASE_URL (see .ci/run) to run this test")
	return storetest.Backend{}
}

// gqlError is a GraphQL error with its code.
type gqlError struct {
	Message    string
	Extensions struct{ Code string }
}

// do is query that returns the GraphQL errors instead of failing on them.
func (v *vams) do(q string, vars map[string]any, out any) []gqlError {
	v.t.Helper()
	var resp struct {
		Data   any
		Errors []gqlError
	}
	resp.Data = out
	call(v.t, http.MethodPost, v.url+"/graphql", v.token, map[string]any{"query": q, "variables": vars}, &resp)
	return resp.Errors
}

// subscribers is this instance's live event subscriptions (the
// vams_subscribers gauge).
func (v *vams) subscribers() int {
	v.t.Helper()
	resp, err := http.Get(v.url + "/metrics")
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if n, ok := strings.CutPrefix(sc.Text(), "vams_subscribers "); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				v.t.Fatalf("vams_subscribers %q: %v", n, err)
			}
			return int(f)
		}
	}
	v.t.Fatalf("no vams_subscribers gauge at %s/metrics", v.url)
	return 0
}

// received is one messageReceived event.
type receivedEvent struct {
	State   string
	Message struct{ ID, Body string }
	Thread  struct{ ID, Subject string }
}

// stream is a messageReceived subscription held over SSE (graphql-sse),
// with the events it delivered so far.
type stream struct {
	mu     sync.Mutex
	events []receivedEvent
	err    error
}

func (s *stream) received() ([]receivedEvent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]receivedEvent(nil), s.events...), s.err
}

// subscribe opens the subscription and waits until this instance counts
// it, so an event committed afterwards is one it must deliver.
func (v *vams) subscribe() *stream {
	v.t.Helper()
	before := v.subscribers()
	body, _ := json.Marshal(map[string]any{"query": `subscription { messageReceived { state message { id body } thread { id subject } } }`})
	ctx, cancel := context.WithCancel(context.Background())
	v.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, v.url+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+v.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		v.t.Fatalf("subscribe at %s: %s %s", v.url, resp.Status, data)
	}
	s := &stream{}
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data:")
			if !ok {
				continue
			}
			var ev struct {
				Data struct {
					MessageReceived *receivedEvent
				}
				Errors []gqlError
			}
			err := json.Unmarshal([]byte(strings.TrimSpace(data)), &ev)
			s.mu.Lock()
			switch {
			case err != nil:
				s.err = fmt.Errorf("event %q: %w", data, err)
			case len(ev.Errors) > 0:
				s.err = fmt.Errorf("subscription errors: %+v", ev.Errors)
			case ev.Data.MessageReceived != nil:
				s.events = append(s.events, *ev.Data.MessageReceived)
			}
			s.mu.Unlock()
		}
	}()
	vamstest.Eventually(v.t, 30*time.Second, "the subscription at "+v.url, func() bool { return v.subscribers() > before })
	return s
}

// Two VAMS processes on one PostgreSQL database, with the simulators in
// their own processes, each ignoring idempotency keys and notification
// references (so work done twice shows twice). OH pushes its Atom
// publications to A only, and either instance's worker may take the intake
// job: a subscriber on each instance receives the clinician's message
// exactly once, so the event crossed instances whichever committed it; the
// veteran is notified once; the send limit (burst 3) counts sends made
// through either instance, and each accepted send reaches its provider
// once.
func TestTwoInstancesOnOnePostgreSQLShareEventsWorkAndTheSendLimit(t *testing.T) {
	pg := postgresBackend(t)
	bins := buildCommands(t, "mhvsim", "notifysim", "ohsim")
	dir, dbURL := t.TempDir(), pg.DatabaseURL(t)
	const secret = "multi-instance-publication-secret"
	urls := map[string]string{}
	var addrA string
	for _, bin := range bins { // ohsim last: it needs A's address
		name := filepath.Base(bin)
		args := []string{"-addr", "127.0.0.1:0", "-state", filepath.Join(dir, name+".json"), "-history=false"}
		if name == "ohsim" {
			addrs := freeAddrs(t, 2)
			addrA, args[1] = addrs[0], addrs[1]
			args = append(args, "-publication-url", "http://"+addrA+"/intake/oh/atom", "-publication-secret", secret)
		}
		urls[name] = start(t, name, nil, bin, args...).listeningURL(t)
		call(t, http.MethodPost, urls[name]+"control/faults", "", map[string]any{"ignoreIdempotencyKey": true}, nil)
	}
	// One data directory: the instances share the demo's token issuer and
	// audit key as production instances share their configuration.
	env := func(addr string) []string {
		return []string{childEnv + "=1", "VAMS_MODE=demo", "VAMS_ADDR=" + addr, "VAMS_PUBLIC_URL=http://" + addr,
			"VAMS_DATA_DIR=" + dir, "DATABASE_URL=" + dbURL, "VAMS_RECONCILE_INTERVAL=1h",
			"VAMS_MHV_BASE_URL=" + urls["mhvsim"], "VAMS_OH_BASE_URL=" + urls["ohsim"], "VAMS_NOTIFY_BASE_URL=" + urls["notifysim"],
			"VAMS_OH_PUBLICATION_SECRET=" + secret, "VAMS_SEND_LIMIT_BURST=3", "VAMS_SEND_LIMIT_PER_HOUR=0.001"}
	}
	a := startVAMS(t, addrA, env(addrA)) // first: it applies the migrations
	addrB := freeAddr(t)
	b := startVAMS(t, addrB, env(addrB))
	teams := a.teams()

	t.Run("a clinician's message reaches subscribers on both instances once", func(t *testing.T) {
		streams := map[string]*stream{"A": a.subscribe(), "B": b.subscribe()}
		const body = "Your lab result is in; see you Tuesday."
		call(t, http.MethodPost, urls["ohsim"]+"control/clinician-messages", "", map[string]any{"icn": demo.Veteran1ICN,
			"careTeam": "300100", "subject": "Lab result", "body": body}, nil)
		for name, s := range streams {
			vamstest.Eventually(t, 30*time.Second, "the event at instance "+name, func() bool {
				evs, err := s.received()
				if err != nil {
					t.Fatalf("instance %s: %v", name, err)
				}
				return len(evs) > 0
			})
		}
		vamstest.Eventually(t, 30*time.Second, "the notification", func() bool { return len(received(t, urls["notifysim"]).Notifications) > 0 })
		time.Sleep(time.Second) // a second event or notification, if any, would be here by now
		for name, s := range streams {
			evs, _ := s.received()
			if len(evs) != 1 || evs[0].Message.Body != body || evs[0].Thread.Subject != "Lab result" {
				t.Errorf("instance %s's subscriber received %+v, want the one message", name, evs)
			}
		}
		if got := received(t, urls["notifysim"]); len(got.Notifications) != 1 {
			t.Errorf("the notification service received %+v, want one notification", got)
		}
	})

	t.Run("the send limit counts sends through either instance", func(t *testing.T) {
		send := func(v *vams, team, subject string) (threadID string, errs []gqlError) {
			var out struct {
				SendMessage struct{ Thread struct{ ID string } }
			}
			errs = v.do(`mutation($in: SendMessageInput!) { sendMessage(input: $in) { thread { id } } }`,
				map[string]any{"in": map[string]any{"careTeamId": teams[team], "category": "OTHER", "subject": subject, "body": "Question about " + subject}}, &out)
			return out.SendMessage.Thread.ID, errs
		}
		sent := []struct {
			v          *vams
			team, sim  string
			subj, thID string
		}{
			{v: a, team: mhvTeam, sim: "mhvsim", subj: "Refill one"},
			{v: b, team: ohTeam, sim: "ohsim", subj: "Refill two"},
			{v: a, team: ohTeam, sim: "ohsim", subj: "Refill three"},
		}
		for i := range sent {
			th, errs := send(sent[i].v, sent[i].team, sent[i].subj)
			if len(errs) > 0 {
				t.Fatalf("send %d, within the burst: %+v", i+1, errs)
			}
			sent[i].thID = th
		}
		for _, over := range []struct {
			name string
			v    *vams
		}{{"B", b}, {"A", a}} {
			if _, errs := send(over.v, mhvTeam, "Over the limit at "+over.name); len(errs) != 1 || errs[0].Extensions.Code != "RATE_LIMITED" {
				t.Errorf("send past the burst at instance %s: %+v, want RATE_LIMITED", over.name, errs)
			}
		}
		for _, s := range sent {
			vamstest.Eventually(t, 30*time.Second, s.subj+" delivered", func() bool {
				st := s.v.thread(s.thID)
				return len(st) == 1 && st[0] == "DELIVERED"
			})
		}
		time.Sleep(time.Second) // a second delivery, if any, would be done by now
		for _, s := range sent {
			if n := copies(t, urls[s.sim], s.subj); n != 1 {
				t.Errorf("%s holds %d copies of %q, want exactly 1", s.sim, n, s.subj)
			}
		}
		for _, over := range []string{"A", "B"} {
			for _, sim := range []string{"mhvsim", "ohsim"} {
				if n := copies(t, urls[sim], "Over the limit at "+over); n != 0 {
					t.Errorf("%s holds %d copies of the refused send at %s", sim, n, over)
				}
			}
		}
	})
}
