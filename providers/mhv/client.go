package mhv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/providers"
)

// basePath is MHV's API-gateway prefix (vets-api SM::Configuration gw_base_path).
const basePath = "v1/sm/patient/"

// sessionThreshold renews a token this long before MHV says it expires,
// as vets-api's Common::Client::Session does (EXPIRATION_THRESHOLD_SECONDS).
const sessionThreshold = 20 * time.Second

// maxBody bounds what we read from MHV; attachments are capped at 25 MB upstream.
const maxBody = 32 << 20

// IdempotencyHeader carries OutboundMessage.IdempotencyKey on sends. The MHV
// simulator (mhvsim) honours it: a repeated key returns the original message
// instead of creating a second one. Real MHV does not know this header and,
// like any HTTP service behind the API gateway, ignores unknown headers.
const IdempotencyHeader = "X-Idempotency-Key"

// Config configures a Client.
type Config struct {
	// BaseURL is the MHV host (and any mount prefix) under which
	// "v1/sm/patient/" lives, e.g. "https://sm-api.example.va.gov/" or
	// "http://localhost:8080/sim/mhv/".
	BaseURL string
	// AppToken is sent as the appToken header when opening a session.
	AppToken string
	// APIKey is sent as x-api-key on every call (API gateway key).
	APIKey string
	// HTTPClient defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// Clock defaults to time.Now; tests inject it to exercise session renewal.
	Clock func() time.Time
	// HealthCorrelationID, when set, is the MHV correlation id Health opens a
	// session for. Without it Health only checks that MHV answers.
	HealthCorrelationID string
}

// Client is the MHV secure-messaging adapter. It implements providers.Provider
// and is safe for concurrent use.
type Client struct {
	base     *url.URL
	appToken string
	apiKey   string
	http     *http.Client
	now      func() time.Time
	healthID string

	mu       sync.Mutex
	sessions map[string]session // by MHV correlation id

	sent *sentMemo
}

type session struct {
	token   string
	expires time.Time
}

var _ providers.Provider = (*Client)(nil)

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("mhv: BaseURL is required")
	}
	raw := cfg.BaseURL
	if !strings.HasSuffix(raw, "/") {
		raw += "/"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("mhv: BaseURL: %w", err)
	}
	u, err = u.Parse(basePath)
	if err != nil {
		return nil, fmt.Errorf("mhv: BaseURL: %w", err)
	}
	c := &Client{
		base:     u,
		appToken: cfg.AppToken,
		apiKey:   cfg.APIKey,
		http:     cfg.HTTPClient,
		now:      cfg.Clock,
		healthID: cfg.HealthCorrelationID,
		sessions: map[string]session{},
		sent:     newSentMemo(4096),
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Kind reports providerkind.MHV.
func (c *Client) Kind() providerkind.Kind { return providerkind.MHV }

// Health opens a session (for HealthCorrelationID, if configured) and
// reports ErrUnavailable when MHV does not answer or answers 5xx. A refused
// application token is reported too, since every call would fail.
func (c *Client) Health(ctx context.Context) error {
	resp, body, err := c.sessionRequest(ctx, c.healthID)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	pe := mapMHVError(resp.StatusCode, body)
	if resp.StatusCode >= 500 || pe.Code == "101" || pe.Code == "102" {
		return pe
	}
	// Without a probe user MHV answers 4xx about the missing user, which
	// still proves it is up and accepts our application credentials.
	if c.healthID == "" {
		return nil
	}
	return pe
}

// --- session --------------------------------------------------------------

func (c *Client) sessionRequest(ctx context.Context, correlationID string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.JoinPath("session").String(), nil)
	if err != nil {
		return nil, nil, err
	}
	c.baseHeaders(req)
	req.Header.Set("appToken", c.appToken)
	if correlationID != "" {
		req.Header.Set("mhvCorrelationId", correlationID)
	}
	return c.roundTrip(req)
}

// token returns a session token for the veteran, opening a session when none
// is cached or the cached one is within sessionThreshold of expiring.
func (c *Client) token(ctx context.Context, correlationID string) (string, error) {
	if correlationID == "" {
		return "", rejected("no-mhv-id", reasonNoAccount)
	}
	c.mu.Lock()
	s, ok := c.sessions[correlationID]
	c.mu.Unlock()
	if ok && c.now().Add(sessionThreshold).Before(s.expires) {
		return s.token, nil
	}
	resp, body, err := c.sessionRequest(ctx, correlationID)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", mapMHVError(resp.StatusCode, body)
	}
	tok, exp, err := decodeSession(resp.Header.Get("Token"), resp.Header.Get("Expires"))
	if err != nil {
		return "", unavailable("session")
	}
	c.mu.Lock()
	c.sessions[correlationID] = session{token: tok, expires: exp}
	c.mu.Unlock()
	return tok, nil
}

func (c *Client) dropToken(correlationID, token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sessions[correlationID]; ok && s.token == token {
		delete(c.sessions, correlationID)
	}
}

// --- requests -------------------------------------------------------------

// call describes one MHV request relative to the base path.
type call struct {
	method      string
	path        string
	query       url.Values
	body        []byte // re-sent as-is when the session is renewed
	contentType string
	header      http.Header
}

// do performs c with the veteran's session. A refused token (HTTP 401 or
// MHV codes 101-104) is renewed once, since MHV may end sessions early.
// It returns the body of a 2xx answer; anything else becomes *providers.Error.
func (c *Client) do(ctx context.Context, correlationID string, cl call) ([]byte, http.Header, error) {
	for attempt := 0; ; attempt++ {
		tok, err := c.token(ctx, correlationID)
		if err != nil {
			return nil, nil, err
		}
		u := c.base.JoinPath(cl.path)
		if len(cl.query) > 0 {
			u.RawQuery = cl.query.Encode()
		}
		var rdr io.Reader
		if cl.body != nil {
			rdr = bytes.NewReader(cl.body)
		}
		req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), rdr)
		if err != nil {
			return nil, nil, err
		}
		c.baseHeaders(req)
		if cl.contentType != "" {
			req.Header.Set("Content-Type", cl.contentType)
		}
		for k, vs := range cl.header {
			req.Header[k] = vs
		}
		req.Header.Set("Token", tok)
		resp, body, err := c.roundTrip(req)
		if err != nil {
			return nil, nil, err
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return body, resp.Header, nil
		}
		if attempt == 0 && tokenRefused(resp.StatusCode, body) {
			c.dropToken(correlationID, tok)
			continue
		}
		return nil, nil, mapMHVError(resp.StatusCode, body)
	}
}

func tokenRefused(status int, body []byte) bool {
	if status == http.StatusUnauthorized {
		return true
	}
	if e, ok := decodeError(body); ok {
		return e.ErrorCode >= 101 && e.ErrorCode <= 104
	}
	return false
}

func (c *Client) baseHeaders(req *http.Request) {
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if c.apiKey != "" {
		req.Header.Set("x-api-key", c.apiKey)
	}
}

// roundTrip sends req and reads the whole body. Transport failures and
// timeouts become ErrUnavailable; the URL (which holds ids) is not kept.
func (c *Client) roundTrip(req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil && errors.Is(ctxErr, context.Canceled) {
			return nil, nil, ctxErr
		}
		return nil, nil, unavailable("network")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, unavailable("network")
	}
	return resp, body, nil
}

// --- process-local send memo ----------------------------------------------

// sentMemo remembers receipts by idempotency key so an in-process retry does
// not even reach MHV. It is bounded and lost on restart; the durable guard is
// IdempotencyHeader (see Send).
type sentMemo struct {
	mu    sync.Mutex
	max   int
	order []string
	m     map[string]providers.Receipt
}

func newSentMemo(max int) *sentMemo {
	return &sentMemo{max: max, m: map[string]providers.Receipt{}}
}

func (s *sentMemo) get(key string) (providers.Receipt, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[key]
	return r, ok
}

func (s *sentMemo) put(key string, r providers.Receipt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok {
		s.order = append(s.order, key)
	}
	s.m[key] = r
	for len(s.order) > s.max {
		delete(s.m, s.order[0])
		s.order = s.order[1:]
	}
}
