package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

func TestVerify(t *testing.T) {
	clock := newFakeClock()
	now := clock.Now()
	rsaK := newRSAKey(t, "rsa-1")
	ecK := newECKey(t, "ec-1")
	attacker := newECKey(t, "ec-1") // same kid as the real key, different key
	good := validClaims(now)

	// HS256 "signed" with the RSA public key as the HMAC secret: the classic
	// confusion attack against verifiers that let the token pick the alg.
	der, err := x509.MarshalPKIXPublicKey(rsaK.pub)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hsHeader := map[string]any{"alg": "HS256", "typ": "JWT", "kid": rsaK.kid}
	hsUnsigned := handToken(t, hsHeader, good, nil)
	hsUnsigned = hsUnsigned[:len(hsUnsigned)-1] // drop trailing "."
	mac := hmac.New(sha256.New, pemBytes)
	mac.Write([]byte(hsUnsigned))
	hsToken := hsUnsigned + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))

	// Tampered: a genuine token with its payload swapped for another veteran's.
	genuine := sign(t, rsaK, good)
	parts := strings.Split(genuine, ".")
	otherPayload, _ := json.Marshal(with(good, "icn", "2000000002V000002"))
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(otherPayload) + "." + parts[2]

	// ES256 header naming the RSA key: key/alg confusion must not verify.
	esWithRSAKid := sign(t, testKey{kid: rsaK.kid, alg: jose.ES256, priv: ecK.priv}, good)

	// Embedded attacker JWK in the header must be ignored in favour of the JWKS.
	embedded := signOpts(t, attacker, good, &jose.SignerOptions{EmbedJWK: true})

	rs512 := sign(t, testKey{kid: rsaK.kid, alg: jose.RS512, priv: rsaK.priv}, good)

	tests := []struct {
		name  string
		token string
		want  error // nil = valid
	}{
		{"valid RS256", sign(t, rsaK, good), nil},
		{"valid ES256", sign(t, ecK, good), nil},
		{"aud array containing ours", sign(t, ecK, with(good, "aud", []string{"other", testAudience})), nil},
		{"expired within leeway", sign(t, ecK, with(good, "exp", now.Add(-10*time.Second).Unix())), nil},
		{"no nbf, no iat", sign(t, ecK, with(good, "nbf", nil, "iat", nil)), nil},
		{"roles as single string", sign(t, ecK, with(good, "roles", "operator")), nil},

		{"empty", "", ErrMissingToken},
		{"garbage", "not-a-jwt", ErrMalformedToken},
		{"two segments", "eyJhbGciOiJFUzI1NiJ9.e30", ErrMalformedToken},
		{"oversized", strings.Repeat("a", maxTokenBytes+1), ErrMalformedToken},
		{"expired", sign(t, ecK, with(good, "exp", now.Add(-time.Minute).Unix())), ErrExpired},
		{"not yet valid", sign(t, ecK, with(good, "nbf", now.Add(5*time.Minute).Unix())), ErrNotYetValid},
		{"issued in the future", sign(t, ecK, with(good, "iat", now.Add(5*time.Minute).Unix())), ErrIssuedInFuture},
		{"no exp", sign(t, ecK, with(good, "exp", nil)), ErrMissingClaim},
		{"wrong audience", sign(t, rsaK, with(good, "aud", "someone-else")), ErrWrongAudience},
		{"wrong audience array", sign(t, rsaK, with(good, "aud", []string{"a", "b"})), ErrWrongAudience},
		{"no audience", sign(t, rsaK, with(good, "aud", nil)), ErrWrongAudience},
		{"wrong issuer", sign(t, rsaK, with(good, "iss", "https://evil.example.test")), ErrWrongIssuer},
		{"unknown kid", sign(t, newECKey(t, "nobody"), good), ErrUnknownKey},
		{"missing kid", sign(t, testKey{alg: jose.ES256, priv: ecK.priv}, good), ErrMissingKeyID},
		{"alg none", handToken(t, map[string]any{"alg": "none", "typ": "JWT", "kid": ecK.kid}, good, nil), ErrUnsupportedAlgorithm},
		{"alg None", handToken(t, map[string]any{"alg": "None", "kid": ecK.kid}, good, nil), ErrUnsupportedAlgorithm},
		{"HS256 with public key as secret", hsToken, ErrUnsupportedAlgorithm},
		{"RS512 (not allowed)", rs512, ErrUnsupportedAlgorithm},
		{"unknown alg", handToken(t, map[string]any{"alg": "XX999", "kid": ecK.kid}, good, []byte("sig")), ErrUnsupportedAlgorithm},
		{"tampered payload", tampered, ErrBadSignature},
		{"signature by another key with our kid", sign(t, attacker, good), ErrBadSignature},
		{"embedded jwk ignored", embedded, ErrBadSignature},
		{"ES256 header on RSA kid", esWithRSAKid, ErrBadSignature},
		{"malformed ICN", sign(t, ecK, with(good, "icn", "1000000001X000001")), ErrInvalidICN},
		{"short ICN", sign(t, ecK, with(good, "icn", "100000001V000001")), ErrInvalidICN},
		{"non-ASCII digit ICN", sign(t, ecK, with(good, "icn", "١000000001V00000")), ErrInvalidICN},
		{"numeric ICN", sign(t, ecK, with(good, "icn", 1000000001)), ErrInvalidICN},
		{"missing ICN", sign(t, ecK, with(good, "icn", nil)), ErrInvalidICN},
		{"roles not strings", sign(t, ecK, with(good, "roles", []int{1})), ErrMalformedToken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newJWKSServer(t, rsaK, ecK)
			v := newTestVerifier(t, srv, clock)
			c, err := v.Verify(context.Background(), tc.token)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if c.ICN != testICN || c.Subject != "opaque-subject" || c.Expiry.Unix() != good["exp"] && tc.name != "expired within leeway" {
					t.Fatalf("claims = %+v", c)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want != ErrMissingToken && !errors.Is(err, ErrInvalidToken) {
				t.Errorf("%v does not match ErrInvalidToken", err)
			}
			if ErrorCode(err) == "" {
				t.Errorf("no reason code for %v", err)
			}
			msg := err.Error()
			if strings.Contains(msg, testICN) || (len(tc.token) > 10 && strings.Contains(msg, tc.token[:10])) {
				t.Errorf("error leaks token material: %q", msg)
			}
			if c.ICN != "" || c.Subject != "" || c.Roles != nil {
				t.Errorf("claims returned with error: %+v", c)
			}
		})
	}
}

func TestVerifyRolesAndAudienceArray(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	srv := newJWKSServer(t, k)
	v := newTestVerifier(t, srv, clock)
	tok := sign(t, k, with(validClaims(clock.Now()), "roles", []string{"veteran", "operator"}))
	c, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasRole("operator") || c.HasRole("admin") || len(c.Roles) != 2 {
		t.Fatalf("roles = %v", c.Roles)
	}
}

func TestCustomICNClaim(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	srv := newJWKSServer(t, k)
	v := newTestVerifier(t, srv, clock, func(c *VerifierConfig) { c.ICNClaim = "va_icn" })
	c, err := v.Verify(context.Background(), sign(t, k, with(validClaims(clock.Now()), "icn", nil, "va_icn", testICN)))
	if err != nil || c.ICN != testICN {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
	if _, err := v.Verify(context.Background(), sign(t, k, validClaims(clock.Now()))); !errors.Is(err, ErrInvalidICN) {
		t.Fatalf("token with only the default claim: err = %v", err)
	}
}

func TestNoLeeway(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	srv := newJWKSServer(t, k)
	v := newTestVerifier(t, srv, clock, func(c *VerifierConfig) { c.Leeway = -1 })
	tok := sign(t, k, with(validClaims(clock.Now()), "exp", clock.Now().Add(-time.Second).Unix()))
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrExpired) {
		t.Fatalf("err = %v, want ErrExpired", err)
	}
}

func TestUnknownKidRefetchesThenRejects(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	srv := newJWKSServer(t, k)
	v := newTestVerifier(t, srv, clock)
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, k, validClaims(clock.Now()))); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	_, err := v.Verify(ctx, sign(t, newECKey(t, "ec-unknown"), validClaims(clock.Now())))
	if !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("JWKS hits = %d, want 2 (initial + one refetch)", got)
	}
}

func TestRotationWithoutRestart(t *testing.T) {
	clock := newFakeClock()
	old := newRSAKey(t, "rsa-old")
	srv := newJWKSServer(t, old)
	v := newTestVerifier(t, srv, clock)
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, old, validClaims(clock.Now()))); err != nil {
		t.Fatal(err)
	}

	clock.Advance(2 * time.Minute)
	rotated := newECKey(t, "ec-new")
	srv.publish(old, rotated)
	for i := range 3 {
		if _, err := v.Verify(ctx, sign(t, rotated, validClaims(clock.Now()))); err != nil {
			t.Fatalf("token %d from rotated key: %v", i, err)
		}
	}
	if _, err := v.Verify(ctx, sign(t, old, validClaims(clock.Now()))); err != nil {
		t.Fatalf("old key after rotation: %v", err)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("JWKS hits = %d, want 2 (one refetch for the new kid)", got)
	}
}

func TestRefetchRateLimited(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	srv := newJWKSServer(t, k)
	v := newTestVerifier(t, srv, clock, func(c *VerifierConfig) { c.MinRefreshInterval = 30 * time.Second })
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, k, validClaims(clock.Now()))); err != nil {
		t.Fatal(err)
	}
	bogus := sign(t, newECKey(t, "made-up"), validClaims(clock.Now()))
	for range 20 {
		if _, err := v.Verify(ctx, bogus); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("err = %v", err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("JWKS hits = %d within the interval, want 1", got)
	}
	clock.Advance(31 * time.Second)
	for range 20 {
		v.Verify(ctx, bogus)
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("JWKS hits = %d after the interval, want 2", got)
	}

	// A key published within the interval is still picked up once it ends.
	clock.Advance(5 * time.Second)
	late := newECKey(t, "late")
	srv.publish(k, late)
	lateTok := sign(t, late, validClaims(clock.Now()))
	if _, err := v.Verify(ctx, lateTok); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("within interval: err = %v, want ErrUnknownKey", err)
	}
	clock.Advance(30 * time.Second)
	if _, err := v.Verify(ctx, lateTok); err != nil {
		t.Fatalf("after interval: %v", err)
	}
}

func TestRefetchSingleFlight(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	srv := newJWKSServer(t, k)
	gate := make(chan struct{})
	srv.mu.Lock()
	srv.gate = gate
	srv.mu.Unlock()
	v := newTestVerifier(t, srv, clock)
	tok := sign(t, k, validClaims(clock.Now()))

	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := v.Verify(context.Background(), tok)
			errs <- err
		})
	}
	for srv.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others pile up behind the fetch
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.hits.Load(); got != 1 {
		t.Fatalf("JWKS hits = %d for %d concurrent verifies, want 1", got, n)
	}
}

func TestWaitingCallerHonoursContext(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	srv := newJWKSServer(t, k)
	gate := make(chan struct{})
	srv.mu.Lock()
	srv.gate = gate
	srv.mu.Unlock()
	defer close(gate)
	v := newTestVerifier(t, srv, clock)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := v.Verify(ctx, sign(t, k, validClaims(clock.Now()))); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestStaleKeysRefreshedAndWithdrawn(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	srv := newJWKSServer(t, k)
	v := newTestVerifier(t, srv, clock, func(c *VerifierConfig) { c.RefreshInterval = 10 * time.Minute })
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, k, validClaims(clock.Now()))); err != nil {
		t.Fatal(err)
	}
	// The IdP withdraws the key. Once the cache is stale the next request is
	// still served from it (no added latency) but triggers a background fetch.
	srv.publish()
	clock.Advance(11 * time.Minute)
	if _, err := v.Verify(ctx, sign(t, k, validClaims(clock.Now()))); err != nil {
		t.Fatalf("stale cache should still serve: %v", err)
	}
	waitFor(t, func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		return srv.hits.Load() == 2 && v.inflight == nil
	})
	if _, err := v.Verify(ctx, sign(t, k, validClaims(clock.Now()))); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("withdrawn key: err = %v, want ErrUnknownKey", err)
	}
}

func TestJWKSUnavailable(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	srv := newJWKSServer(t, k)
	srv.setStatus(http.StatusInternalServerError)
	v := newTestVerifier(t, srv, clock)
	ctx := context.Background()
	tok := sign(t, k, validClaims(clock.Now()))
	_, err := v.Verify(ctx, tok)
	if !errors.Is(err, ErrJWKSUnavailable) || errors.Is(err, ErrInvalidToken) {
		t.Fatalf("err = %v, want ErrJWKSUnavailable only", err)
	}
	// Recovery after the rate-limit interval, and keys survive a later outage.
	srv.setStatus(http.StatusOK)
	clock.Advance(time.Minute)
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	srv.setStatus(http.StatusBadGateway)
	clock.Advance(2 * time.Minute)
	v.Verify(ctx, sign(t, newECKey(t, "x"), validClaims(clock.Now()))) // forces a failing fetch
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("cached key during outage: %v", err)
	}
}

func TestParseJWKSKeepsOnlyUsableKeys(t *testing.T) {
	good := newECKey(t, "good")
	rsaK := newRSAKey(t, "rsa-1")
	priv := jose.JSONWebKey{Key: good.priv, KeyID: "private"}
	enc := jose.JSONWebKey{Key: good.pub, KeyID: "enc", Use: "enc"}
	noKid := jose.JSONWebKey{Key: good.pub}
	set := map[string]any{"keys": []any{
		good.jwk(), rsaK.jwk(), priv, enc, noKid,
		map[string]any{"kty": "oct", "kid": "hmac", "k": "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"},
		map[string]any{"kty": "weird", "kid": "weird"},
	}}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := parseJWKS(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || len(keys["good"]) != 1 || len(keys["rsa-1"]) != 1 {
		t.Fatalf("kept kids %v, want good and rsa-1", keysOf(keys))
	}
	if _, err := parseJWKS([]byte(`{"nokeys":1}`)); err == nil {
		t.Fatal("set without keys accepted")
	}
}

func TestNewVerifierValidatesConfig(t *testing.T) {
	for _, cfg := range []VerifierConfig{
		{},
		{Issuer: "i", Audience: "a"},
		{Issuer: "i", Audience: "a", JWKSURL: "file:///etc/passwd"},
		{Audience: "a", JWKSURL: "https://x/jwks"},
	} {
		if _, err := NewVerifier(cfg); err == nil {
			t.Errorf("NewVerifier(%+v) accepted", cfg)
		}
	}
}

func TestValidICN(t *testing.T) {
	for s, want := range map[string]bool{
		"1000000001V000001":  true,
		"1000000001v000001":  false,
		"1000000001V0000011": false,
		"100000000AV000001":  false,
		"":                   false,
	} {
		if ValidICN(s) != want {
			t.Errorf("ValidICN(%q) = %v", s, !want)
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(time.Millisecond)
	}
}
