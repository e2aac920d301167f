package edge_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/va/vams/internal/store/storetest"
)

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
				var req *http.Request
				if c.method == "GET" {
					req, _ = http.NewRequest("GET", w.Server.URL+"/graphql?query="+url.QueryEscape(c.body), nil)
				} else {
					req, _ = http.NewRequest("POST", w.Server.URL+"/graphql", strings.NewReader(c.body))
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Accept", c.accept)
				req.Header.Set("Authorization", "Bearer "+tok)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				raw, _ := io.ReadAll(res.Body)
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
