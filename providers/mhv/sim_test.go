package mhv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/mhv/mhvsim"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	teamMain    = "613586"
	teamPharm   = "4399547"
	teamBlocked = "555001"
	teamROI     = "600001"
)

var (
	vet  = providers.Veteran{ICN: "1012845331V153043", MHVCorrelationID: "10616687"}
	vet2 = providers.Veteran{ICN: "1012845332V000002", MHVCorrelationID: "20000002"}
)

func testSeed(clock *fakeClock) mhvsim.Seed {
	return mhvsim.Seed{
		Patients: []mhvsim.Patient{
			{ICN: vet.ICN, CorrelationID: vet.MHVCorrelationID, Name: "VETERAN, TEST"},
			{ICN: vet2.ICN, CorrelationID: vet2.MHVCorrelationID, Name: "SECOND, PATIENT"},
		},
		TriageTeams: []mhvsim.TriageTeam{
			{ID: 613586, Name: "Vets.gov Testing_DAYT29", StationNumber: "979", FacilityName: "Robert J. Dole VA Medical Center", HealthCareSystem: "VA Wichita Health Care", Preferred: true},
			{ID: 4399547, Name: "589GR Pharmacy Ask a pharmacist", StationNumber: "589"},
			{ID: 555001, Name: "Blocked Team", StationNumber: "442", BlockedFor: []string{vet.MHVCorrelationID}},
			{ID: 600001, Name: "VHA SPO Release of Information Medical Records Admin", StationNumber: "668", RequiresSignature: true},
		},
		AppToken: "app-token",
		APIKey:   "api-key",
		TokenTTL: 10 * time.Minute,
		Now:      clock.Now,
		RandSeed: 42,
	}
}

type env struct {
	sim   *mhvsim.Simulator
	srv   *httptest.Server
	c     *Client
	clock *fakeClock
	base  string
}

// newEnv serves the simulator the way VAMS mounts it: under /sim/mhv with
// http.StripPrefix, over real loopback HTTP.
func newEnv(t *testing.T) *env {
	t.Helper()
	clock := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	sim := mhvsim.New(testSeed(clock))
	mux := http.NewServeMux()
	mux.Handle("/sim/mhv/", http.StripPrefix("/sim/mhv", sim))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{sim: sim, srv: srv, clock: clock, base: srv.URL + "/sim/mhv/"}
	e.c = e.client(t, nil)
	return e
}

func (e *env) client(t *testing.T, hc *http.Client) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: e.base, AppToken: "app-token", APIKey: "api-key", Clock: e.clock.Now, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) control(t *testing.T, method, path string, in, out any) int {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		_ = json.NewEncoder(&body).Encode(in)
	}
	req, _ := http.NewRequest(method, e.base+"control/"+path, &body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("control %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

func (e *env) clinicianWrites(t *testing.T, v providers.Veteran, careTeam, inReplyTo, body string) string {
	t.Helper()
	var out struct{ ID string }
	in := map[string]string{"icn": v.ICN, "careTeam": careTeam, "body": body, "inReplyTo": inReplyTo}
	if inReplyTo == "" {
		in["subject"] = "Lab follow-up"
	}
	code := e.control(t, "POST", "clinician-messages", in, &out)
	if code != http.StatusCreated || out.ID == "" {
		t.Fatalf("clinician message: %d %+v", code, out)
	}
	return out.ID
}

func (e *env) held(t *testing.T, v providers.Veteran) []mhvsim.ControlMessage {
	t.Helper()
	var out []mhvsim.ControlMessage
	e.control(t, "GET", "messages?icn="+v.ICN, nil, &out)
	return out
}

func heldByID(t *testing.T, msgs []mhvsim.ControlMessage, id string) mhvsim.ControlMessage {
	t.Helper()
	for _, m := range msgs {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("message %s not held by MHV", id)
	return mhvsim.ControlMessage{}
}

func wantKind(t *testing.T, err error, kind error, code string) {
	t.Helper()
	var pe *providers.Error
	if !errors.Is(err, kind) || !errors.As(err, &pe) || (code != "" && pe.Code != code) || pe.Reason == "" {
		t.Fatalf("err = %v, want %v code %s", err, kind, code)
	}
}

func TestSimSendReplyThread(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	r1, err := e.c.Send(ctx, providers.OutboundMessage{
		Veteran: vet, CareTeamExternalID: teamMain, Category: "MEDICATIONS", Subject: "Refill", Body: "Please refill my meds.",
	})
	if err != nil {
		t.Fatal(err)
	}
	if r1.ExternalID == "" || r1.ThreadExternalID == "" || !r1.SentAt.Equal(e.clock.Now()) {
		t.Fatalf("receipt = %+v", r1)
	}
	e.clock.Advance(time.Hour)
	cid := e.clinicianWrites(t, vet, "", r1.ExternalID, "Refilled.")
	e.clock.Advance(time.Hour)
	r2, err := e.c.Send(ctx, providers.OutboundMessage{Veteran: vet, InReplyToExternalID: cid, CareTeamExternalID: teamMain, Body: "Thanks!"})
	if err != nil {
		t.Fatal(err)
	}
	if r2.ThreadExternalID != r1.ThreadExternalID {
		t.Errorf("reply thread %s, want %s", r2.ThreadExternalID, r1.ThreadExternalID)
	}
	held := e.held(t, vet)
	if h := heldByID(t, held, r2.ExternalID); h.InReplyTo != cid || h.Direction != "TO_CLINICIAN" || h.Body != "Thanks!" || h.Subject != "Refill" {
		t.Errorf("held reply = %+v", h)
	}

	thread, err := e.c.GetThread(ctx, vet, r2.ExternalID)
	if err != nil {
		t.Fatal(err)
	}
	wantDirs := []providers.Direction{providers.ToClinician, providers.ToVeteran, providers.ToClinician}
	wantIDs := []string{r1.ExternalID, cid, r2.ExternalID}
	if len(thread) != 3 {
		t.Fatalf("thread = %+v", thread)
	}
	for i, m := range thread {
		if m.ExternalID != wantIDs[i] || m.Direction != wantDirs[i] || m.CareTeamExternalID != teamMain ||
			m.ThreadExternalID != r1.ThreadExternalID || m.Category != "MEDICATIONS" || !m.BodyIncluded {
			t.Errorf("thread[%d] = %+v", i, m)
		}
	}
	if thread[1].InReplyToExternalID != r1.ExternalID || thread[1].Status != providers.StatusUnread || thread[1].Body != "Refilled." {
		t.Errorf("clinician message = %+v", thread[1])
	}
}

func TestSimAttachments(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	data := bytes.Repeat([]byte{0xff, 0xd8}, 500)
	r, err := e.c.Send(ctx, providers.OutboundMessage{
		Veteran: vet, CareTeamExternalID: teamMain, Subject: "Photo", Body: "See attached.",
		Attachments: []providers.Attachment{{Filename: "rash.jpg", ContentType: "image/jpeg", Data: data}, {Filename: "note.txt", Data: []byte("hi")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.c.GetMessage(ctx, vet, r.ExternalID)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 2 || m.Attachments[0].Filename != "rash.jpg" || m.Attachments[0].Size != int64(len(data)) || m.Attachments[0].ContentType != "image/jpeg" {
		t.Fatalf("attachments = %+v", m.Attachments)
	}
	a, err := e.c.Attachment(ctx, vet, r.ExternalID, m.Attachments[0].ExternalID)
	if err != nil || !bytes.Equal(a.Data, data) || a.Filename != "rash.jpg" {
		t.Fatalf("download = %q %d, %v", a.Filename, len(a.Data), err)
	}
	_, err = e.c.Send(ctx, providers.OutboundMessage{Veteran: vet, CareTeamExternalID: teamMain, Body: "x",
		Attachments: make([]providers.Attachment, 5)})
	wantKind(t, err, providers.ErrRejected, "attachment-count")
}

func TestSimStatusWrites(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.clinicianWrites(t, vet, teamMain, "", "Your results are in.")

	m, err := e.c.GetMessage(ctx, vet, id)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != providers.StatusUnread || heldByID(t, e.held(t, vet), id).Status != "UNREAD" {
		t.Fatalf("GetMessage must not mark read: %+v", m)
	}
	steps := []struct {
		status providers.Status
		held   string
		err    error
	}{
		{providers.StatusRead, "READ", nil},
		{providers.StatusUnread, "READ", providers.ErrUnsupported},
		{providers.StatusDeleted, "DELETED", nil},
	}
	for _, s := range steps {
		err := e.c.SetStatus(ctx, vet, id, s.status)
		if s.err != nil {
			wantKind(t, err, s.err, "")
		} else if err != nil {
			t.Fatalf("%s: %v", s.status, err)
		}
		if got := heldByID(t, e.held(t, vet), id).Status; got != s.held {
			t.Errorf("after %s held status = %s, want %s", s.status, got, s.held)
		}
	}
	if m, err := e.c.GetMessage(ctx, vet, id); err != nil || m.Status != providers.StatusDeleted {
		t.Errorf("after delete = %+v, %v", m, err)
	}
	wantKind(t, e.c.SetStatus(ctx, vet, "999999", providers.StatusRead), providers.ErrNotFound, "904")
	wantKind(t, e.c.SetStatus(ctx, vet, "not-a-number", providers.StatusRead), providers.ErrNotFound, "")

	// Clinician reads the veteran's message outside VAMS: a read receipt.
	r, err := e.c.Send(ctx, providers.OutboundMessage{Veteran: vet, CareTeamExternalID: teamMain, Body: "Question"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	if code := e.control(t, "POST", "status", map[string]string{"id": r.ExternalID, "status": "READ"}, nil); code != http.StatusNoContent {
		t.Fatalf("control status = %d", code)
	}
	m, err = e.c.GetMessage(ctx, vet, r.ExternalID)
	if err != nil || m.ClinicianReadAt == nil || !m.ClinicianReadAt.Equal(e.clock.Now()) || m.Status != providers.StatusRead {
		t.Errorf("read receipt = %+v, %v", m, err)
	}
}

func TestSimListMessagesWindow(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	t0 := e.clock.Now()
	// 105 old clinician threads force a second thread-list page.
	for i := 0; i < 105; i++ {
		e.clinicianWrites(t, vet, teamPharm, "", "old "+strconv.Itoa(i))
		e.clock.Advance(time.Second)
	}
	e.clock.Advance(time.Hour)
	t1 := e.clock.Now()
	sent, err := e.c.Send(ctx, providers.OutboundMessage{Veteran: vet, CareTeamExternalID: teamMain, Subject: "New", Body: "in window"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	reply := e.clinicianWrites(t, vet, "", sent.ExternalID, "reply in window")
	e.clock.Advance(time.Minute)
	gone := e.clinicianWrites(t, vet, teamMain, "", "deleted elsewhere")
	e.control(t, "POST", "status", map[string]string{"id": gone, "status": "DELETED"}, nil)
	e.clock.Advance(time.Hour)
	late := e.clinicianWrites(t, vet, teamMain, "", "after window")
	e.clinicianWrites(t, vet2, teamMain, "", "other veteran")

	cases := []struct {
		name string
		w    providers.Window
		want map[string]providers.Status
		n    int
	}{
		{"window", providers.Window{Since: t1, Until: t1.Add(time.Hour)}, map[string]providers.Status{
			sent.ExternalID: providers.StatusRead, reply: providers.StatusUnread, gone: providers.StatusDeleted}, 3},
		{"open end", providers.Window{Since: t1.Add(61 * time.Minute)}, map[string]providers.Status{late: providers.StatusUnread}, 1},
		{"everything", providers.Window{Since: t0}, map[string]providers.Status{gone: providers.StatusDeleted}, 109},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := e.c.ListMessages(ctx, vet, c.w)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != c.n {
				t.Fatalf("got %d messages, want %d", len(got), c.n)
			}
			by := map[string]providers.Message{}
			for i, m := range got {
				by[m.ExternalID] = m
				if i > 0 && m.SentAt.Before(got[i-1].SentAt) {
					t.Error("not sorted by sent time")
				}
				// Listings are summaries: no body (GetThread has the full ones).
				if m.CareTeamExternalID == "" || m.BodyIncluded || m.Body != "" {
					t.Errorf("listing entry should carry a team and no body: %+v", m)
				}
			}
			for id, st := range c.want {
				if m, ok := by[id]; !ok || m.Status != st {
					t.Errorf("%s: %+v (present %v), want %s", id, m, ok, st)
				}
			}
		})
	}
}

func TestSimRejections(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	blockedMsg := e.clinicianWrites(t, vet, teamBlocked, "", "from a team that blocked you")
	cases := []struct {
		name string
		m    providers.OutboundMessage
		kind error
		code string
	}{
		{"blocked team new", providers.OutboundMessage{Veteran: vet, CareTeamExternalID: teamBlocked, Body: "hi"}, providers.ErrRejected, "106"},
		{"blocked team reply", providers.OutboundMessage{Veteran: vet, InReplyToExternalID: blockedMsg, Body: "hi"}, providers.ErrRejected, "129"},
		{"unknown team", providers.OutboundMessage{Veteran: vet, CareTeamExternalID: "1", Body: "hi"}, providers.ErrRejected, "119"},
		{"unknown reply", providers.OutboundMessage{Veteran: vet, InReplyToExternalID: "999999", Body: "hi"}, providers.ErrNotFound, "904"},
		{"empty body", providers.OutboundMessage{Veteran: vet, CareTeamExternalID: teamMain, Body: " "}, providers.ErrRejected, "100"},
		{"no mhv id", providers.OutboundMessage{Veteran: providers.Veteran{ICN: vet.ICN}, CareTeamExternalID: teamMain, Body: "hi"}, providers.ErrRejected, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.c.Send(ctx, c.m)
			wantKind(t, err, c.kind, c.code)
			if providers.Retryable(err) {
				t.Error("permanent error reported retryable")
			}
		})
	}
}

func TestSimCareTeams(t *testing.T) {
	e := newEnv(t)
	teams, err := e.c.CareTeams(context.Background(), vet)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]providers.CareTeam{}
	for _, ct := range teams {
		by[ct.ExternalID] = ct
	}
	if m := by[teamMain]; m.StationNumber != "979" || m.FacilityName != "Robert J. Dole VA Medical Center" ||
		m.HealthCareSystem != "VA Wichita Health Care" || !m.Preferred || m.Blocked || !m.Active || m.DisplayName == "" {
		t.Errorf("main = %+v", m)
	}
	if !by[teamBlocked].Blocked || !by[teamROI].RequiresSignature || by[teamPharm].RequiresSignature {
		t.Errorf("flags: blocked %+v roi %+v", by[teamBlocked], by[teamROI])
	}
	other, _ := e.c.CareTeams(context.Background(), vet2)
	for _, ct := range other {
		if ct.Blocked {
			t.Errorf("team %s blocked for the wrong veteran", ct.ExternalID)
		}
	}
}

func TestSimSessionRenewal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	call := func() {
		t.Helper()
		if _, err := e.c.CareTeams(ctx, vet); err != nil {
			t.Fatal(err)
		}
	}
	call()
	call()
	if n := e.sim.SessionsIssued(); n != 1 {
		t.Fatalf("sessions = %d, want 1 (token cached)", n)
	}
	e.clock.Advance(10*time.Minute - 30*time.Second) // 30 s left: still used
	call()
	if n := e.sim.SessionsIssued(); n != 1 {
		t.Fatalf("sessions = %d, want 1", n)
	}
	e.clock.Advance(15 * time.Second) // 15 s left: inside the 20 s threshold
	call()
	if n := e.sim.SessionsIssued(); n != 2 {
		t.Fatalf("sessions = %d, want 2 (renewed before expiry)", n)
	}
	// Another veteran gets their own session.
	if _, err := e.c.CareTeams(ctx, vet2); err != nil {
		t.Fatal(err)
	}
	if n := e.sim.SessionsIssued(); n != 3 {
		t.Fatalf("sessions = %d, want 3", n)
	}

	// An adapter whose clock lags MHV's still recovers: the simulator refuses
	// the expired token (401/103) and the adapter renews once.
	lagging := &fakeClock{t: e.clock.Now()}
	c2, _ := New(Config{BaseURL: e.base, AppToken: "app-token", APIKey: "api-key", Clock: lagging.Now})
	if _, err := c2.CareTeams(ctx, vet); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(11 * time.Minute)
	before := e.sim.SessionsIssued()
	if _, err := c2.CareTeams(ctx, vet); err != nil {
		t.Fatalf("after server-side expiry: %v", err)
	}
	if e.sim.SessionsIssued() != before+1 {
		t.Error("expired token was not renewed")
	}

	bad, _ := New(Config{BaseURL: e.base, AppToken: "wrong", APIKey: "api-key", Clock: e.clock.Now})
	_, err := bad.CareTeams(ctx, vet)
	wantKind(t, err, providers.ErrUnavailable, "101")
	wantKind(t, bad.Health(ctx), providers.ErrUnavailable, "101")
}

func TestSimOutage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.c.Health(ctx); err != nil {
		t.Fatalf("health: %v", err)
	}
	cases := []struct {
		name   string
		outage mhvsim.Outage
		ctxTO  time.Duration
	}{
		{"down", mhvsim.Outage{Down: true}, 0},
		{"error rate 1", mhvsim.Outage{ErrorRate: 1}, 0},
		{"latency beyond deadline", mhvsim.Outage{LatencyMs: 2000}, 50 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.control(t, "POST", "outage", c.outage, nil)
			defer e.control(t, "POST", "outage", mhvsim.Outage{}, nil)
			cctx := ctx
			if c.ctxTO > 0 {
				var cancel context.CancelFunc
				cctx, cancel = context.WithTimeout(ctx, c.ctxTO)
				defer cancel()
			}
			_, err := e.c.Send(cctx, providers.OutboundMessage{Veteran: vet2, CareTeamExternalID: teamMain, Body: "hi"})
			wantKind(t, err, providers.ErrUnavailable, "")
			if !providers.Retryable(err) {
				t.Error("outage not retryable")
			}
			wantKind(t, e.c.Health(cctx), providers.ErrUnavailable, "")
			// Control endpoints keep answering during an outage.
			if code := e.control(t, "GET", "care-teams", nil, &[]mhvsim.ControlCareTeam{}); code != http.StatusOK {
				t.Errorf("control during outage = %d", code)
			}
		})
	}
	if got := len(e.held(t, vet2)); got != 0 {
		t.Errorf("messages created during outage: %d", got)
	}
	// A partial error rate is reproducible from the seed: some calls fail.
	e.control(t, "POST", "outage", mhvsim.Outage{ErrorRate: 0.5}, nil)
	fails := 0
	for i := 0; i < 20; i++ {
		if e.c.Health(ctx) != nil {
			fails++
		}
	}
	if fails == 0 || fails == 20 {
		t.Errorf("errorRate 0.5 failed %d/20", fails)
	}
}

// lossyTransport drops the answer of the first send after MHV processed it,
// the case idempotency exists for.
type lossyTransport struct {
	mu      sync.Mutex
	dropped bool
}

func (l *lossyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && r.Method == http.MethodPost && !l.dropped {
		l.dropped = true
		resp.Body.Close()
		return nil, errors.New("connection reset")
	}
	return resp, err
}

func TestSimIdempotentRetry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	msg := providers.OutboundMessage{Veteran: vet, CareTeamExternalID: teamMain, Subject: "Once", Body: "exactly once", IdempotencyKey: "outbox-42"}

	lossy := e.client(t, &http.Client{Transport: &lossyTransport{}})
	_, err := lossy.Send(ctx, msg)
	wantKind(t, err, providers.ErrUnavailable, "network")
	r1, err := lossy.Send(ctx, msg) // retry after a lost answer
	if err != nil {
		t.Fatal(err)
	}
	r2, err := lossy.Send(ctx, msg) // in-process memo
	if err != nil || r2 != r1 {
		t.Fatalf("memo retry = %+v, %v", r2, err)
	}
	restarted := e.client(t, nil) // no memo: the header must do it
	r3, err := restarted.Send(ctx, msg)
	if err != nil || r3.ExternalID != r1.ExternalID || r3.ThreadExternalID != r1.ThreadExternalID {
		t.Fatalf("after restart = %+v, %v (first %+v)", r3, err, r1)
	}
	n := 0
	for _, m := range e.held(t, vet) {
		if m.Body == "exactly once" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("MHV holds %d copies, want 1", n)
	}
	// A different key is a different message.
	msg.IdempotencyKey = "outbox-43"
	if r4, err := restarted.Send(ctx, msg); err != nil || r4.ExternalID == r1.ExternalID {
		t.Fatalf("new key = %+v, %v", r4, err)
	}
}

func TestSimExtras(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	folders, err := e.c.Folders(ctx, vet)
	if err != nil || len(folders) != 4 || folders[0].Name != "Inbox" {
		t.Fatalf("folders = %+v, %v", folders, err)
	}
	cats, err := e.c.Categories(ctx, vet)
	if err != nil || len(cats) != 6 {
		t.Fatalf("categories = %v, %v", cats, err)
	}
	if sig, err := e.c.Signature(ctx, vet); err != nil || sig != (Signature{}) {
		t.Fatalf("signature = %+v, %v", sig, err)
	}
	did, err := e.c.SaveDraft(ctx, vet, Draft{CareTeamExternalID: teamMain, Subject: "Draft", Body: "v1"})
	if err != nil || did == "" {
		t.Fatalf("draft = %q, %v", did, err)
	}
	if again, err := e.c.SaveDraft(ctx, vet, Draft{ID: did, CareTeamExternalID: teamMain, Subject: "Draft", Body: "v2"}); err != nil || again != did {
		t.Fatalf("draft update = %q, %v", again, err)
	}
	id := e.clinicianWrites(t, vet, teamMain, "", "hello")
	if rd, err := e.c.SaveDraft(ctx, vet, Draft{InReplyToExternalID: id, Body: "reply draft"}); err != nil || rd == "" {
		t.Fatalf("reply draft = %q, %v", rd, err)
	}
	if len(e.held(t, vet)) != 1 {
		t.Error("drafts must not be listed as messages")
	}
	wantKind(t, e.c.Move(ctx, vet, id, 123), providers.ErrNotFound, "910")
	if err := e.c.Delete(ctx, vet, id); err != nil {
		t.Fatal(err)
	}
	if heldByID(t, e.held(t, vet), id).Status != "DELETED" {
		t.Error("delete did not move to Deleted")
	}
	if err := e.c.Move(ctx, vet, id, FolderInbox); err != nil {
		t.Fatal(err)
	}
	if heldByID(t, e.held(t, vet), id).Status != "UNREAD" {
		t.Error("move back to Inbox failed")
	}
}
