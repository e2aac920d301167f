package auth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

func TestMiddleware(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	jwks := newJWKSServer(t, k)
	v := newTestVerifier(t, jwks, clock)
	good := sign(t, k, validClaims(clock.Now()))
	expired := sign(t, k, with(validClaims(clock.Now()), "exp", clock.Now().Add(-time.Hour).Unix()))

	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := ClaimsFrom(r.Context())
		if !ok || c.ICN != testICN {
			http.Error(w, "no claims", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "hello")
	})
	api := newHTTPServer(t, Middleware(v, refuseWithCode, app))

	// The body's shape is the endpoint's (package edge); here it is the code.
	const unauth = "401 UNAUTHENTICATED"
	tests := []struct {
		name     string
		auth     []string
		status   int
		wwwAuth  string
		wantBody string
	}{
		{"no header", nil, 401, `Bearer realm="vams"`, unauth},
		{"basic scheme", []string{"Basic dXNlcjpwYXNz"}, 401, `Bearer realm="vams", error="invalid_token"`, unauth},
		{"bearer without token", []string{"Bearer "}, 401, `Bearer realm="vams", error="invalid_token"`, unauth},
		{"garbage token", []string{"Bearer nope"}, 401, `Bearer realm="vams", error="invalid_token"`, unauth},
		{"expired token", []string{"Bearer " + expired}, 401, `Bearer realm="vams", error="invalid_token"`, unauth},
		{"two headers", []string{"Bearer " + good, "Bearer " + good}, 401, `Bearer realm="vams", error="invalid_token"`, unauth},
		{"good token", []string{"Bearer " + good}, 200, "", "hello"},
		{"lowercase scheme", []string{"bearer " + good}, 200, "", "hello"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, api.URL+"/graphql", nil)
			for _, a := range tc.auth {
				req.Header.Add("Authorization", a)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tc.wwwAuth {
				t.Errorf("WWW-Authenticate %q, want %q", got, tc.wwwAuth)
			}
			if string(body) != tc.wantBody {
				t.Errorf("body %q, want %q", body, tc.wantBody)
			}
		})
	}
}

func TestMiddlewareJWKSDown(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	jwks := newJWKSServer(t, k)
	jwks.setStatus(http.StatusInternalServerError)
	v := newTestVerifier(t, jwks, clock)
	api := newHTTPServer(t, Middleware(v, refuseWithCode, http.NotFoundHandler()))
	req, _ := http.NewRequest(http.MethodPost, api.URL, nil)
	req.Header.Set("Authorization", "Bearer "+sign(t, k, validClaims(clock.Now())))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || string(body) != "503 AUTH_UNAVAILABLE" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d %q, want 503 AUTH_UNAVAILABLE with Retry-After when keys cannot be fetched", resp.StatusCode, body)
	}
}

func refuseWithCode(w http.ResponseWriter, _ *http.Request, status int, code, _ string) {
	w.WriteHeader(status)
	fmt.Fprintf(w, "%d %s", status, code)
}

func TestClaimsContext(t *testing.T) {
	if _, ok := ClaimsFrom(context.Background()); ok {
		t.Fatal("claims in empty context")
	}
	ctx := WithClaims(context.Background(), Claims{ICN: testICN})
	if c, ok := ClaimsFrom(ctx); !ok || c.ICN != testICN {
		t.Fatalf("ClaimsFrom = %+v, %v", c, ok)
	}
}
