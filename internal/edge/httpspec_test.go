package edge_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// postQuery posts a GraphQL request as JSON with the Accept given and
// returns the answer.
func postQuery(t *testing.T, url, token, accept string, req map[string]any) (*http.Response, []byte) {
	t.Helper()
	body, _ := json.Marshal(req)
	return do(t, http.MethodPost, url+"/graphql", token, accept, bytes.NewReader(body))
}

func do(t *testing.T, method, url, token, accept string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res, raw
}

// Request errors follow GraphQL over HTTP: 200 with errors for
// application/json (and */*, which Apollo Client sends), 4xx without a data
// entry for application/graphql-response+json; a GET mutation is 405; a
// malformed body is never echoed back.
func TestRequestErrorsFollowGraphQLOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		tok := w.Token(icnA)
		const secret = "SECRET-BODY-TEXT"
		for _, c := range []struct {
			name, method, accept, body string
			status                     int
			code                       string
		}{
			{"validation error, application/json", "POST", "application/json", `{"query":"{ viewer { nope } }"}`, 200, "GRAPHQL_VALIDATION_FAILED"},
			{"validation error, */*", "POST", "*/*", `{"query":"{ viewer { nope } }"}`, 200, "GRAPHQL_VALIDATION_FAILED"},
			{"parse error, */*", "POST", "*/*", `{"query":"{ viewer { "}`, 200, "GRAPHQL_PARSE_FAILED"},
			{"validation error, graphql-response+json", "POST", "application/graphql-response+json", `{"query":"{ viewer { nope } }"}`, 400, "GRAPHQL_VALIDATION_FAILED"},
			{"malformed JSON", "POST", "application/json", `{"query": "` + secret, 400, "BAD_REQUEST"},
			{"GET mutation", "GET", "application/json", `mutation { markThreadRead(input: {threadId: "x"}) { thread { id } } }`, 405, "METHOD_NOT_ALLOWED"},
		} {
			t.Run(c.name, func(t *testing.T) {
				var res *http.Response
				var raw []byte
				if c.method == "GET" {
					res, raw = do(t, "GET", w.Server.URL+"/graphql?query="+url.QueryEscape(c.body), tok, c.accept, nil)
				} else {
					res, raw = do(t, "POST", w.Server.URL+"/graphql", tok, c.accept, strings.NewReader(c.body))
				}
				var body map[string]json.RawMessage
				_ = json.Unmarshal(raw, &body)
				var errs []struct {
					Message    string         `json:"message"`
					Extensions map[string]any `json:"extensions"`
				}
				_ = json.Unmarshal(body["errors"], &errs)
				if res.StatusCode != c.status || len(errs) == 0 || errs[0].Extensions["code"] != c.code {
					t.Fatalf("%d %s, want %d and %s", res.StatusCode, raw, c.status, c.code)
				}
				if _, ok := body["data"]; ok && res.StatusCode >= 400 {
					t.Fatalf("a request error carries data: %s", raw)
				}
				if strings.Contains(string(raw), secret) {
					t.Fatalf("the body is echoed: %s", raw)
				}
			})
		}
	})
}

// Every limit refuses the request before anything runs, so it is a request
// error as GraphQL over HTTP says: 200 with errors under application/json
// and */*, 400 under application/graphql-response+json, and never a data
// entry.
func TestLimitRefusalsAreRequestErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		shallow := vamstest.New(t, b, vamstest.Options{API: func(c *edge.Config) { c.MaxDepth = 2 }})
		shallow.Veteran(icnA, "Alex Morgan")
		prod := vamstest.New(t, b, vamstest.Options{API: func(c *edge.Config) { c.Introspection = false }})
		prod.Veteran(icnA, "Alex Morgan")
		safelisted := vamstest.New(t, b, vamstest.Options{API: func(c *edge.Config) { c.PersistedOnly, c.PersistedQueries = true, map[string]string{} }})
		safelisted.Veteran(icnA, "Alex Morgan")
		type refusal struct {
			attack
			env *vamstest.Env
		}
		var cases []refusal
		for _, a := range attacks() {
			cases = append(cases, refusal{a, w.Env})
		}
		cases = append(cases, []refusal{
			{attack{"too deep", `{ viewer { threads { edges { node { id } } } } }`, edge.CodeQueryTooDeep, nil}, shallow},
			{attack{"too costly", `{ viewer { threads(first: 100) { edges { node { id messages(first: 100) { edges { node { id body } } } } } } } }`, edge.CodeComplexityLimit, nil}, w.Env},
			{attack{"introspection off", `{ __schema { types { name } } }`, edge.CodeIntrospectionDisabled, nil}, prod},
			{attack{"not on the safelist", `{ viewer { id } }`, edge.CodePersistedQueryRequired, nil}, safelisted},
			{attack{"@defer", `{ viewer { id ... @defer { unreadCount } } }`, edge.CodeDeferNotSupported, nil}, w.Env},
		}...)
		for _, c := range cases {
			for _, accept := range []struct {
				header string
				status int
			}{{"application/json", 200}, {"*/*", 200}, {"application/graphql-response+json", 400}} {
				t.Run(c.name+", "+accept.header, func(t *testing.T) {
					res, raw := postQuery(t, c.env.Server.URL, c.env.Token(icnA), accept.header, map[string]any{"query": c.query, "variables": c.vars})
					var out map[string]json.RawMessage
					_ = json.Unmarshal(raw, &out)
					var errs []struct{ Extensions map[string]any }
					_ = json.Unmarshal(out["errors"], &errs)
					if res.StatusCode != accept.status || len(errs) != 1 || errs[0].Extensions["code"] != c.code {
						t.Fatalf("%d %.300s, want %d and one %s", res.StatusCode, raw, accept.status, c.code)
					}
					if _, ok := out["data"]; ok {
						t.Fatalf("a request error carries data: %.300s", raw)
					}
				})
			}
		}
	})
}

// A client listing a JSON type before text/event-stream (urql's queries
// do) gets a JSON answer, request errors at their 4xx; one listing the
// stream first (graphql-sse) still streams.
func TestEventStreamOnlyWhenListedFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		const urqlAccept = "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed"
		big := `{ viewer { x1: ` + strings.Repeat("id ", 16000) + `} }`
		for _, c := range []struct {
			name, accept, query, contentType string
			status                           int
		}{
			{"urql's query", urqlAccept, `{ viewer { id } }`, "application/graphql-response+json", 200},
			{"urql's refused query", urqlAccept, big, "application/graphql-response+json", 400},
			{"json, then the stream", "application/json, text/event-stream", big, "application/json", 200},
			{"the stream only", "text/event-stream", `{ viewer { id } }`, "text/event-stream", 200},
			{"the stream first", "text/event-stream, application/json", `{ viewer { id } }`, "text/event-stream", 200},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, raw := postQuery(t, w.Server.URL, w.Token(icnA), c.accept, map[string]any{"query": c.query})
				if res.StatusCode != c.status || !strings.HasPrefix(res.Header.Get("Content-Type"), c.contentType) {
					t.Fatalf("%d %s %.200s, want %d %s", res.StatusCode, res.Header.Get("Content-Type"), raw, c.status, c.contentType)
				}
			})
		}
	})
}
