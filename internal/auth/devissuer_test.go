package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// devServer serves an issuer's discovery and JWKS the way the VAMS server
// would, so tests go through the production Verifier over HTTP.
type devServer struct {
	*httptest.Server
	iss      atomic.Pointer[DevIssuer]
	jwksHits atomic.Int32
}

func newDevServer(t *testing.T) *devServer {
	t.Helper()
	s := &devServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := s.iss.Load()
		switch r.URL.Path {
		case DevJWKSPath:
			s.jwksHits.Add(1)
			d.JWKSHandler().ServeHTTP(w, r)
		case DevDiscoveryPath:
			d.DiscoveryHandler().ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func TestDevIssuerPersistsAndVerifies(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	srv := newDevServer(t)
	d1, err := LoadOrCreateDevIssuer(dir, srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, DevSigningKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}

	// A second load (the CLI vs the server) must find the same key.
	d2, err := LoadOrCreateDevIssuer(dir, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	kid1, _ := d1.CurrentKeyID()
	kid2, _ := d2.CurrentKeyID()
	if kid1 == "" || kid1 != kid2 {
		t.Fatalf("kids differ across loads: %q vs %q", kid1, kid2)
	}
	if d1.Issuer() != srv.URL {
		t.Fatalf("issuer %q, want trailing slash trimmed", d1.Issuer())
	}

	// Token minted by one instance, JWKS served by the other.
	srv.iss.Store(d2)
	tok, err := d1.Issue(testICN, 10*time.Minute, "operator")
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(d2.VerifierConfig())
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatalf("Verify dev token: %v", err)
	}
	if c.ICN != testICN || !c.HasRole("operator") {
		t.Fatalf("claims = %+v", c)
	}
	if c.Subject == "" || strings.Contains(c.Subject, testICN) {
		t.Fatalf("sub %q should be opaque", c.Subject)
	}
	if d := time.Until(c.Expiry); d < 9*time.Minute || d > 11*time.Minute {
		t.Fatalf("expiry in %v, want ~10m", d)
	}

	// The token carries exactly the claims promised.
	parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Headers[0].KeyID != kid1 {
		t.Fatalf("kid header %q, want %q", parsed.Headers[0].KeyID, kid1)
	}
	var raw map[string]any
	if err := parsed.UnsafeClaimsWithoutVerification(&raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"iss", "aud", "sub", "icn", "iat", "nbf", "exp", "jti"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("claim %q missing", k)
		}
	}
	if raw["aud"] != DevAudience {
		t.Errorf("aud = %v", raw["aud"])
	}
}

func TestDevIssuerRotate(t *testing.T) {
	dir := t.TempDir()
	srv := newDevServer(t)
	d, err := LoadOrCreateDevIssuer(dir, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	srv.iss.Store(d)
	clock := &fakeClock{t: time.Now()}
	cfg := d.VerifierConfig()
	cfg.Clock = clock.Now
	v, err := NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	oldTok, _ := d.Issue(testICN, time.Hour)
	if _, err := v.Verify(ctx, oldTok); err != nil {
		t.Fatal(err)
	}
	oldKid, _ := d.CurrentKeyID()

	// Another process (say `vams rotate-key`) rotates the shared key file; the
	// running server's issuer picks it up without a restart.
	other, err := LoadOrCreateDevIssuer(dir, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Rotate(); err != nil {
		t.Fatal(err)
	}
	newKid, _ := d.CurrentKeyID()
	if newKid == oldKid {
		t.Fatal("rotation not visible to the other instance")
	}
	newTok, err := d.Issue(testICN, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute) // past the verifier's refetch rate limit
	if _, err := v.Verify(ctx, newTok); err != nil {
		t.Fatalf("token from rotated key: %v", err)
	}
	if _, err := v.Verify(ctx, oldTok); err != nil {
		t.Fatalf("token from previous key after rotation: %v", err)
	}
	if got := srv.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS hits = %d, want 2", got)
	}

	// Old keys stay published, but only the last few.
	for range 4 {
		if err := d.Rotate(); err != nil {
			t.Fatal(err)
		}
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	rec := httptest.NewRecorder()
	d.JWKSHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, DevJWKSPath, nil))
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != devKeepKeys {
		t.Fatalf("published %d keys, want %d", len(set.Keys), devKeepKeys)
	}
	for _, k := range set.Keys {
		if _, ok := k["d"]; ok {
			t.Fatal("JWKS publishes a private key")
		}
	}
}

func TestDevIssuerHandlers(t *testing.T) {
	d, err := LoadOrCreateDevIssuer(t.TempDir(), "http://localhost:8080")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	d.DiscoveryHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, DevDiscoveryPath, nil))
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["issuer"] != "http://localhost:8080" || doc["jwks_uri"] != "http://localhost:8080"+DevJWKSPath {
		t.Fatalf("discovery = %v", doc)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("content type %q", ct)
	}

	rec = httptest.NewRecorder()
	d.JWKSHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, DevJWKSPath, nil))
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	kid, _ := d.CurrentKeyID()
	if len(set.Keys) != 1 || set.Keys[0].KeyID != kid || !set.Keys[0].IsPublic() || set.Keys[0].Algorithm != "ES256" {
		t.Fatalf("jwks = %+v", set)
	}

	rec = httptest.NewRecorder()
	d.JWKSHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, DevJWKSPath, nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
}

func TestDevIssuerRejects(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreateDevIssuer(dir, "not a url"); err == nil {
		t.Fatal("bad issuer URL accepted")
	}
	d, err := LoadOrCreateDevIssuer(dir, "http://localhost:8080")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Issue("12345", time.Hour); err == nil {
		t.Fatal("bad ICN accepted")
	}
	if _, err := d.Issue(testICN, 0); err == nil {
		t.Fatal("zero TTL accepted")
	}

	// A corrupt key file is an error, not silently replaced (that would
	// invalidate every token the other process issued).
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, DevSigningKeyFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateDevIssuer(bad, "http://localhost:8080"); err == nil {
		t.Fatal("corrupt key file accepted")
	}
}

func TestDevIssuerTightensLoosePermissions(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreateDevIssuer(dir, "http://localhost:8080"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, DevSigningKeyFile)
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateDevIssuer(dir, "http://localhost:8080"); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v after reload, want 0600", st.Mode().Perm())
	}
}

func TestDevIssuerConcurrentCreate(t *testing.T) {
	dir := t.TempDir()
	kids := make(chan string, 8)
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			d, err := LoadOrCreateDevIssuer(dir, "http://localhost:8080")
			if err != nil {
				t.Error(err)
				return
			}
			k, _ := d.CurrentKeyID()
			kids <- k
		}()
	}
	for range 8 {
		<-done
	}
	close(kids)
	first := ""
	for k := range kids {
		if first == "" {
			first = k
		} else if k != first {
			t.Fatalf("concurrent creators disagree: %q vs %q", first, k)
		}
	}
}
