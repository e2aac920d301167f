package edge_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

type answer struct {
	status int
	header http.Header
	body   []byte
}

func call(t *testing.T, method, url, token string) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(`{"query":"{ viewer { id } }"}`))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, body}
}

// errorCode checks a the edge's one error shape, with the request id of
// the response, and returns its code.
func (a answer) errorCode(t *testing.T) string {
	t.Helper()
	var b edge.ErrorBody
	dec := json.NewDecoder(strings.NewReader(string(a.body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("%d %s: not the edge's error shape (%v)", a.status, a.body, err)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error with content type %q", ct)
	}
	if b.Error.RequestID == "" || b.Error.RequestID != a.header.Get("X-Request-Id") {
		t.Errorf("error body's request id %q, header's %q", b.Error.RequestID, a.header.Get("X-Request-Id"))
	}
	return b.Error.Code
}

// Every endpoint but /graphql answers errors in one shape; /graphql keeps
// GraphQL's.
func TestErrorShapes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b, vamstest.Options{Audit: true})
		e.Veteran(icnA, "Alex Morgan")
		vet, op := e.Token(icnA), e.Token(icnB, "operator")
		u := e.Server.URL

		a := call(t, http.MethodPost, u+"/graphql", "")
		if want := `{"errors":[{"message":"authentication required","extensions":{"code":"UNAUTHENTICATED"}}]}`; a.status != 401 || string(a.body) != want ||
			a.header.Get("Content-Type") != "application/json" || a.header.Get("WWW-Authenticate") != `Bearer realm="vams"` {
			t.Errorf("/graphql without a token: %d %v %s", a.status, a.header, a.body)
		}
		cases := []struct {
			name, method, path, token string
			status                    int
			code                      string
		}{
			{"download without a token", http.MethodGet, "/attachments/att_01J0000000000000000000000A", "", 401, "UNAUTHENTICATED"},
			{"download with a bad token", http.MethodGet, "/attachments/att_01J0000000000000000000000A", "nope", 401, "UNAUTHENTICATED"},
			{"unknown attachment", http.MethodGet, "/attachments/att_01J0000000000000000000000A", vet, 404, "NOT_FOUND"},
			{"download by POST", http.MethodPost, "/attachments/att_01J0000000000000000000000A", vet, 405, "METHOD_NOT_ALLOWED"},
			{"audit without a token", http.MethodGet, "/ops/audit", "", 401, "UNAUTHENTICATED"},
			{"audit as a veteran", http.MethodGet, "/ops/audit", vet, 403, "FORBIDDEN"},
			{"audit with a bad since", http.MethodGet, "/ops/audit?since=yesterday", op, 400, "INVALID_INPUT"},
			{"audit with a bad limit", http.MethodGet, "/ops/audit?limit=0", op, 400, "INVALID_INPUT"},
		}
		for _, c := range cases {
			a := call(t, c.method, u+c.path, c.token)
			if a.status != c.status {
				t.Errorf("%s: %d %s, want %d", c.name, a.status, a.body, c.status)
				continue
			}
			if code := a.errorCode(t); code != c.code {
				t.Errorf("%s: code %s, want %s", c.name, code, c.code)
			}
		}
	})
}

var operatorRoutes = []struct{ method, path string }{
	{http.MethodGet, "/ops/sync"},
	{http.MethodGet, "/ops/deliveries/failed"},
	{http.MethodPost, "/ops/deliveries/msg_01J0000000000000000000000A/retry"},
	{http.MethodGet, "/ops/audit"},
	{http.MethodGet, "/ops/audit/verify"},
}

// Every operator endpoint refuses callers without the operator role in the
// one error shape, and none enrols its caller as a veteran, operator or not.
func TestOperatorEndpointsRefuseAndNeverEnrol(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		const vetICN, opICN = "1000000777V000777", "1000000778V000778"
		vet := s.Token(vetICN)
		op, err := s.App.Issuer.Issue(opICN, time.Hour, "operator")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range operatorRoutes {
			for _, c := range []struct {
				who, token string
				status     int
				code       string
			}{
				{"no token", "", 401, "UNAUTHENTICATED"},
				{"a bad token", "not-a-token", 401, "UNAUTHENTICATED"},
				{"a veteran", vet, 403, "FORBIDDEN"},
			} {
				a := call(t, r.method, s.URL+r.path, c.token)
				if a.status != c.status {
					t.Errorf("%s %s with %s: %d %s, want %d", r.method, r.path, c.who, a.status, a.body, c.status)
					continue
				}
				if code := a.errorCode(t); code != c.code {
					t.Errorf("%s %s with %s: code %s, want %s", r.method, r.path, c.who, code, c.code)
				}
			}
			if a := call(t, r.method, s.URL+r.path, op); a.status >= 500 || a.status == 401 || a.status == 403 {
				t.Errorf("%s %s as an operator: %d %s", r.method, r.path, a.status, a.body)
			}
		}
		n, err := s.App.Store.Client.Veteran.Query().Where(veteran.IcnIn(vetICN, opICN)).Count(viewer.System(t.Context()))
		if err != nil || n != 0 {
			t.Fatalf("operator endpoints enrolled %d callers (%v)", n, err)
		}
	})
}

// An internal error on an operator endpoint is logged under the request id
// and answered without its text.
func TestOpsInternalErrorDoesNotLeak(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		op, err := s.App.Issuer.Issue("1000000778V000778", time.Hour, "operator")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.App.Store.DB.Exec(`DROP TABLE sync_states`); err != nil {
			t.Fatal(err)
		}
		a := call(t, http.MethodGet, s.URL+"/ops/sync", op)
		if a.status != http.StatusInternalServerError || a.errorCode(t) != "INTERNAL" {
			t.Fatalf("/ops/sync without its table: %d %s", a.status, a.body)
		}
		for _, w := range []string{"sync_states", "sql", "SQL", "table", "relation"} {
			if strings.Contains(string(a.body), w) {
				t.Errorf("error body leaks %q: %s", w, a.body)
			}
		}
		rid := a.header.Get("X-Request-Id")
		for _, line := range strings.Split(s.Log.String(), "\n") {
			if strings.Contains(line, `"request_id":"`+rid+`"`) && strings.Contains(line, "sync_states") {
				return
			}
		}
		t.Fatalf("the error is not logged under request id %s", rid)
	})
}

// Routes VAMS does not serve, methods a route does not take and refused OH
// publications answer in the same one shape, never plain text.
func TestUnservedRoutesAndRefusedPublicationsUseTheOneShape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		cases := []struct {
			name, method, path string
			status             int
			code, allow        string
		}{
			{"unknown path", http.MethodGet, "/no/such/place", 404, "NOT_FOUND", ""},
			{"health by POST", http.MethodPost, "/healthz", 405, "METHOD_NOT_ALLOWED", "GET, HEAD"},
			{"intake by GET", http.MethodGet, edge.IntakeOHPath, 405, "METHOD_NOT_ALLOWED", "POST"},
			{"unsigned publication", http.MethodPost, edge.IntakeOHPath, 401, "UNAUTHENTICATED", ""},
		}
		for _, c := range cases {
			a := call(t, c.method, s.URL+c.path, "")
			if a.status != c.status {
				t.Errorf("%s: %d %s, want %d", c.name, a.status, a.body, c.status)
				continue
			}
			if code := a.errorCode(t); code != c.code {
				t.Errorf("%s: code %s, want %s", c.name, code, c.code)
			}
			if got := a.header.Get("Allow"); got != c.allow {
				t.Errorf("%s: Allow %q, want %q", c.name, got, c.allow)
			}
		}
	})
}
