package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/va/vams/internal/vamstest"
)

// In production, metrics, /ops/ and the audit trail are served on the
// operator listener only; the public listener serves the API.
func TestProductionServesOperatorRoutesOnTheOperatorListenerOnly(t *testing.T) {
	p := vamstest.NewProduction(t)
	public, operator := httptest.NewServer(p.App.Handler), httptest.NewServer(p.App.Operator)
	defer public.Close()
	defer operator.Close()
	op := p.Token(t, "1000000778V000778", "operator")
	do := func(base, method, path string) (int, string) {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+op)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, res.Body)
		return res.StatusCode, b.String()
	}
	for _, c := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/metrics", 200},
		{http.MethodGet, "/ops/sync", 200},
		{http.MethodGet, "/ops/deliveries/failed", 200},
		{http.MethodPost, "/ops/deliveries/msg_01J0000000000000000000000A/retry", 404},
		{http.MethodPost, "/ops/deliveries/msg_01J0000000000000000000000A/recheck", 404},
		{http.MethodGet, "/ops/audit", 200},
		{http.MethodGet, "/ops/audit/verify", 200},
		{http.MethodGet, "/ops/jobs/api/queues", 200},
	} {
		if code, body := do(operator.URL, c.method, c.path); code != c.want {
			t.Errorf("operator listener: %s %s = %d %.200s, want %d", c.method, c.path, code, body, c.want)
		}
		if code, body := do(public.URL, c.method, c.path); code != http.StatusNotFound || !strings.Contains(body, `"No such endpoint."`) {
			t.Errorf("public listener: %s %s = %d %.200s, want the unserved-route 404", c.method, c.path, code, body)
		}
	}
	for _, path := range []string{"/graphql", "/healthz", "/readyz"} {
		if code, _ := do(operator.URL, http.MethodGet, path); code != http.StatusNotFound {
			t.Errorf("operator listener serves %s: %d", path, code)
		}
	}
	if code, _ := do(public.URL, http.MethodGet, "/healthz"); code != http.StatusOK {
		t.Errorf("public /healthz: %d", code)
	}
}

// Profiles (net/http/pprof) are served on the operator listener to an
// operator only, and never on the public listener.
func TestProfilesOnTheOperatorListenerForOperatorsOnly(t *testing.T) {
	p := vamstest.NewProduction(t)
	public, operator := httptest.NewServer(p.App.Handler), httptest.NewServer(p.App.Operator)
	defer public.Close()
	defer operator.Close()
	get := func(base, path, token string) int {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		return res.StatusCode
	}
	op, vet := p.Token(t, "1000000778V000778", "operator"), p.Token(t, "1000000779V000779")
	for _, c := range []struct {
		name        string
		base, token string
		path        string
		want        int
	}{
		{"operator, index", operator.URL, op, "/debug/pprof/", 200},
		{"operator, heap", operator.URL, op, "/debug/pprof/heap", 200},
		{"operator, allocs", operator.URL, op, "/debug/pprof/allocs?debug=1", 200},
		{"operator, CPU", operator.URL, op, "/debug/pprof/profile?seconds=1", 200},
		{"no token", operator.URL, "", "/debug/pprof/", 401},
		{"a veteran", operator.URL, vet, "/debug/pprof/heap", 403},
		{"public, operator", public.URL, op, "/debug/pprof/", 404},
		{"public, heap", public.URL, op, "/debug/pprof/heap", 404},
		{"public, CPU", public.URL, op, "/debug/pprof/profile?seconds=1", 404},
	} {
		if got := get(c.base, c.path, c.token); got != c.want {
			t.Errorf("%s: GET %s = %d, want %d", c.name, c.path, got, c.want)
		}
	}
}
