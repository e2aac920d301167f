// Package vamstest runs a whole VAMS (store, token issuer, GraphQL over real
// HTTP) inside a test, on any storetest backend, and speaks to it the way the
// VA.gov app does: HTTP POSTs with a bearer token.
package vamstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/providers"
	"github.com/va/vams/providers/mhv"
	"github.com/va/vams/providers/oh"
)

// Env is a running VAMS.
type Env struct {
	T       testing.TB
	Store   *store.Store
	Inbox   *inbox.Service
	Bus     *events.Bus
	Issuer  *auth.DevIssuer
	Server  *httptest.Server
	Counter *storetest.Counter
	// SQL counts every statement and transaction on the store's
	// connections, the job queue's included.
	SQL   *storetest.SQLCounter
	Log   *LogBuffer
	Audit *audit.Recorder // with Options.Audit
	// Clock is the inbox's clock; tests move it with Advance or Set.
	*Clock
}

// Options tune New.
type Options struct {
	// Outbox, when set, receives the inbox's provider work.
	Outbox inbox.Outbox
	// JobQueue queues the provider work as River jobs, as the server does
	// (syncengine.Outbox, with no workers); it overrides Outbox.
	JobQueue bool
	// Notify, with JobQueue, records the notifications of arriving care-team
	// messages and queues their calls, as the server does.
	Notify bool
	// SendLimit bounds sends per veteran (none when zero).
	SendLimit inbox.SendLimit
	// Audit records the audit trail (Env.Audit) and serves /ops/audit.
	Audit bool
	// API adjusts the edge's configuration (CORS origins, persisted-only…).
	API func(*edge.Config)
	// BusBuffer is how many events each subscription may hold undelivered
	// (default events.DefaultBuffer).
	BusBuffer int
}

// New starts VAMS on backend b.
func New(t testing.TB, b storetest.Backend, opts ...Options) *Env {
	t.Helper()
	o := optional(opts)
	e := &Env{T: t, Counter: &storetest.Counter{}, SQL: &storetest.SQLCounter{}, Log: &LogBuffer{}, Clock: NewClockAt(time.Now().UTC())}
	e.Store = b.Open(t, storetest.Options{WrapDriver: e.Counter.Wrap, WrapConnector: e.SQL.Wrap})
	var notifier inbox.Notifier
	if o.JobQueue {
		out, err := syncengine.NewOutbox(syncengine.Config{Store: e.Store})
		if err != nil {
			t.Fatal(err)
		}
		o.Outbox = out
		if o.Notify {
			notifier = out
		}
	}
	e.Bus = events.NewBusWithBuffer(o.BusBuffer)
	// The adapters' own declarations, as app.New collects them.
	caps := providers.CapabilitySet{providerkind.MHV: mhv.Capabilities, providerkind.OH: oh.Capabilities}
	e.Inbox = inbox.New(inbox.Config{Store: e.Store, Events: e.Bus, Outbox: o.Outbox, SendLimit: o.SendLimit, Clock: e.Clock,
		Capabilities: caps, Notifier: notifier})
	log := slog.New(slog.NewJSONHandler(e.Log, nil))
	// The listener exists first so the issuer can name its URL; the server
	// starts once the edge is built.
	e.Server = httptest.NewUnstartedServer(nil)
	t.Cleanup(e.Server.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", e.Log.String())
		}
	})
	var err error
	e.Issuer, err = auth.LoadOrCreateDevIssuer(t.TempDir(), "http://"+e.Server.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(e.Issuer.VerifierConfig())
	if err != nil {
		t.Fatal(err)
	}
	// The edge in demo mode, without the parts this harness lacks (sync
	// engine, simulators, metrics).
	cfg := edge.Config{Store: e.Store, Inbox: e.Inbox, Verifier: v, Log: log, Introspection: true, Events: e.Bus, Demo: true, Issuer: e.Issuer}
	if o.Audit {
		if e.Audit, err = audit.NewRecorder(e.Store, []byte("vamstest audit actor key, 32+ b")); err != nil {
			t.Fatal(err)
		}
		cfg.Audit = e.Audit
	}
	if o.API != nil {
		o.API(&cfg)
	}
	e.Server.Config.Handler = edge.New(cfg).Public
	e.Server.Start()
	return e
}

// optional returns the options a constructor was given, or the zero ones.
func optional[T any](opts []T) T {
	var o T
	if len(opts) > 0 {
		o = opts[0]
	}
	return o
}

// System is a context acting as VAMS itself.
func (e *Env) System() context.Context { return viewer.System(context.Background()) }

// Token issues a bearer token for icn, with roles (e.g. "operator").
func (e *Env) Token(icn string, roles ...string) string {
	tok, err := e.Issuer.Issue(icn, time.Hour, roles...)
	if err != nil {
		e.T.Fatal(err)
	}
	return tok
}

// Response is a GraphQL response.
type Response struct {
	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
	Status int             `json:"-"`
}

// GQLError is one GraphQL error.
type GQLError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns the first error's code, or "".
func (r Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// Decode unmarshals data into v, failing the test on GraphQL errors.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected GraphQL errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode %s: %v", r.Data, err)
	}
}

// Do posts a GraphQL operation as icn ("" sends no token).
func (e *Env) Do(icn, query string, vars map[string]any) Response {
	e.T.Helper()
	token := ""
	if icn != "" {
		token = e.Token(icn)
	}
	return post(e.T, e.Server.URL, token, query, vars)
}

// DoWithHeader is Do with one more request header (e.g. Idempotency-Key).
func (e *Env) DoWithHeader(icn, query string, vars map[string]any, name, value string) Response {
	e.T.Helper()
	return post(e.T, e.Server.URL, e.Token(icn), query, vars, name, value)
}

// post sends one GraphQL operation as JSON, with token when it is set and
// the header pairs in extra.
func post(t testing.TB, baseURL, token, query string, vars map[string]any, extra ...string) Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		req.Header.Set(extra[i], extra[i+1])
	}
	return send(t, req)
}

// MustDo is Do that decodes data into out and fails on errors.
func (e *Env) MustDo(icn, query string, vars map[string]any, out any) {
	e.T.Helper()
	e.Do(icn, query, vars).Decode(e.T, out)
}

func send(t testing.TB, req *http.Request) Response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /graphql: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var r Response
	r.Status = res.StatusCode
	if err := json.Unmarshal(raw, &r); err != nil && res.StatusCode == http.StatusOK {
		t.Fatalf("response is not JSON (%d): %s", res.StatusCode, raw)
	}
	return r
}

// Upload is a file sent with the GraphQL multipart request spec.
type Upload struct {
	Var      string // variable path, e.g. "input.attachments.0"
	Filename string
	Data     []byte
}

// DoUpload posts an operation with files (multipart/form-data).
func (e *Env) DoUpload(icn, query string, vars map[string]any, files []Upload) Response {
	e.T.Helper()
	return postUpload(e.T, e.Server.URL, e.Token(icn), query, vars, files)
}

// postUpload sends one operation with files, as the GraphQL multipart
// request spec has it.
func postUpload(t testing.TB, baseURL, token, query string, vars map[string]any, files []Upload) Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	_ = mw.WriteField("operations", string(ops))
	m := map[string][]string{}
	for i, f := range files {
		m[fmt.Sprint(i)] = []string{"variables." + f.Var}
	}
	mj, _ := json.Marshal(m)
	_ = mw.WriteField("map", string(mj))
	for i, f := range files {
		w, _ := mw.CreateFormFile(fmt.Sprint(i), f.Filename)
		_, _ = w.Write(f.Data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/graphql", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	return send(t, req)
}

// LogBuffer collects log output for PHI checks.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Contains reports whether s was logged.
func (l *LogBuffer) Contains(s string) bool { return strings.Contains(l.String(), s) }

// Client returns the store's client (for assertions, with System()).
func (e *Env) Client() *ent.Client { return e.Store.Client }
