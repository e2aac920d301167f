package mhv

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
)

// maxBody bounds what we read from MHV; attachments are capped at 25 MB upstream.
const maxBody = 32 << 20

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
// timeouts become ErrUnavailable with an unknown outcome (the request may
// have arrived); the URL (which holds ids) is not kept.
func (c *Client) roundTrip(req *http.Request) (*http.Response, []byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil && errors.Is(ctxErr, context.Canceled) {
			return nil, nil, ctxErr
		}
		return nil, nil, lostAnswer("network")
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, lostAnswer("network")
	}
	return resp, body, nil
}

// fetchJSON performs cl and decodes its answer with decode; an answer that
// does not decode is ErrUnavailable ("decode"), as MHV sent something we
// cannot read.
func fetchJSON[T any](ctx context.Context, c *Client, correlationID string, cl call, decode func([]byte) (T, error)) (T, error) {
	var zero T
	raw, _, err := c.do(ctx, correlationID, cl)
	if err != nil {
		return zero, err
	}
	v, err := decode(raw)
	if err != nil {
		return zero, unavailable("decode")
	}
	return v, nil
}
