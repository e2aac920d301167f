package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/va/vams/internal/platform/defaults"
)

const (
	defaultICNClaim        = "icn"
	defaultLeeway          = 30 * time.Second
	defaultMinRefresh      = time.Minute
	defaultRefreshInterval = time.Hour
	fetchTimeout           = 10 * time.Second
	maxTokenBytes          = 16 << 10 // far above any real access token; bounds parsing work
	maxJWKSBytes           = 1 << 20
	minRSABits             = 2048
	defaultTokenCacheSize  = 10000
)

// allowedAlgs is the explicit allow-list handed to go-jose's parser, so
// "none", HMAC (including the public-key-as-HMAC-secret trick) and anything
// else are refused before any key is consulted.
var allowedAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256}

// VerifierConfig configures a Verifier. Issuer, Audience and JWKSURL are required.
type VerifierConfig struct {
	Issuer   string // exact "iss" expected
	Audience string // must appear in "aud" (string or array)
	JWKSURL  string // where the issuer publishes its public keys

	// ICNClaim is the top-level claim holding the veteran's ICN; default "icn".
	ICNClaim string
	// Leeway tolerates clock skew on exp/nbf/iat; 0 means 30s, negative means none.
	Leeway time.Duration
	// HTTPClient fetches the JWKS; default has a 10s timeout.
	HTTPClient *http.Client
	// Clock returns now; default time.Now. Also drives the refetch rate limit.
	Clock func() time.Time
	// MinRefreshInterval is the least time between two JWKS fetches, so tokens
	// with made-up kids cannot make us hammer the IdP; default 1 minute.
	MinRefreshInterval time.Duration
	// RefreshInterval is how old the cached JWKS may get before it is refetched
	// in the background, so keys the IdP withdraws stop being trusted; default
	// 1 hour, negative disables.
	RefreshInterval time.Duration
	// TokenCacheSize bounds how many verified tokens are remembered (until
	// their exp, and only while the key set they verified under is current),
	// so a client's repeated requests skip the signature check; default
	// 10,000, negative disables.
	TokenCacheSize int
}

// Claims is what VAMS trusts about the caller once a token has verified.
type Claims struct {
	ICN     string
	Subject string
	Expiry  time.Time
	Roles   []string
}

// HasRole reports whether the token granted role.
func (c Claims) HasRole(role string) bool { return slices.Contains(c.Roles, role) }

// Verifier validates access tokens. It is safe for concurrent use.
type Verifier struct {
	issuer, audience, jwksURL, icnClaim string
	leeway, minRefresh, refreshEvery    time.Duration
	client                              *http.Client
	now                                 func() time.Time

	mu        sync.Mutex
	keys      map[string][]jose.JSONWebKey // nil until the first successful fetch
	keyGen    uint64                       // counts successful fetches: which key set a cached token verified under
	fetchedAt time.Time                    // last successful fetch
	attemptAt time.Time                    // last fetch attempt; drives the rate limit
	lastErr   error                        // outcome of the last attempt
	inflight  chan struct{}                // closed when the running fetch ends

	tokens tokenCache
}

// NewVerifier checks cfg and returns a Verifier. It does not fetch the JWKS
// yet, so a server can start while the IdP is briefly unreachable.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" || cfg.JWKSURL == "" {
		return nil, errors.New("auth: verifier needs Issuer, Audience and JWKSURL")
	}
	u, err := url.Parse(cfg.JWKSURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("auth: JWKSURL %q is not an http(s) URL", cfg.JWKSURL)
	}
	v := &Verifier{
		issuer:       cfg.Issuer,
		audience:     cfg.Audience,
		jwksURL:      cfg.JWKSURL,
		icnClaim:     cfg.ICNClaim,
		leeway:       cfg.Leeway,
		minRefresh:   cfg.MinRefreshInterval,
		refreshEvery: cfg.RefreshInterval,
		client:       cfg.HTTPClient,
		now:          cfg.Clock,
		tokens:       tokenCache{max: cfg.TokenCacheSize},
	}
	if v.tokens.max == 0 {
		v.tokens.max = defaultTokenCacheSize
	}
	if v.icnClaim == "" {
		v.icnClaim = defaultICNClaim
	}
	switch {
	case v.leeway == 0:
		v.leeway = defaultLeeway
	case v.leeway < 0:
		v.leeway = 0
	}
	defaults.Positive(&v.minRefresh, defaultMinRefresh)
	if v.refreshEvery == 0 {
		v.refreshEvery = defaultRefreshInterval
	}
	if v.client == nil {
		v.client = &http.Client{Timeout: fetchTimeout}
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// Verify checks rawToken (without the "Bearer " prefix) and returns its
// claims. Errors are *Error values (see ErrExpired etc.) or wrap
// ErrJWKSUnavailable or a context error.
func (v *Verifier) Verify(ctx context.Context, rawToken string) (Claims, error) {
	if rawToken == "" {
		return Claims{}, ErrMissingToken
	}
	if len(rawToken) > maxTokenBytes {
		return Claims{}, ErrMalformedToken
	}
	sum := sha256.Sum256([]byte(rawToken))
	if c, gen, ok := v.tokens.get(sum, v.now()); ok && gen == v.currentKeyGen() {
		return c, nil
	}
	if err := precheckAlg(rawToken); err != nil {
		return Claims{}, err
	}
	jws, err := jose.ParseSignedCompact(rawToken, allowedAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return Claims{}, ErrMalformedToken
	}
	hdr := jws.Signatures[0].Header
	if !slices.Contains(allowedAlgs, jose.SignatureAlgorithm(hdr.Algorithm)) {
		return Claims{}, ErrUnsupportedAlgorithm // defence in depth; the parser already refused
	}
	if hdr.KeyID == "" {
		return Claims{}, ErrMissingKeyID
	}

	keys, gen, err := v.keysFor(ctx, hdr.KeyID)
	if err != nil {
		return Claims{}, err
	}
	var payload []byte
	verified := false
	for _, k := range keys {
		if !keyFitsAlg(k, hdr.Algorithm) {
			continue
		}
		// Pass the bare public key: never a key taken from the token's own header.
		if payload, err = jws.Verify(k.Key); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return Claims{}, ErrBadSignature
	}
	c, err := v.checkClaims(payload)
	if err == nil {
		v.tokens.put(sum, c, gen, v.now())
	}
	return c, err
}

// precheckAlg reads the header's alg only to pick the right error; go-jose's
// parser with the allow-list remains the authority.
func precheckAlg(raw string) error {
	hdrSeg, _, ok := strings.Cut(raw, ".")
	if !ok {
		return ErrMalformedToken
	}
	b, err := base64.RawURLEncoding.DecodeString(hdrSeg)
	if err != nil {
		return ErrMalformedToken
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return ErrMalformedToken
	}
	if !slices.Contains(allowedAlgs, jose.SignatureAlgorithm(h.Alg)) {
		return ErrUnsupportedAlgorithm
	}
	return nil
}

func (v *Verifier) checkClaims(payload []byte) (Claims, error) {
	var std jwt.Claims
	var extra map[string]json.RawMessage
	if err := json.Unmarshal(payload, &std); err != nil {
		return Claims{}, ErrMalformedToken
	}
	if err := json.Unmarshal(payload, &extra); err != nil || extra == nil {
		return Claims{}, ErrMalformedToken
	}
	if std.Expiry == nil {
		return Claims{}, ErrMissingClaim // a token without exp would never expire
	}
	err := std.ValidateWithLeeway(jwt.Expected{
		Issuer:      v.issuer,
		AnyAudience: jwt.Audience{v.audience},
		Time:        v.now(),
	}, v.leeway)
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return Claims{}, ErrWrongIssuer
	case errors.Is(err, jwt.ErrInvalidAudience):
		return Claims{}, ErrWrongAudience
	case errors.Is(err, jwt.ErrExpired):
		return Claims{}, ErrExpired
	case errors.Is(err, jwt.ErrNotValidYet):
		return Claims{}, ErrNotYetValid
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return Claims{}, ErrIssuedInFuture
	default:
		return Claims{}, ErrInvalidToken
	}

	var icn string
	if raw, ok := extra[v.icnClaim]; !ok || json.Unmarshal(raw, &icn) != nil || !ValidICN(icn) {
		return Claims{}, ErrInvalidICN
	}
	roles, err := parseRoles(extra["roles"])
	if err != nil {
		return Claims{}, ErrMalformedToken
	}
	return Claims{ICN: icn, Subject: std.Subject, Expiry: std.Expiry.Time(), Roles: roles}, nil
}

// parseRoles accepts an array of strings or a single string (some IdPs emit
// one role bare); anything else is malformed.
func parseRoles(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err == nil {
		return many, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, err
	}
	return []string{one}, nil
}

// ValidICN reports whether s has the shape of an ICN: 10 digits, "V", 6 digits.
func ValidICN(s string) bool {
	if len(s) != 17 || s[10] != 'V' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i != 10 && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

// keyFitsAlg stops a token from choosing how a key is used: an ES256 header
// never gets an RSA key and vice versa, and a JWK's own alg is honoured.
func keyFitsAlg(k jose.JSONWebKey, alg string) bool {
	if k.Algorithm != "" && k.Algorithm != alg {
		return false
	}
	switch pk := k.Key.(type) {
	case *rsa.PublicKey:
		return alg == string(jose.RS256)
	case *ecdsa.PublicKey:
		return alg == string(jose.ES256) && pk.Curve == elliptic.P256()
	}
	return false
}

// keysFor returns the cached keys for kid. An unknown kid triggers at most one
// JWKS fetch per call, shared by all concurrent callers (single-flight) and no
// more often than minRefresh; a stale cache is refreshed in the background
// while the known keys keep serving.
func (v *Verifier) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, uint64, error) {
	waited := false
	for {
		v.mu.Lock()
		now := v.now()
		keys, known := v.keys[kid]
		stale := v.refreshEvery > 0 && now.Sub(v.fetchedAt) > v.refreshEvery
		canFetch := v.inflight == nil && (v.attemptAt.IsZero() || now.Sub(v.attemptAt) >= v.minRefresh)
		if known {
			if stale && canFetch {
				v.startFetchLocked(now)
			}
			gen := v.keyGen
			v.mu.Unlock()
			return keys, gen, nil
		}
		if waited || (v.inflight == nil && !canFetch) {
			lastErr := v.lastErr
			v.mu.Unlock()
			if lastErr != nil {
				return nil, 0, fmt.Errorf("%w: %w", ErrJWKSUnavailable, lastErr)
			}
			return nil, 0, ErrUnknownKey
		}
		done := v.inflight
		if done == nil {
			done = v.startFetchLocked(now)
		}
		v.mu.Unlock()
		select {
		case <-done:
			waited = true
		case <-ctx.Done():
			return nil, 0, ctx.Err()
		}
	}
}

// currentKeyGen is the generation of the key set now trusted. Like keysFor
// it starts a background refresh of a stale set, so tokens answered from the
// cache still lead to withdrawn keys being noticed.
func (v *Verifier) currentKeyGen() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.now()
	if v.refreshEvery > 0 && now.Sub(v.fetchedAt) > v.refreshEvery && v.inflight == nil &&
		(v.attemptAt.IsZero() || now.Sub(v.attemptAt) >= v.minRefresh) && v.keys != nil {
		v.startFetchLocked(now)
	}
	return v.keyGen
}

// startFetchLocked runs the fetch detached from any caller's context, so one
// impatient request cannot fail the fetch for everyone waiting on it.
func (v *Verifier) startFetchLocked(now time.Time) chan struct{} {
	done := make(chan struct{})
	v.inflight = done
	v.attemptAt = now
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
		keys, err := v.fetchJWKS(ctx)
		cancel()
		v.mu.Lock()
		if err == nil {
			v.keys = keys
			v.keyGen++
			v.fetchedAt = v.now()
		}
		// On failure keep the old keys: an IdP outage should not log everyone out.
		v.lastErr = err
		v.inflight = nil
		v.mu.Unlock()
		close(done)
	}()
	return done
}

func (v *Verifier) fetchJWKS(ctx context.Context) (map[string][]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.jwksURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks %s: HTTP %d", v.jwksURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("jwks %s: larger than %d bytes", v.jwksURL, maxJWKSBytes)
	}
	return parseJWKS(body)
}

// parseJWKS keeps only public signing keys we can use; one odd key (say an
// unsupported kty) must not make the whole set unusable.
func parseJWKS(body []byte) (map[string][]jose.JSONWebKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	if set.Keys == nil {
		return nil, errors.New("jwks: no \"keys\" member")
	}
	out := make(map[string][]jose.JSONWebKey)
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			continue
		}
		if k.KeyID == "" || !k.IsPublic() || !k.Valid() || (k.Use != "" && k.Use != "sig") {
			continue
		}
		switch pk := k.Key.(type) {
		case *rsa.PublicKey:
			if pk.N.BitLen() < minRSABits {
				continue
			}
		case *ecdsa.PublicKey:
			if pk.Curve != elliptic.P256() {
				continue
			}
		default:
			continue
		}
		out[k.KeyID] = append(out[k.KeyID], k)
	}
	return out, nil
}

// tokenCache remembers verified tokens by the SHA-256 of their text (never
// the token itself), each until its exp and only under the key set it
// verified with: once the JWKS is refetched every token is checked afresh, so
// a withdrawn key stops being trusted as soon as it did without the cache.
type tokenCache struct {
	max int // entries at most; negative: no cache
	mu  sync.Mutex
	m   map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	claims Claims
	keyGen uint64
}

// get returns the claims of an unexpired cached token and the key set
// generation it verified under.
func (c *tokenCache) get(sum [sha256.Size]byte, now time.Time) (Claims, uint64, bool) {
	if c.max < 0 {
		return Claims{}, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[sum]
	if !ok {
		return Claims{}, 0, false
	}
	if !now.Before(e.claims.Expiry) {
		delete(c.m, sum)
		return Claims{}, 0, false
	}
	return e.claims, e.keyGen, true
}

// put keeps claims unless they expire by now. A full cache first drops its
// expired entries, then arbitrary ones down to seven eighths of max (so a
// full cache pays for a sweep once per max/8 tokens), never holding more
// than max.
func (c *tokenCache) put(sum [sha256.Size]byte, claims Claims, keyGen uint64, now time.Time) {
	if c.max < 0 || !now.Before(claims.Expiry) {
		return
	}
	claims.Roles = slices.Clip(claims.Roles) // a caller appending must not write into the cached array
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[[sha256.Size]byte]cachedToken)
	}
	if _, ok := c.m[sum]; !ok && len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.claims.Expiry) || e.keyGen != keyGen {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max-c.max/8 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[sum] = cachedToken{claims: claims, keyGen: keyGen}
}
