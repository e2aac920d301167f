package edge_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/store/storetest"
)

// /graphql's refusals before GraphQL runs (no token, a body too large) come
// in the media type the client asked for, as GraphQL's own answers do.
func TestEdgeRefusalsInTheRequestedMediaType(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		tok := w.Token(icnA)
		big := `{"query":"{ viewer { id } }","variables":{"x":"` + strings.Repeat("a", edge.MaxBodyBytes) + `"}}`
		for _, accept := range []struct{ header, want string }{
			{"", "application/json"},
			{"application/json", "application/json"},
			{"*/*", "application/json"},
			{"application/graphql-response+json", "application/graphql-response+json"},
			{"application/graphql-response+json, application/json;q=0.9", "application/graphql-response+json"},
			{"application/json, application/graphql-response+json", "application/json"},
		} {
			for _, c := range []struct {
				name, token, body string
				status            int
				code              string
			}{
				{"no token", "", `{"query":"{ viewer { id } }"}`, 401, "UNAUTHENTICATED"},
				{"a bad token", "nope", `{"query":"{ viewer { id } }"}`, 401, "UNAUTHENTICATED"},
				{"a body too large", tok, big, 413, "REQUEST_TOO_LARGE"},
			} {
				req, _ := http.NewRequest("POST", w.Server.URL+"/graphql", strings.NewReader(c.body))
				req.Header.Set("Content-Type", "application/json")
				if accept.header != "" {
					req.Header.Set("Accept", accept.header)
				}
				if c.token != "" {
					req.Header.Set("Authorization", "Bearer "+c.token)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				var out struct {
					Data   *json.RawMessage
					Errors []struct{ Extensions map[string]any }
				}
				_ = json.Unmarshal(raw, &out)
				if res.StatusCode != c.status || res.Header.Get("Content-Type") != accept.want ||
					len(out.Errors) != 1 || out.Errors[0].Extensions["code"] != c.code || out.Data != nil {
					t.Errorf("%s, Accept %q: %d %s %s; want %d %s %s", c.name, accept.header,
						res.StatusCode, res.Header.Get("Content-Type"), raw, c.status, accept.want, c.code)
				}
			}
		}
	})
}
