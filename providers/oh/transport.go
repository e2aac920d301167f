package oh

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh/internal/wire"
)

// maxBody bounds what we read from OH; lists of 1,000 lite messages are far
// below it.
const maxBody = 32 << 20

// do performs one request and returns the body of a 2xx answer; anything
// else becomes a *providers.Error.
func (c *Client) do(ctx context.Context, op, method, path string, q url.Values, body any, hdr http.Header) (*http.Response, []byte, error) {
	return c.doURL(ctx, op, method, c.base+path, q, body, hdr)
}

// doURL is do against any of OH's services (Messaging REST, FHIR).
func (c *Client) doURL(ctx context.Context, op, method, u string, q url.Values, body any, hdr http.Header) (*http.Response, []byte, error) {
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rdr io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rdr = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rdr)
	if err != nil {
		return nil, nil, perr(providers.ErrRejected, "BAD_REQUEST", reasonRejected)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	if c.cfg.Credentials != nil {
		tok, err := c.cfg.Credentials.Token(ctx)
		if err != nil {
			return nil, nil, perr(providers.ErrUnavailable, "AUTH", reasonUnavailable)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, nil, transportError(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, transportError(err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, nil, statusError(op, resp)
	}
	return resp, data, nil
}

// decodeMessages decodes a list answer (swagger Messages). It is the REST
// response decoder the fuzz test drives; malformed input is ErrMalformed.
func decodeMessages(data []byte) ([]wire.Message, error) {
	var m wire.Messages
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", wire.ErrMalformed, err)
	}
	return m.Messages, nil
}

// decodeMessagesByID decodes a by-id answer (swagger MessagesById).
func decodeMessagesByID(data []byte) ([]wire.Message, error) {
	var m wire.MessagesByID
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", wire.ErrMalformed, err)
	}
	out := make([]wire.Message, 0, len(m.MessagesByID))
	for k, msg := range m.MessagesByID {
		if msg.ID == "" {
			msg.ID = k
		}
		out = append(out, msg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func malformed() error { return perr(providers.ErrUnavailable, "MALFORMED", reasonUnavailable) }
