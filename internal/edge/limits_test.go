package edge_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

func post(t *testing.T, url, token, contentType string, body io.Reader, length int64) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, body)
	req.ContentLength = length
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// A body over the limit is refused with 413, whether the client declares
// its length or streams it.
func TestOversizedBodyIs413(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		tok := w.Token(icnA)
		big := func() io.Reader {
			return io.MultiReader(strings.NewReader(`{"query":"{ viewer { id } }","variables":{"x":"`),
				bytes.NewReader(bytes.Repeat([]byte("a"), edge.MaxBodyBytes+1)), strings.NewReader(`"}}`))
		}
		if code, body := post(t, w.Server.URL+"/graphql", tok, "application/json", big(), edge.MaxBodyBytes+64); code != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), "REQUEST_TOO_LARGE") {
			t.Fatalf("declared length: %d %s", code, body)
		}
		// Length unknown (-1): sent chunked, refused when the reader hits the limit.
		if code, body := post(t, w.Server.URL+"/graphql", tok, "application/json", big(), -1); code != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked: %d %.200s", code, body)
		}
		var buf bytes.Buffer
		buf.WriteString("--x\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n" +
			`{"query":"mutation($f: Upload!) { sendMessage(input: {careTeamId: \"x\", category: OTHER, subject: \"s\", body: \"b\", attachments: [$f]}) { thread { id } } }","variables":{"f":null}}` +
			"\r\n--x\r\nContent-Disposition: form-data; name=\"map\"\r\n\r\n" + `{"0":["variables.f"]}` +
			"\r\n--x\r\nContent-Disposition: form-data; name=\"0\"; filename=\"a.txt\"\r\n\r\n")
		buf.Write(bytes.Repeat([]byte("a"), edge.MaxBodyBytes))
		buf.WriteString("\r\n--x--\r\n")
		if code, body := post(t, w.Server.URL+"/graphql", tok, "multipart/form-data; boundary=x", &buf, -1); code != http.StatusRequestEntityTooLarge {
			t.Fatalf("multipart: %d %.200s", code, body)
		}
		// A normal request still works.
		if r := w.Do(icnA, `{ viewer { id } }`, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("small request: %d %+v", r.Status, r.Errors)
		}
	})
}

// The deepest shape the data graph has (nine levels).
const deepest = `{ viewer { threads(first: 5) { edges { node { messages(first: 5) { edges { node { attachments { id } } } } } } } } }`

// Too deep and too costly operations are refused with a typed error before
// anything runs: not one SQL statement. The schema has no cycle today, so
// no valid query exceeds the default depth of 10; the depth check runs here
// against a lowered limit.
func TestDepthAndCostLimitsRejectBeforeExecution(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		w.send(t, icnA, w.team, "Question", "Hello")
		if r := w.Do(icnA, deepest, nil); len(r.Errors) > 0 {
			t.Fatalf("deepest real query at the default limit: %+v", r.Errors)
		}
		shallow := vamstest.New(t, b, vamstest.Options{API: func(c *edge.Config) { c.MaxDepth = 5 }})
		shallow.Veteran(icnA, "Alex Morgan")
		costly := `{ viewer { threads(first: 100) { edges { node { id messages(first: 100) { edges { node { id body } } } } } } } }`
		for _, c := range []struct {
			name, query, code string
			env               *vamstest.Env
		}{
			{"too deep", deepest, edge.CodeQueryTooDeep, shallow},
			{"first: 100 four levels deep", costly, "COMPLEXITY_LIMIT_EXCEEDED", w.Env},
		} {
			t.Run(c.name, func(t *testing.T) {
				c.env.Do(icnA, `{ viewer { id } }`, nil) // enrolment and caches out of the count
				c.env.Counter.Reset()
				r := c.env.Do(icnA, c.query, nil)
				if r.Code() != c.code || string(r.Data) != "" && string(r.Data) != "null" {
					t.Fatalf("%d %s %+v, want %s and no data", r.Status, r.Data, r.Errors, c.code)
				}
				if n := c.env.Counter.Count(); n != 0 {
					t.Fatalf("%d statements ran for a rejected operation", n)
				}
			})
		}
	})
}

// The per-veteran send limit answers RATE_LIMITED after the burst, and only
// for that veteran.
func TestSendRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b, vamstest.Options{SendLimit: inbox.DefaultSendLimit})
		w := &world{Env: e}
		w.vetA = e.Veteran(icnA, "Alex Morgan")
		w.vetB = e.Veteran(icnB, "Blair Chen")
		w.team = e.CareTeam(w.vetA, vamstest.Team{Name: "Primary Care"})
		w.teamB = e.CareTeam(w.vetB, vamstest.Team{Name: "Mental Health Clinic"})
		in := func(team string) map[string]any {
			return map[string]any{"input": map[string]any{"careTeamId": team, "category": "OTHER", "subject": "Hi", "body": "Hello"}}
		}
		var last thread
		for range 5 {
			last, _ = w.send(t, icnA, w.team, "Hi", "Hello")
		}
		before := w.threadCount(t, icnA)
		r := w.Do(icnA, sendMutation, in(w.team))
		if r.Code() != "RATE_LIMITED" || strings.Contains(r.Errors[0].Message, "Hello") {
			t.Fatalf("sixth send: %+v", r.Errors)
		}
		if r := w.Do(icnA, replyMutation, map[string]any{"input": map[string]any{"threadId": last.ID, "body": "again"}}); r.Code() != "RATE_LIMITED" {
			t.Fatalf("reply past the limit: %+v", r.Errors)
		}
		if after := w.threadCount(t, icnA); after != before {
			t.Fatalf("a refused send stored a thread: %d → %d", before, after)
		}
		if r := w.Do(icnB, sendMutation, in(w.teamB)); len(r.Errors) > 0 {
			t.Fatalf("another veteran is limited too: %+v", r.Errors)
		}
	})
}

// CORS admits only configured origins; a preflight needs no token.
func TestCORSAllowList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		const good = "https://www.va.gov"
		e := vamstest.New(t, b, vamstest.Options{API: func(c *edge.Config) { c.AllowedOrigins = []string{good + "/"} }})
		e.Veteran(icnA, "Alex Morgan")
		do := func(method, origin string, preflight bool, token bool) *http.Response {
			req, _ := http.NewRequest(method, e.Server.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { id } }"}`))
			req.Header.Set("Origin", origin)
			req.Header.Set("Content-Type", "application/json")
			if preflight {
				req.Header.Set("Access-Control-Request-Method", "POST")
				req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			}
			if token {
				req.Header.Set("Authorization", "Bearer "+e.Token(icnA))
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		res := do(http.MethodOptions, good, true, false)
		if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != good ||
			!strings.Contains(res.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Fatalf("preflight from %s: %d %v", good, res.StatusCode, res.Header)
		}
		res = do(http.MethodOptions, "https://evil.example", true, false)
		if res.StatusCode != http.StatusForbidden || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("preflight from another origin: %d %v", res.StatusCode, res.Header)
		}
		res = do(http.MethodPost, good, false, true)
		if res.StatusCode != http.StatusOK || res.Header.Get("Access-Control-Allow-Origin") != good {
			t.Fatalf("request from %s: %d %v", good, res.StatusCode, res.Header)
		}
		res = do(http.MethodPost, "https://evil.example", false, true)
		if res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("another origin was allowed: %v", res.Header)
		}
		for _, h := range []string{"Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options", "Cache-Control"} {
			if res.Header.Get(h) == "" {
				t.Errorf("missing security header %s", h)
			}
		}
		if res := do(http.MethodPost, good, false, false); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a request (not a preflight) without a token: %d", res.StatusCode)
		}
	})
}

func sha(q string) string {
	s := sha256.Sum256([]byte(q))
	return hex.EncodeToString(s[:])
}

// In persisted-only mode only the manifest's operations run, sent in full or
// by hash; APQ cannot register new ones.
func TestPersistedOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		const known = `query Me { viewer { id } }`
		manifest, _ := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "version": 1,
			"operations": []any{map[string]any{"id": sha(known), "name": "Me", "type": "query", "body": known}}})
		list, err := edge.LoadPersistedQueries(bytes.NewReader(manifest))
		if err != nil {
			t.Fatal(err)
		}
		e := vamstest.New(t, b, vamstest.Options{API: func(c *edge.Config) { c.PersistedOnly, c.PersistedQueries = true, list }})
		e.Veteran(icnA, "Alex Morgan")
		send := func(body map[string]any) vamstest.Response {
			raw, _ := json.Marshal(body)
			req, _ := http.NewRequest(http.MethodPost, e.Server.URL+"/graphql", bytes.NewReader(raw))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.Token(icnA))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var r vamstest.Response
			_ = json.NewDecoder(res.Body).Decode(&r)
			return r
		}
		apq := func(hash string) map[string]any {
			return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
		}
		if r := send(map[string]any{"extensions": apq(sha(known))}); len(r.Errors) > 0 || !strings.Contains(string(r.Data), "vet_") {
			t.Fatalf("known operation by hash: %s %+v", r.Data, r.Errors)
		}
		if r := send(map[string]any{"query": known}); len(r.Errors) > 0 {
			t.Fatalf("known operation in full: %+v", r.Errors)
		}
		other := `{ viewer { displayName } }`
		if r := send(map[string]any{"query": other}); r.Code() != edge.CodePersistedQueryRequired {
			t.Fatalf("unknown operation: %+v", r.Errors)
		}
		if r := send(map[string]any{"query": other, "extensions": apq(sha(other))}); r.Code() != edge.CodePersistedQueryRequired {
			t.Fatalf("registering through APQ: %+v", r.Errors)
		}
		if r := send(map[string]any{"extensions": apq(sha(other))}); r.Code() != "PERSISTED_QUERY_NOT_FOUND" {
			t.Fatalf("unknown hash: %+v", r.Errors)
		}
		bad, _ := json.Marshal(map[string]any{"format": "apollo-persisted-query-manifest", "operations": []any{map[string]any{"id": sha("x"), "body": known}}})
		if _, err := edge.LoadPersistedQueries(bytes.NewReader(bad)); err == nil {
			t.Fatal("a manifest whose id is not its body's hash was accepted")
		}
	})
}

// Production (the real assembly, with an OIDC issuer standing in for
// VA's): no introspection, no playground.
func TestProductionHasNoIntrospectionOrPlayground(t *testing.T) {
	p := vamstest.NewProduction(t)
	srv := httptest.NewServer(p.App.Handler)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("playground in production: %d", res.StatusCode)
	}
	tok := p.Token(t, icnA)
	code, body := post(t, srv.URL+"/graphql", tok, "application/json", strings.NewReader(`{"query":"{ __schema { types { name } } }"}`), -1)
	if strings.Contains(string(body), `"types"`) || !strings.Contains(string(body), edge.CodeIntrospectionDisabled) {
		t.Fatalf("introspection in production: %d %s", code, body)
	}
	// An unknown field gets no "did you mean" naming the schema's fields.
	_, body = post(t, srv.URL+"/graphql", tok, "application/json", strings.NewReader(`{"query":"{ viewer { displayNam } }"}`), -1)
	if strings.Contains(string(body), "Did you mean") {
		t.Fatalf("suggestions in production: %s", body)
	}
}
