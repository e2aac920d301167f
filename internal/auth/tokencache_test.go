package auth

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func cachedTokens(v *Verifier) int {
	v.tokens.mu.Lock()
	defer v.tokens.mu.Unlock()
	return len(v.tokens.m)
}

// A cached token is answered only until its exp; from then on it is checked
// afresh, so the leeway and the refusal are exactly as without the cache.
func TestCachedTokenIsRefusedOnceExpired(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration // past issue; exp is at 15 min, leeway 30 s
		want  error
	}{
		{"before exp, from the cache", 14 * time.Minute, nil},
		{"past exp within the leeway", 15*time.Minute + 10*time.Second, nil},
		{"past exp and the leeway", 15*time.Minute + 31*time.Second, ErrExpired},
		{"long past exp", 2 * time.Hour, ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := newFakeClock()
			k := newECKey(t, "ec-1")
			v := newTestVerifier(t, newJWKSServer(t, k), clock, func(c *VerifierConfig) { c.RefreshInterval = -1 })
			tok := sign(t, k, validClaims(clock.Now()))
			first, err := v.Verify(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			if n := cachedTokens(v); n != 1 {
				t.Fatalf("cached tokens = %d after a verified token, want 1", n)
			}
			clock.Advance(tc.after)
			got, err := v.Verify(context.Background(), tok)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && (got.ICN != first.ICN || !got.Expiry.Equal(first.Expiry)) {
				t.Fatalf("claims = %+v, want %+v", got, first)
			}
		})
	}
}

func TestTokenCacheHoldsNoMoreThanItsBound(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	v := newTestVerifier(t, newJWKSServer(t, k), clock, func(c *VerifierConfig) { c.TokenCacheSize = 8 })
	for i := range 50 {
		tok := sign(t, k, with(validClaims(clock.Now()), "sub", fmt.Sprintf("subject-%d", i)))
		for range 2 { // the second from the cache when it still holds it
			c, err := v.Verify(context.Background(), tok)
			if err != nil || c.Subject != fmt.Sprintf("subject-%d", i) {
				t.Fatalf("token %d: %+v, %v", i, c, err)
			}
		}
		if n := cachedTokens(v); n > 8 {
			t.Fatalf("cached tokens = %d after %d tokens, want at most 8", n, i+1)
		}
	}
}

func TestTokenCacheCanBeTurnedOff(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	v := newTestVerifier(t, newJWKSServer(t, k), clock, func(c *VerifierConfig) { c.TokenCacheSize = -1 })
	if _, err := v.Verify(context.Background(), sign(t, k, validClaims(clock.Now()))); err != nil {
		t.Fatal(err)
	}
	if n := cachedTokens(v); n != 0 {
		t.Fatalf("cached tokens = %d with the cache off, want 0", n)
	}
}

// The very token that verified before is refused once the IdP's refetched key
// set no longer holds its key: the cache does not outlive the key.
func TestCachedTokenIsRefusedOnceItsKeyIsWithdrawn(t *testing.T) {
	clock := newFakeClock()
	k := newECKey(t, "ec-1")
	srv := newJWKSServer(t, k)
	v := newTestVerifier(t, srv, clock, func(c *VerifierConfig) { c.RefreshInterval = 10 * time.Minute })
	ctx := context.Background()
	tok := sign(t, k, with(validClaims(clock.Now()), "exp", clock.Now().Add(time.Hour).Unix()))
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	srv.publish()
	clock.Advance(11 * time.Minute)
	// Stale keys: answered as before (from the cache), and the refetch starts.
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("stale key set should still serve: %v", err)
	}
	waitFor(t, func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		return srv.hits.Load() == 2 && v.inflight == nil
	})
	if _, err := v.Verify(ctx, tok); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("cached token of a withdrawn key: err = %v, want ErrUnknownKey", err)
	}
}
