package edge_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/va/vams/internal/store/storetest"
)

// @defer is refused before anything runs, as a request error with its own
// code, wherever it hides; the same fields without it still work.
func TestDeferIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		tok := w.Token(icnA)
		for _, c := range []struct {
			name, query string
		}{
			{"inline fragment", `{ viewer { id ... @defer { unreadCount } } }`},
			{"inline fragment with a label", `{ viewer { id ... @defer(label: "u") { unreadCount } } }`},
			{"fragment spread", `{ viewer { id ...U @defer } } fragment U on Viewer { unreadCount }`},
			{"inside a spread fragment", `{ viewer { ...V } } fragment V on Viewer { id ... @defer { unreadCount } }`},
			{"in one of several operations", `query A { viewer { id } } query B { viewer { ... @defer { id } } }`},
		} {
			for _, accept := range []struct {
				media  string
				status int
			}{{"application/json", 200}, {"*/*", 200}, {"application/graphql-response+json", 400}} {
				t.Run(c.name+", "+accept.media, func(t *testing.T) {
					body, _ := json.Marshal(map[string]any{"query": c.query, "operationName": opName(c.query)})
					req, _ := http.NewRequest("POST", w.Server.URL+"/graphql", strings.NewReader(string(body)))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Accept", accept.media)
					req.Header.Set("Authorization", "Bearer "+tok)
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					defer res.Body.Close()
					raw, _ := io.ReadAll(res.Body)
					var out struct {
						Data   *json.RawMessage
						Errors []struct {
							Message    string
							Extensions map[string]any
						}
					}
					_ = json.Unmarshal(raw, &out)
					if res.StatusCode != accept.status || len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != "DEFER_NOT_SUPPORTED" || out.Data != nil {
						t.Fatalf("%d %s, want %d with DEFER_NOT_SUPPORTED and no data", res.StatusCode, raw, accept.status)
					}
				})
			}
		}
		var ok struct{ Viewer struct{ ID string } }
		w.MustDo(icnA, `query A { viewer { id } }`, nil, &ok)
		if ok.Viewer.ID == "" {
			t.Fatal("the operation without @defer does not run")
		}
	})
}

// opName picks the operation that uses @defer when a document holds several.
func opName(q string) string {
	if strings.HasPrefix(q, "query A") {
		return "B"
	}
	return ""
}
