package mhv

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/va/vams/providers"
)

// GetMessage fetches one message with its body. It reads the thread view
// rather than message/{id}/read because reading there marks the message read
// in MHV, which only the veteran's own action should do. Only when the
// thread view omits the message does it fall back to message/{id}/read.
func (c *Client) GetMessage(ctx context.Context, v providers.Veteran, externalID string) (providers.Message, error) {
	if err := checkID(externalID); err != nil {
		return providers.Message{}, err
	}
	thread, err := c.GetThread(ctx, v, externalID)
	if err != nil && !errors.Is(err, providers.ErrNotFound) {
		return providers.Message{}, err
	}
	for _, m := range thread {
		if m.ExternalID == externalID {
			return m, nil
		}
	}
	wm, err := fetchJSON(ctx, c, v.MHVCorrelationID, call{method: http.MethodGet, path: "message/" + externalID + "/read"}, decodeMessage)
	if err != nil {
		return providers.Message{}, err
	}
	return messageFromWire(wm), nil
}

// GetThread fetches every sent message of the conversation externalID
// belongs to (message/{id}/allmessagesforthread/1: bodies and attachments).
// Unsent drafts are left out.
func (c *Client) GetThread(ctx context.Context, v providers.Veteran, externalID string) ([]providers.Message, error) {
	if err := checkID(externalID); err != nil {
		return nil, err
	}
	thread, err := c.threadDetails(ctx, v, externalID, true)
	if err != nil {
		return nil, err
	}
	teams := &teamLookup{c: c, v: v}
	return threadToMessages(ctx, thread, teams, providers.Window{}), nil
}

func (c *Client) threadDetails(ctx context.Context, v providers.Veteran, id string, full bool) ([]wireThreadMessage, error) {
	path := "message/" + id + "/messagesforthread"
	if full {
		path = "message/" + id + "/allmessagesforthread/1"
	}
	return fetchJSON(ctx, c, v.MHVCorrelationID, call{method: http.MethodGet, path: path}, decodeThread)
}

func checkID(id string) error {
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return &providers.Error{Kind: providers.ErrNotFound, Code: "115", Reason: reasonNotFound}
	}
	return nil
}
