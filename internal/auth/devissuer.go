package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	// DevAudience is the "aud" of every DevIssuer token.
	DevAudience = "vams"
	// DevSigningKeyFile is the file, inside the data dir, holding the private keys.
	DevSigningKeyFile = "dev-signing-key.json"
	// DevJWKSPath and DevDiscoveryPath are where, under the issuer URL, the
	// server is expected to mount JWKSHandler and DiscoveryHandler.
	DevJWKSPath      = "/.well-known/jwks.json"
	DevDiscoveryPath = "/.well-known/openid-configuration"

	// devKeepKeys bounds the key file: the current key plus the previous two,
	// enough for tokens issued before a rotation to live out their TTL.
	devKeepKeys = 3
)

// DevIssuer is demo mode's development identity provider. Its ES256 private
// keys live in a JWK Set file (newest last = current) so that the CLI that
// mints tokens and the running server agree; the file is re-read when it
// changes, so a Rotate done by another process is picked up.
type DevIssuer struct {
	issuer string
	path   string

	mu    sync.Mutex
	keys  []jose.JSONWebKey // private; last is current
	stamp fileStamp
}

// fileStamp identifies the key file version we loaded. The inode matters:
// each write is a rename of a new file, and two rotations can leave the same
// size and, on coarse filesystems, the same mtime.
type fileStamp struct {
	info os.FileInfo
}

func (s fileStamp) same(st os.FileInfo) bool {
	return s.info != nil && os.SameFile(s.info, st) &&
		s.info.ModTime().Equal(st.ModTime()) && s.info.Size() == st.Size()
}

// LoadOrCreateDevIssuer loads dataDir/dev-signing-key.json or, on first use,
// creates it (mode 0600) with a fresh ES256 key. issuerURL becomes "iss" and
// the base of the discovery document's jwks_uri.
func LoadOrCreateDevIssuer(dataDir, issuerURL string) (*DevIssuer, error) {
	u, err := url.Parse(issuerURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("auth: dev issuer URL %q is not an http(s) URL", issuerURL)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("auth: dev issuer: %w", err)
	}
	d := &DevIssuer{
		issuer: strings.TrimRight(issuerURL, "/"),
		path:   filepath.Join(dataDir, DevSigningKeyFile),
	}
	if err := d.load(); err == nil {
		return d, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	k, err := newDevKey()
	if err != nil {
		return nil, err
	}
	// Exclusive create: if the CLI and the server start together, one key wins
	// and both end up loading it.
	if err := d.writeKeys([]jose.JSONWebKey{k}, true); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	if err := d.load(); err != nil {
		return nil, err
	}
	return d, nil
}

// Issuer is the "iss" of issued tokens.
func (d *DevIssuer) Issuer() string { return d.issuer }

// JWKSURL is where the discovery document says the JWKS is.
func (d *DevIssuer) JWKSURL() string { return d.issuer + DevJWKSPath }

// VerifierConfig returns the config under which a Verifier accepts this
// issuer's tokens (fetching the JWKS over HTTP, like production).
func (d *DevIssuer) VerifierConfig() VerifierConfig {
	return VerifierConfig{Issuer: d.issuer, Audience: DevAudience, JWKSURL: d.JWKSURL()}
}

// CurrentKeyID is the kid new tokens are signed with.
func (d *DevIssuer) CurrentKeyID() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.reloadIfChangedLocked(); err != nil {
		return "", err
	}
	return d.keys[len(d.keys)-1].KeyID, nil
}

// Issue signs an access token for icn, valid for ttl, with optional roles.
func (d *DevIssuer) Issue(icn string, ttl time.Duration, roles ...string) (string, error) {
	if !ValidICN(icn) {
		return "", ErrInvalidICN
	}
	if ttl <= 0 {
		return "", errors.New("auth: dev token TTL must be positive")
	}
	d.mu.Lock()
	if err := d.reloadIfChangedLocked(); err != nil {
		d.mu.Unlock()
		return "", err
	}
	key := d.keys[len(d.keys)-1]
	d.mu.Unlock()

	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", fmt.Errorf("auth: dev signer: %w", err)
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	now := time.Now()
	std := jwt.Claims{
		Issuer:    d.issuer,
		Subject:   devSubject(icn),
		Audience:  jwt.Audience{DevAudience},
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		Expiry:    jwt.NewNumericDate(now.Add(ttl)),
		ID:        hex.EncodeToString(jti),
	}
	extra := map[string]any{defaultICNClaim: icn}
	if len(roles) > 0 {
		extra["roles"] = roles
	}
	return jwt.Signed(signer).Claims(std).Claims(extra).Serialize()
}

// devSubject is an opaque, stable sub, as a real IdP's would be; using the
// ICN itself would spread it into every log that records a subject.
func devSubject(icn string) string {
	h := sha256.Sum256([]byte("vams-dev-sub:" + icn))
	return "dev-" + hex.EncodeToString(h[:12])
}

// Rotate makes a new key current and keeps publishing the previous ones (up to
// two), so tokens already issued keep verifying until they expire.
func (d *DevIssuer) Rotate() error {
	k, err := newDevKey()
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.reloadIfChangedLocked(); err != nil {
		return err
	}
	keys := append(append([]jose.JSONWebKey(nil), d.keys...), k)
	if len(keys) > devKeepKeys {
		keys = keys[len(keys)-devKeepKeys:]
	}
	if err := d.writeKeys(keys, false); err != nil {
		return err
	}
	return d.loadLocked()
}

// JWKSHandler serves the public keys as {"keys":[...]}.
func (d *DevIssuer) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		d.mu.Lock()
		err := d.reloadIfChangedLocked()
		set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(d.keys))}
		for _, k := range d.keys {
			set.Keys = append(set.Keys, k.Public())
		}
		d.mu.Unlock()
		if err != nil {
			http.Error(w, "signing keys unavailable", http.StatusInternalServerError)
			return
		}
		// Short max-age: verifiers refetch on an unknown kid anyway.
		writeJSON(w, "public, max-age=60", set)
	})
}

// DiscoveryHandler serves a minimal /.well-known/openid-configuration.
func (d *DevIssuer) DiscoveryHandler() http.Handler {
	doc := map[string]any{
		"issuer":                                d.issuer,
		"jwks_uri":                              d.JWKSURL(),
		"id_token_signing_alg_values_supported": []string{string(jose.ES256)},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		writeJSON(w, "public, max-age=300", doc)
	})
}

func writeJSON(w http.ResponseWriter, cacheControl string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", cacheControl)
	w.Write(b)
}

func newDevKey() (jose.JSONWebKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("auth: dev key: %w", err)
	}
	k := jose.JSONWebKey{Key: priv, Algorithm: string(jose.ES256), Use: "sig"}
	// kid = RFC 7638 thumbprint: stable, and unique per key without bookkeeping.
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("auth: dev key: %w", err)
	}
	k.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	return k, nil
}

func (d *DevIssuer) load() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.loadLocked()
}

func (d *DevIssuer) loadLocked() error {
	f, err := os.Open(d.path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Mode().Perm()&0o077 != 0 {
		// A private key readable by others: tighten rather than refuse, since
		// this is a development key and the fix is unambiguous.
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("auth: dev key file: %w", err)
		}
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(f).Decode(&set); err != nil {
		return fmt.Errorf("auth: dev key file %s: %w", d.path, err)
	}
	if len(set.Keys) == 0 {
		return fmt.Errorf("auth: dev key file %s: no keys", d.path)
	}
	for _, k := range set.Keys {
		pk, ok := k.Key.(*ecdsa.PrivateKey)
		if !ok || pk.Curve != elliptic.P256() || k.KeyID == "" {
			return fmt.Errorf("auth: dev key file %s: want ES256 private keys with kid", d.path)
		}
	}
	d.keys = set.Keys
	d.stamp = fileStamp{info: st}
	return nil
}

func (d *DevIssuer) reloadIfChangedLocked() error {
	st, err := os.Stat(d.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // file removed under us: keep serving the keys we have
	}
	if err != nil {
		return err
	}
	if d.stamp.same(st) {
		return nil
	}
	return d.loadLocked()
}

// writeKeys writes atomically (temp file, then rename or, when exclusive,
// link, which fails with fs.ErrExist if the file appeared meanwhile).
func (d *DevIssuer) writeKeys(keys []jose.JSONWebKey, exclusive bool) error {
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(d.path), ".dev-signing-key-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if exclusive {
		return os.Link(tmp.Name(), d.path)
	}
	return os.Rename(tmp.Name(), d.path)
}
