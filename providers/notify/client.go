package notify

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/va/vams/providers"
)

// Config configures the client. Template ids are the service's; a zero id
// turns that notification off.
type Config struct {
	// BaseURL is the service's root, e.g. https://api.notifications.va.gov.
	BaseURL string
	// APIKey is VA Notify's key form: "<key name>-<service id>-<secret>",
	// the last two parts UUIDs.
	APIKey string
	// MobileApp names the app pushes go to (VA Notify: VA_FLAGSHIP_APP).
	MobileApp string
	// PushTemplateID, EmailTemplateID and DigestTemplateID are the new-
	// message push, the new-message email and the daily digest email.
	PushTemplateID, EmailTemplateID, DigestTemplateID string
	HTTPClient                                        *http.Client
	// Now stamps tokens (default time.Now): the service checks them against
	// its own clock, so it stays the wall clock in production.
	Now func() time.Time
}

// Client calls the notification service.
type Client struct {
	cfg               Config
	serviceID, secret string
}

var keyForm = regexp.MustCompile(`^(.+)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)

// ParseAPIKey splits a VA Notify API key into its service id and secret.
func ParseAPIKey(key string) (serviceID, secret string, err error) {
	m := keyForm.FindStringSubmatch(strings.TrimSpace(key))
	if m == nil {
		return "", "", errors.New("notify: API key is not <name>-<service id>-<secret>")
	}
	return m[2], m[3], nil
}

// New checks cfg and builds a client.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("notify: no base URL")
	}
	sid, secret, err := ParseAPIKey(cfg.APIKey)
	if err != nil {
		return nil, err
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.MobileApp = cmp.Or(cfg.MobileApp, "VA_FLAGSHIP_APP")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, serviceID: sid, secret: secret}, nil
}

// Kind is which notification a call sends.
type Kind string

const (
	NewMessagePush  Kind = "new_message_push"
	NewMessageEmail Kind = "new_message_email"
	DigestEmail     Kind = "digest_email"
)

// Notification is one call. ICN identifies the recipient, as VA Notify's
// recipient_identifier does (the service finds the devices and the email
// address in the veteran's VA profile).
type Notification struct {
	Kind Kind
	ICN  string
	// Reference is the caller's key for this notification: the service
	// answers a repeat with the first notification and sends nothing.
	Reference       string
	Personalisation map[string]string
}

// Enabled reports whether the kind has a template configured.
func (c *Client) Enabled(k Kind) bool { return c.template(k) != "" }

func (c *Client) template(k Kind) string {
	switch k {
	case NewMessagePush:
		return c.cfg.PushTemplateID
	case NewMessageEmail:
		return c.cfg.EmailTemplateID
	case DigestEmail:
		return c.cfg.DigestTemplateID
	}
	return ""
}

// Send posts one notification and returns the service's id for it.
func (c *Client) Send(ctx context.Context, n Notification) (string, error) {
	tid := c.template(n.Kind)
	if tid == "" {
		return "", &providers.Error{Kind: providers.ErrRejected, Code: "NO_TEMPLATE", Reason: "No template configured for " + string(n.Kind) + "."}
	}
	body := map[string]any{"template_id": tid, "reference": n.Reference, "personalisation": n.Personalisation,
		"recipient_identifier": map[string]string{"id_type": "ICN", "id_value": n.ICN}}
	path := "/v2/notifications/email"
	if n.Kind == NewMessagePush {
		path = "/v2/notifications/push"
		body["mobile_app"] = c.cfg.MobileApp
	}
	b, err := json.Marshal(body)
	if err != nil {
		return "", err
	}
	tok, err := c.token()
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+path, bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		// The request may have reached the service: the reference makes the
		// retry safe.
		return "", &providers.Error{Kind: providers.ErrUnavailable, Code: "TRANSPORT", Reason: "The notification service did not answer.", MaybeApplied: true}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", classify(resp.StatusCode, raw)
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.ID == "" {
		return "", &providers.Error{Kind: providers.ErrUnavailable, Code: "BAD_ANSWER", Reason: "The notification service's answer could not be read.", MaybeApplied: true}
	}
	return out.ID, nil
}

// token is the call's JWT: HS256, iss the service id, iat now.
func (c *Client) token() (string, error) {
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(c.secret)},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	return jwt.Signed(sig).Claims(jwt.Claims{Issuer: c.serviceID, IssuedAt: jwt.NewNumericDate(c.cfg.Now())}).Serialize()
}

// classify maps an error answer: 429 and 5xx are worth retrying, the rest
// (bad request, auth) will not change by retrying.
func classify(status int, raw []byte) error {
	var body struct {
		Errors []struct {
			Error string `json:"error"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(raw, &body)
	code := strconv.Itoa(status)
	if len(body.Errors) > 0 && body.Errors[0].Error != "" {
		code = fmt.Sprintf("%d %s", status, body.Errors[0].Error)
	}
	if status == http.StatusTooManyRequests || status >= 500 {
		return &providers.Error{Kind: providers.ErrUnavailable, Code: code, Reason: "The notification service is not available."}
	}
	return &providers.Error{Kind: providers.ErrRejected, Code: code, Reason: "The notification service refused the notification."}
}
