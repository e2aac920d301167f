package mhv

import (
	"context"
	"errors"
	"fmt"
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

// Capabilities is what MHV takes with a message: files, sent multipart
// (sending.go).
var Capabilities = providers.Capabilities{Attachments: true}

// Capabilities reports the package's Capabilities.
func (c *Client) Capabilities() providers.Capabilities { return Capabilities }

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
