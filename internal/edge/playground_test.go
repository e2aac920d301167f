package edge_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/app"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/edge"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

func playgroundGet(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

var (
	scriptTag = regexp.MustCompile(`<script\b[^>]*>`)
	assetRef  = regexp.MustCompile(`(?:src|href)="([^"]*)"`)
)

// The page's CSP admits this server alone and no inline script, and every
// asset it names is embedded and served with its type, revalidated by ETag.
func TestPlaygroundPageNeedsNothingButItsEmbeddedAssets(t *testing.T) {
	mux := http.NewServeMux()
	edge.Playground{Endpoint: "/graphql"}.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, page := playgroundGet(t, srv.URL+"/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d", res.StatusCode)
	}
	csp := res.Header.Get("Content-Security-Policy")
	host := strings.TrimPrefix(srv.URL, "http://")
	// Subscriptions: a WebSocket to this host, named for browsers whose
	// 'self' does not cover ws: (CSP before Level 3).
	connect := "connect-src 'self' ws://" + host + " wss://" + host + ";"
	for _, want := range []string{"default-src 'none'", "script-src 'self';", connect, "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	// A Host header that would break out of the directive is not named.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.Host = "example.com;script-src"
	odd, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	odd.Body.Close()
	if csp := odd.Header.Get("Content-Security-Policy"); strings.Contains(csp, "example.com") || !strings.Contains(csp, "connect-src 'self';") {
		t.Errorf("a Host with a ';' reached the CSP: %q", csp)
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
	for _, tag := range scriptTag.FindAllString(page, -1) {
		if !strings.Contains(tag, ` src="`) {
			t.Errorf("inline script: %s", tag)
		}
	}
	wantType := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	refs := assetRef.FindAllStringSubmatch(page, -1)
	if len(refs) < 6 {
		t.Fatalf("page names %d assets, want the 4 scripts and 2 stylesheets:\n%s", len(refs), page)
	}
	for _, m := range refs {
		ref := m[1]
		if !strings.HasPrefix(ref, edge.PlaygroundAssetsPath) {
			t.Errorf("asset off the embedded path: %s", ref)
			continue
		}
		res, body := playgroundGet(t, srv.URL+ref)
		ext := ref[strings.LastIndex(ref, "."):]
		if res.StatusCode != http.StatusOK || len(body) == 0 || res.Header.Get("Content-Type") != wantType[ext] {
			t.Errorf("GET %s: %d, %d bytes, %s", ref, res.StatusCode, len(body), res.Header.Get("Content-Type"))
			continue
		}
		if again, _ := playgroundGet(t, srv.URL+ref, "If-None-Match", res.Header.Get("ETag")); again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", ref, again.StatusCode)
		}
	}
	for _, path := range []string{edge.PlaygroundAssetsPath, edge.PlaygroundAssetsPath + "vendor/", edge.PlaygroundAssetsPath + "missing.js"} {
		if res, _ := playgroundGet(t, srv.URL+path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404 (no listings)", path, res.StatusCode)
		}
	}
}

// In demo mode the demo-token endpoint issues a working 12-hour token for
// the chosen demo veteran.
func TestDemoTokenEndpointIssuesTheChosenVeteransToken(t *testing.T) {
	s := vamstest.NewSystem(t, storetest.Backends(t)[0])
	vets := demo.Directory.Veterans
	tests := []struct {
		name, query string
		status      int
		veteran     int // 1-based, when status is 200
	}{
		{"no veteran means the first", "", http.StatusOK, 1},
		{"the second", "?veteran=2", http.StatusOK, 2},
		{"the last", "?veteran=3", http.StatusOK, len(vets)},
		{"zero", "?veteran=0", http.StatusNotFound, 0},
		{"past the last", "?veteran=4", http.StatusNotFound, 0},
		{"not a number", "?veteran=jordan", http.StatusBadRequest, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := playgroundGet(t, s.URL+edge.PlaygroundDemoTokenPath+tc.query)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if tc.status != http.StatusOK {
				answer{res.StatusCode, res.Header, []byte(body)}.errorCode(t)
				return
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
			var got edge.DemoToken
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			want := vets[tc.veteran-1]
			if got.Veteran != tc.veteran || got.Veterans != len(vets) || got.ICN != want.ICN || got.DisplayName != want.DisplayName {
				t.Errorf("got %+v, want veteran %d of %d (%s)", got, tc.veteran, len(vets), want.ICN)
			}
			if left := time.Until(got.ExpiresAt); left < app.DemoTokenTTL-time.Minute || left > app.DemoTokenTTL {
				t.Errorf("expires in %s, want %s", left, app.DemoTokenTTL)
			}
			var data struct{ Viewer struct{ DisplayName string } }
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(`{"query":"{ viewer { displayName } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+got.Token)
			gres, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer gres.Body.Close()
			var out struct{ Data json.RawMessage }
			if err := json.NewDecoder(gres.Body).Decode(&out); err != nil || json.Unmarshal(out.Data, &data) != nil {
				t.Fatalf("viewer with the demo token: %d %v", gres.StatusCode, err)
			}
			if data.Viewer.DisplayName != want.DisplayName {
				t.Errorf("the token signs in %q, want %q", data.Viewer.DisplayName, want.DisplayName)
			}
		})
	}
}

// In production the page, its assets and the demo-token endpoint do not
// exist.
func TestPlaygroundIsAbsentInProduction(t *testing.T) {
	srv := httptest.NewServer(vamstest.NewProduction(t).App.Handler)
	defer srv.Close()
	for _, path := range []string{"/", edge.PlaygroundDemoTokenPath + "?veteran=1", edge.PlaygroundAssetsPath + "vendor/graphiql.min.js"} {
		if res, _ := playgroundGet(t, srv.URL+path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s in production: %d, want 404", path, res.StatusCode)
		}
	}
}
