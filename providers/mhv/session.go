package mhv

import (
	"context"
	"net/http"
	"time"
)

// sessionThreshold renews a token this long before MHV says it expires,
// as vets-api's Common::Client::Session does (EXPIRATION_THRESHOLD_SECONDS).
const sessionThreshold = 20 * time.Second

type session struct {
	token   string
	expires time.Time
}

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
