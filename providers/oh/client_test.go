package oh_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh"
	"github.com/va/vams/providers/oh/ohsim"
)

const (
	icn       = "1012845331V153043"
	pid       = "7929590"
	poolPC    = "15730568"
	poolRX    = "15726730"
	authority = "va"
)

var secret = []byte("publication-secret")

// publications records signed Atom pushes, verifying each.
type publications struct {
	mu       sync.Mutex
	entries  []oh.AtomEntry
	bad      []error
	failNext atomic.Int32 // answer 500 to this many requests first
	requests atomic.Int32
}

func (p *publications) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	if p.failNext.Add(-1) >= 0 {
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	body, _ := io.ReadAll(r.Body)
	if err := oh.VerifyPublication(secret, r.Header.Get(oh.SignatureHeader), body, time.Now(), time.Minute); err != nil {
		p.mu.Lock()
		p.bad = append(p.bad, err)
		p.mu.Unlock()
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	es, err := oh.ParseAtom(bytes.NewReader(body))
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.bad = append(p.bad, err)
		http.Error(w, "bad feed", http.StatusBadRequest)
		return
	}
	p.entries = append(p.entries, es...)
	w.WriteHeader(http.StatusAccepted)
}

func (p *publications) got() []oh.AtomEntry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]oh.AtomEntry(nil), p.entries...)
}

type env struct {
	sim   *ohsim.Simulator
	srv   *httptest.Server
	c     *oh.Client
	vet   providers.Veteran
	pub   *publications
	calls sync.Map // "METHOD kind" → *atomic.Int32
	// before runs ahead of each simulator request (to inject races).
	before atomic.Pointer[func(*http.Request)]
}

func (e *env) count(key string) int {
	v, ok := e.calls.Load(key)
	if !ok {
		return 0
	}
	return int(v.(*atomic.Int32).Load())
}

type opt func(*ohsim.Config, *oh.Config)

func newEnv(t *testing.T, opts ...opt) *env {
	t.Helper()
	e := &env{pub: &publications{}}
	pubSrv := httptest.NewServer(e.pub)
	t.Cleanup(pubSrv.Close)
	scfg := ohsim.Config{
		Authority: authority,
		Patients:  []ohsim.Patient{{ICN: icn, PatientID: pid, Name: "Test Veteran"}},
		Pools: []ohsim.Pool{
			{ID: poolPC, Name: "DAY PC POOL", ExternalNames: []string{"Primary Care - Dayton", "Dayton Primary Care Team"},
				StationNumber: "552", FacilityName: "Dayton VA Medical Center", HealthCareSystem: "Dayton VA Health Care System"},
			{ID: poolRX, Name: "DAY RX POOL", ExternalNames: []string{"Pharmacy - Dayton"}, StationNumber: "552", BlockedFor: []string{icn}},
		},
		PublicationURL:    pubSrv.URL + "/oh/publications",
		PublicationSecret: secret,
		Seed:              1,
		RetryBase:         2 * time.Millisecond,
	}
	ccfg := oh.Config{Authority: authority, Credentials: oh.BearerToken("token")}
	for _, o := range opts {
		o(&scfg, &ccfg)
	}
	e.sim = ohsim.New(scfg)
	t.Cleanup(e.sim.Close)
	// Mounted exactly as VAMS mounts it.
	mux := http.NewServeMux()
	mux.Handle("/sim/oh/", http.StripPrefix("/sim/oh", e.sim))
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.URL.Path, "/control/") {
			kind := "list"
			switch {
			case r.Method == http.MethodPut:
				kind = "status"
			case strings.Contains(r.URL.Path, "/pools"):
				kind = "pools"
			case strings.Contains(r.URL.Path, "/Practitioner/"):
				kind = "practitioner"
			case strings.Count(r.URL.Path, "/messages/") == 1:
				kind = "byid"
			}
			v, _ := e.calls.LoadOrStore(r.Method+" "+kind, new(atomic.Int32))
			v.(*atomic.Int32).Add(1)
			if r.Header.Get("Authorization") != "Bearer token" {
				http.Error(w, "no token", http.StatusUnauthorized)
				return
			}
			if f := e.before.Load(); f != nil {
				(*f)(r)
			}
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	ccfg.BaseURL = e.srv.URL + "/sim/oh"
	c, err := oh.New(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	e.vet = providers.Veteran{ICN: icn, OHPatientID: pid, OHAuthority: authority}
	return e
}

// control calls the simulator's control API over HTTP.
func (e *env) control(t *testing.T, method, path string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+"/sim/oh"+path, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func (e *env) clinician(t *testing.T, m map[string]string) string {
	t.Helper()
	var out struct{ ID string }
	if code := e.control(t, http.MethodPost, "/control/clinician-messages", m, &out); code != http.StatusCreated {
		t.Fatalf("clinician message: %d", code)
	}
	return out.ID
}

func (e *env) messages(t *testing.T) []ohsim.ControlMessage {
	t.Helper()
	var out []ohsim.ControlMessage
	e.control(t, http.MethodGet, "/control/messages?icn="+icn, nil, &out)
	return out
}

func (e *env) send(t *testing.T, m providers.OutboundMessage) providers.Receipt {
	t.Helper()
	m.Veteran = e.vet
	r, err := e.c.Send(context.Background(), m)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	return r
}

func wantKind(t *testing.T, err, kind error) *providers.Error {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) || !errors.Is(err, kind) {
		t.Fatalf("err = %v, want *providers.Error of kind %v", err, kind)
	}
	if pe.Reason == "" {
		t.Errorf("empty Reason")
	}
	return pe
}

func TestKindAndInterface(t *testing.T) {
	var p providers.Provider = newEnv(t).c
	if p.Kind() != providerkind.OH {
		t.Errorf("Kind = %v", p.Kind())
	}
}

func TestSendReplyAndThread(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r1 := e.send(t, providers.OutboundMessage{CareTeamExternalID: poolPC, Subject: "Refill “question”", Body: "Can I refill\u2011early? 👍", IdempotencyKey: "k1"})
	if !strings.HasSuffix(r1.ExternalID, ".0.-4.prsnl") || r1.ThreadExternalID != r1.ExternalID || r1.SentAt.IsZero() {
		t.Fatalf("receipt = %+v", r1)
	}
	c1 := e.clinician(t, map[string]string{"icn": icn, "inReplyTo": r1.ExternalID, "body": "Yes – you can."})
	// A reply with neither subject nor care team takes both from its parent.
	r2 := e.send(t, providers.OutboundMessage{InReplyToExternalID: c1, Body: "Thanks", IdempotencyKey: "k2"})
	if r2.ThreadExternalID != r1.ExternalID {
		t.Errorf("reply thread = %q, want %q", r2.ThreadExternalID, r1.ExternalID)
	}
	other := e.send(t, providers.OutboundMessage{CareTeamExternalID: poolPC, Subject: "Other", Body: "x", IdempotencyKey: "k3"})

	got, err := e.c.GetMessage(ctx, e.vet, r2.ExternalID)
	if err != nil {
		t.Fatal(err)
	}
	if got.InReplyToExternalID != c1 || got.ThreadExternalID != r1.ExternalID || got.CareTeamExternalID != poolPC ||
		got.Subject != "RE: Refill “question”" || got.Body != "Thanks" || got.Direction != providers.ToClinician || !got.BodyIncluded {
		t.Errorf("reply = %+v", got)
	}
	first, err := e.c.GetMessage(ctx, e.vet, r1.ExternalID)
	if err != nil {
		t.Fatal(err)
	}
	if first.Body != "Can I refill-early? ?" || first.Subject != "Refill “question”" {
		t.Errorf("stored text not normalized: %q / %q", first.Subject, first.Body)
	}
	cm, err := e.c.GetMessage(ctx, e.vet, c1)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Direction != providers.ToVeteran || cm.Body != "Yes – you can." || cm.Status != providers.StatusUnread || cm.InReplyToExternalID != r1.ExternalID {
		t.Errorf("clinician message = %+v", cm)
	}

	for _, start := range []string{r1.ExternalID, c1, r2.ExternalID} {
		thread, err := e.c.GetThread(ctx, e.vet, start)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range thread {
			ids = append(ids, m.ExternalID)
		}
		if strings.Join(ids, ",") != strings.Join([]string{r1.ExternalID, c1, r2.ExternalID}, ",") {
			t.Errorf("GetThread(%s) = %v", start, ids)
		}
	}
	thread, err := e.c.GetThread(ctx, e.vet, other.ExternalID)
	if err != nil || len(thread) != 1 {
		t.Errorf("unrelated thread = %v, %v", thread, err)
	}

	cms := e.messages(t)
	if len(cms) != 4 || cms[1].Direction != "TO_VETERAN" || cms[1].InReplyTo != r1.ExternalID || cms[2].InReplyTo != c1 || cms[0].Direction != "TO_CLINICIAN" {
		t.Errorf("control messages = %+v", cms)
	}
}

func TestPersonnelReceiver(t *testing.T) {
	e := newEnv(t)
	r := e.send(t, providers.OutboundMessage{CareTeamExternalID: oh.PersonnelPrefix + "12093978", Subject: "Hi", Body: "b"})
	m, err := e.c.GetMessage(context.Background(), e.vet, r.ExternalID)
	if err != nil || m.CareTeamExternalID != "personnel:12093978" {
		t.Errorf("message = %+v, %v", m, err)
	}
}

func TestIdempotentSend(t *testing.T) {
	e := newEnv(t)
	m := providers.OutboundMessage{CareTeamExternalID: poolPC, Subject: "S", Body: "B", IdempotencyKey: "same"}
	a := e.send(t, m)
	b := e.send(t, m) // a retry after, say, a lost response
	if a.ExternalID != b.ExternalID {
		t.Errorf("retry created %s and %s", a.ExternalID, b.ExternalID)
	}
	if n := len(e.messages(t)); n != 1 {
		t.Errorf("%d messages stored, want 1", n)
	}
	m.IdempotencyKey = "other"
	if c := e.send(t, m); c.ExternalID == a.ExternalID {
		t.Errorf("new key reused the message")
	}
}

func TestListMessagesWindows(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	base := time.Now().UTC().Truncate(time.Second).Add(-10 * time.Hour)
	var ids []string
	for i := range 5 {
		ids = append(ids, e.clinician(t, map[string]string{"icn": icn, "careTeam": "Primary Care - Dayton", "subject": "s", "body": "b",
			"sentAt": base.Add(time.Duration(i) * time.Hour).Format(time.RFC3339)}))
	}
	sent := e.send(t, providers.OutboundMessage{CareTeamExternalID: poolPC, Subject: "mine", Body: "b"})
	if code := e.control(t, http.MethodPost, "/control/status", map[string]string{"id": ids[1], "status": "DELETED"}, nil); code != http.StatusNoContent {
		t.Fatalf("control status: %d", code)
	}
	e.control(t, http.MethodPost, "/control/status", map[string]string{"id": ids[2], "status": "READ"}, nil)

	tests := []struct {
		name   string
		w      providers.Window
		want   []string
		status map[string]providers.Status
	}{
		{"everything incl. deleted and sent", providers.Window{Since: base, Until: time.Now().Add(time.Minute)},
			append(append([]string{}, ids...), sent.ExternalID),
			map[string]providers.Status{ids[0]: providers.StatusUnread, ids[1]: providers.StatusDeleted, ids[2]: providers.StatusRead, sent.ExternalID: providers.StatusRead}},
		{"half-open: until excludes", providers.Window{Since: base.Add(time.Hour), Until: base.Add(3 * time.Hour)}, ids[1:3], nil},
		{"sub-second bounds", providers.Window{Since: base.Add(time.Hour - 500*time.Millisecond), Until: base.Add(time.Hour + 500*time.Millisecond)}, ids[1:2], nil},
		{"empty window", providers.Window{Since: base.Add(-5 * time.Hour), Until: base.Add(-4 * time.Hour)}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.c.ListMessages(ctx, e.vet, tc.w)
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []string
			for _, m := range got {
				gotIDs = append(gotIDs, m.ExternalID)
				if m.BodyIncluded || m.Body != "" {
					t.Errorf("list carried a body")
				}
				if want, ok := tc.status[m.ExternalID]; ok && m.Status != want {
					t.Errorf("%s status = %v, want %v", m.ExternalID, m.Status, want)
				}
			}
			if strings.Join(gotIDs, ",") != strings.Join(tc.want, ",") {
				t.Errorf("ids = %v, want %v", gotIDs, tc.want)
			}
		})
	}
}

func TestListSplitsFullWindows(t *testing.T) {
	e := newEnv(t, func(s *ohsim.Config, _ *oh.Config) { s.PublicationURL = "" })
	base := time.Now().UTC().Truncate(time.Second).Add(-48 * time.Hour)
	const n = 2500
	for i := range n {
		if _, err := e.sim.ClinicianMessage(ohsim.ClinicianMessage{ICN: icn, CareTeam: poolPC, Body: "b",
			SentAt: base.Add(time.Duration(i) * 30 * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.c.ListMessages(context.Background(), e.vet, providers.Window{Since: base, Until: base.Add(48 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range got {
		seen[m.ExternalID] = true
	}
	if len(got) != n || len(seen) != n {
		t.Errorf("listed %d (%d unique), want %d", len(got), len(seen), n)
	}
	if lists := e.count("GET list"); lists < 5 {
		t.Errorf("only %d list calls: the window was not split", lists)
	}
}

func TestListCapInOneSecond(t *testing.T) {
	e := newEnv(t, func(s *ohsim.Config, c *oh.Config) { s.ListCap, c.ListCap, s.PublicationURL = 3, 3, "" })
	at := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	for range 4 {
		if _, err := e.sim.ClinicianMessage(ohsim.ClinicianMessage{ICN: icn, CareTeam: poolPC, Body: "b", SentAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.c.ListMessages(context.Background(), e.vet, providers.Window{Since: at.Add(-time.Minute), Until: at.Add(time.Minute)})
	if pe := wantKind(t, err, providers.ErrRejected); pe.Code != "LIST_CAP" {
		t.Errorf("code = %s", pe.Code)
	}
}

func TestSetStatus(t *testing.T) {
	ctx := context.Background()
	type step struct {
		set        providers.Status
		external   string // control change made first, if any
		wantCtl    string
		wantList   providers.Status
		wantPuts   int
		wantErrIs  error
		onOutboxed bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"read", []step{{set: providers.StatusRead, wantCtl: "READ", wantList: providers.StatusRead, wantPuts: 1}}},
		{"read then unread", []step{
			{set: providers.StatusRead, wantCtl: "READ", wantPuts: 1},
			{set: providers.StatusUnread, wantCtl: "UNREAD", wantList: providers.StatusUnread, wantPuts: 3}, // 409 on v0, then v1
		}},
		{"delete and restore", []step{
			{set: providers.StatusDeleted, wantCtl: "DELETED", wantList: providers.StatusDeleted, wantPuts: 1},
			{set: providers.StatusRead, wantCtl: "READ", wantList: providers.StatusRead, wantPuts: 3},
		}},
		{"stale version: 409, re-read, re-apply", []step{
			{external: "READ", set: providers.StatusDeleted, wantCtl: "DELETED", wantPuts: 2},
		}},
		{"stale but already applied elsewhere", []step{
			{external: "READ", set: providers.StatusRead, wantCtl: "READ", wantPuts: 1},
		}},
		{"own sent message", []step{
			{onOutboxed: true, set: providers.StatusRead},
			{onOutboxed: true, set: providers.StatusDeleted, wantErrIs: providers.ErrUnsupported},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			in := e.clinician(t, map[string]string{"icn": icn, "careTeam": poolPC, "body": "hello"})
			out := e.send(t, providers.OutboundMessage{CareTeamExternalID: poolPC, Subject: "s", Body: "b"}).ExternalID
			for i, s := range tc.steps {
				id := in
				if s.onOutboxed {
					id = out
				}
				if s.external != "" {
					e.control(t, http.MethodPost, "/control/status", map[string]string{"id": id, "status": s.external}, nil)
				}
				err := e.c.SetStatus(ctx, e.vet, id, s.set)
				if s.wantErrIs != nil {
					wantKind(t, err, s.wantErrIs)
					continue
				}
				if err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
				if s.wantPuts != 0 && e.count("PUT status") != s.wantPuts {
					t.Errorf("step %d: %d PUTs, want %d", i, e.count("PUT status"), s.wantPuts)
				}
				if s.wantCtl != "" {
					for _, m := range e.messages(t) {
						if m.ID == id && m.Status != s.wantCtl {
							t.Errorf("step %d: simulator status %s, want %s", i, m.Status, s.wantCtl)
						}
					}
				}
				if s.wantList != "" {
					m, err := e.c.GetMessage(ctx, e.vet, id)
					if err != nil || m.Status != s.wantList || m.ExternalID != in || m.Version == "0" {
						t.Errorf("step %d: message %+v, %v", i, m, err)
					}
				}
			}
		})
	}
}

func TestSetStatusPersistentConflict(t *testing.T) {
	e := newEnv(t)
	in := e.clinician(t, map[string]string{"icn": icn, "careTeam": poolPC, "body": "hello"})
	// Another portal flips the message before every write of ours.
	flip := func(r *http.Request) {
		if r.Method == http.MethodPut {
			_ = e.sim.SetStatus(in, "UNREAD")
		}
	}
	e.before.Store(&flip)
	err := e.c.SetStatus(context.Background(), e.vet, in, providers.StatusRead)
	wantKind(t, err, providers.ErrConflict)
	if !providers.Retryable(err) {
		t.Errorf("conflict not retryable")
	}
	if n := e.count("PUT status"); n != 3 {
		t.Errorf("%d PUTs, want 3 (1 + 2 re-applies)", n)
	}
}

func TestPatientMerge(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r := e.send(t, providers.OutboundMessage{CareTeamExternalID: poolPC, Subject: "s", Body: "b"})
	if code := e.control(t, http.MethodPost, "/control/merge", map[string]string{"icn": icn, "newPatientId": "8800001"}, nil); code != http.StatusNoContent {
		t.Fatalf("merge: %d", code)
	}
	calls := map[string]func() error{
		"GetMessage": func() error { _, err := e.c.GetMessage(ctx, e.vet, r.ExternalID); return err },
		"ListMessages": func() error {
			_, err := e.c.ListMessages(ctx, e.vet, providers.Window{Since: time.Now().Add(-time.Hour), Until: time.Now().Add(time.Hour)})
			return err
		},
		"SetStatus": func() error { return e.c.SetStatus(ctx, e.vet, r.ExternalID, providers.StatusRead) },
		"Send": func() error {
			_, err := e.c.Send(ctx, providers.OutboundMessage{Veteran: e.vet, CareTeamExternalID: poolPC, Subject: "s", Body: "b"})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			pe := wantKind(t, call(), providers.ErrMoved)
			if pe.NewPatientID != "8800001" || pe.Code != "301" {
				t.Errorf("error = %+v", pe)
			}
		})
	}
	moved := e.vet
	moved.OHPatientID = "8800001"
	if m, err := e.c.GetMessage(ctx, moved, r.ExternalID); err != nil || m.ExternalID != r.ExternalID {
		t.Errorf("after re-key: %+v, %v", m, err)
	}
}

func TestOutage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		outage map[string]any
		ctx    func() (context.Context, context.CancelFunc)
		code   string
	}{
		{"down", map[string]any{"down": true}, nil, "503"},
		{"error rate 1", map[string]any{"errorRate": 1.0}, nil, "503"},
		{"latency beyond deadline", map[string]any{"latencyMs": 2000}, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(ctx, 50*time.Millisecond)
		}, "TIMEOUT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code := e.control(t, http.MethodPost, "/control/outage", tc.outage, nil); code != http.StatusNoContent {
				t.Fatalf("outage: %d", code)
			}
			defer e.sim.SetOutage(ohsim.Outage{})
			cctx, cancel := ctx, context.CancelFunc(func() {})
			if tc.ctx != nil {
				cctx, cancel = tc.ctx()
			}
			defer cancel()
			for name, err := range map[string]error{
				"Health": e.c.Health(cctx),
				"Send": func() error {
					_, err := e.c.Send(cctx, providers.OutboundMessage{Veteran: e.vet, CareTeamExternalID: poolPC, Subject: "s", Body: "b"})
					return err
				}(),
			} {
				pe := wantKind(t, err, providers.ErrUnavailable)
				if pe.Code != tc.code || !providers.Retryable(err) {
					t.Errorf("%s: %+v", name, pe)
				}
			}
		})
	}
	if err := e.c.Health(ctx); err != nil {
		t.Errorf("Health after outage: %v", err)
	}
	// The control API stays up during an outage.
	e.sim.SetOutage(ohsim.Outage{Down: true})
	if len(e.messages(t)) != 0 {
		t.Errorf("unexpected messages")
	}
	e.sim.SetOutage(ohsim.Outage{})
}

func TestErrorMapping(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	stranger := providers.Veteran{OHPatientID: "999", OHAuthority: authority}
	send := func(m providers.OutboundMessage) error {
		if m.Veteran.OHPatientID == "" {
			m.Veteran = e.vet
		}
		_, err := e.c.Send(ctx, m)
		return err
	}
	tests := []struct {
		name string
		err  error
		kind error
	}{
		{"unknown patient", func() error { _, err := e.c.GetMessage(ctx, stranger, "1.0.-4.prsnl"); return err }(), providers.ErrNotFound},
		{"unknown message", func() error { _, err := e.c.GetMessage(ctx, e.vet, "1.0.-4.prsnl"); return err }(), providers.ErrNotFound},
		{"unknown pool", send(providers.OutboundMessage{CareTeamExternalID: "42", Subject: "Secret subject", Body: "b"}), providers.ErrRejected},
		{"blocked pool", send(providers.OutboundMessage{CareTeamExternalID: poolRX, Subject: "s", Body: "b"}), providers.ErrRejected},
		{"blank subject", send(providers.OutboundMessage{CareTeamExternalID: poolPC, Subject: " ", Body: "b"}), providers.ErrRejected},
		{"bad care team id", send(providers.OutboundMessage{CareTeamExternalID: "Primary Care", Subject: "s", Body: "b"}), providers.ErrRejected},
		{"attachments", send(providers.OutboundMessage{CareTeamExternalID: poolPC, Subject: "s", Body: "b",
			Attachments: []providers.Attachment{{Filename: "a.pdf"}}}), providers.ErrUnsupported},
		{"no patient id", send(providers.OutboundMessage{Veteran: providers.Veteran{OHPatientID: "abc"}, CareTeamExternalID: poolPC, Subject: "s"}), providers.ErrRejected},
		{"reply to unknown", send(providers.OutboundMessage{InReplyToExternalID: "5.0.-4.prsnl", Body: "b"}), providers.ErrNotFound},
		{"unknown authority", func() error { _, err := e.c.CareTeams(ctx, providers.Veteran{OHAuthority: "zz"}); return err }(), providers.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pe := wantKind(t, tc.err, tc.kind)
			if strings.Contains(pe.Error(), "Secret") || strings.Contains(pe.Reason, pid) {
				t.Errorf("reason leaks request data: %q", pe.Reason)
			}
			if providers.Retryable(tc.err) {
				t.Errorf("permanent error marked retryable")
			}
		})
	}
}

func TestStatusCodes(t *testing.T) {
	for code, kind := range map[int]error{
		429: providers.ErrUnavailable, 500: providers.ErrUnavailable, 502: providers.ErrUnavailable,
		400: providers.ErrRejected, 401: providers.ErrRejected, 403: providers.ErrRejected, 406: providers.ErrRejected,
		404: providers.ErrNotFound, 409: providers.ErrConflict,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }))
		c, _ := oh.New(oh.Config{BaseURL: srv.URL, Authority: authority})
		pe := wantKind(t, c.Health(context.Background()), kind)
		if pe.Code != strconv.Itoa(code) {
			t.Errorf("%d: code %q", code, pe.Code)
		}
		srv.Close()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("{not json")) }))
	defer srv.Close()
	c, _ := oh.New(oh.Config{BaseURL: srv.URL, Authority: authority})
	_, err := c.ListMessages(context.Background(), providers.Veteran{OHPatientID: "1"}, providers.Window{Since: time.Now().Add(-time.Hour), Until: time.Now()})
	wantKind(t, err, providers.ErrUnavailable)
}

func TestCareTeams(t *testing.T) {
	e := newEnv(t)
	teams, err := e.c.CareTeams(context.Background(), e.vet)
	if err != nil {
		t.Fatal(err)
	}
	if len(teams) != 2 {
		t.Fatalf("teams = %+v", teams)
	}
	pc, rx := teams[0], teams[1]
	if pc.ExternalID != poolPC || pc.Name != "DAY PC POOL" || pc.DisplayName != "Primary Care - Dayton" ||
		strings.Join(pc.AlternateNames, "|") != "Dayton Primary Care Team" || pc.StationNumber != "552" ||
		pc.FacilityName != "Dayton VA Medical Center" || pc.HealthCareSystem != "Dayton VA Health Care System" || pc.Blocked || !pc.Active {
		t.Errorf("pc = %+v", pc)
	}
	if rx.ExternalID != poolRX || rx.DisplayName != "Pharmacy - Dayton" || len(rx.AlternateNames) != 0 || !rx.Blocked {
		t.Errorf("rx = %+v", rx)
	}
	var ctl []ohsim.CareTeam
	e.control(t, http.MethodGet, "/control/care-teams", nil, &ctl)
	if len(ctl) != 2 || ctl[0].ID != poolPC || len(ctl[0].ExternalNames) != 2 {
		t.Errorf("control care teams = %+v", ctl)
	}
	// A clinician message may name the pool by any of its names.
	id := e.clinician(t, map[string]string{"icn": icn, "careTeam": "dayton primary care team", "body": "b"})
	if m, err := e.c.GetMessage(context.Background(), e.vet, id); err != nil || m.CareTeamExternalID != poolPC {
		t.Errorf("message by alternate name = %+v, %v", m, err)
	}
}

func TestAtomPublication(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.pub.failNext.Store(2) // the first deliveries fail: the simulator must retry
	r := e.send(t, providers.OutboundMessage{CareTeamExternalID: poolPC, Subject: "s", Body: "b"})
	c := e.clinician(t, map[string]string{"icn": icn, "careTeam": poolPC, "body": "b"})
	fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := e.sim.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	got := e.pub.got()
	if len(e.pub.bad) != 0 {
		t.Fatalf("bad publications: %v", e.pub.bad)
	}
	if len(got) != 2 {
		t.Fatalf("entries = %+v", got)
	}
	byMsg := map[string]oh.AtomEntry{}
	for _, en := range got {
		byMsg[en.MessageID] = en
		if en.PatientID != pid || en.Authority != authority || en.EntryID != oh.EntryID(authority, en.MessageID) || en.Updated.IsZero() {
			t.Errorf("entry = %+v", en)
		}
		// What the intake does next: fetch by id.
		if _, err := e.c.GetMessage(ctx, providers.Veteran{OHPatientID: en.PatientID, OHAuthority: en.Authority}, en.MessageID); err != nil {
			t.Errorf("fetch announced message: %v", err)
		}
	}
	if byMsg[r.ExternalID].Mailbox != "outbox" || byMsg[c].Mailbox != "inbox" {
		t.Errorf("mailboxes: %+v", byMsg)
	}
	if n := e.pub.requests.Load(); n != 4 {
		t.Errorf("%d publication requests, want 4 (2 failures + 2 deliveries)", n)
	}
	// Reads and deletes are never pushed.
	if err := e.c.SetStatus(ctx, e.vet, c, providers.StatusRead); err != nil {
		t.Fatal(err)
	}
	if err := e.c.SetStatus(ctx, e.vet, c, providers.StatusDeleted); err != nil {
		t.Fatal(err)
	}
	e.sim.SetStatus(r.ExternalID, "READ")
	if err := e.sim.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.pub.got()); n != 2 {
		t.Errorf("status changes pushed: %d entries", n)
	}
}

func TestAtomDuplicates(t *testing.T) {
	e := newEnv(t, func(s *ohsim.Config, _ *oh.Config) { s.DuplicateRate = 1 })
	var ids []string
	for range 3 {
		ids = append(ids, e.clinician(t, map[string]string{"icn": icn, "careTeam": poolPC, "body": "b"}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.sim.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, en := range e.pub.got() {
		counts[en.EntryID]++
	}
	for _, id := range ids {
		if n := counts[oh.EntryID(authority, id)]; n != 2 {
			t.Errorf("%s delivered %d times, want 2", id, n)
		}
	}
}

func TestCloseStopsPushes(t *testing.T) {
	e := newEnv(t)
	e.pub.failNext.Store(1 << 20) // never accept
	e.clinician(t, map[string]string{"icn": icn, "careTeam": poolPC, "body": "b"})
	done := make(chan struct{})
	go func() { e.sim.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop retrying pushes")
	}
	before := e.pub.requests.Load()
	e.clinician(t, map[string]string{"icn": icn, "careTeam": poolPC, "body": "b"})
	time.Sleep(20 * time.Millisecond)
	if e.pub.requests.Load() != before {
		t.Errorf("pushed after Close")
	}
}
