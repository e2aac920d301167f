package oh

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh/internal/wire"
)

// fetch gets messages by id from one mailbox with their references.
func (c *Client) fetch(ctx context.Context, v providers.Veteran, box string, ids []string) ([]wire.Message, error) {
	pp, err := c.patientPath(v)
	if err != nil {
		return nil, err
	}
	esc := make([]string, len(ids))
	for i, id := range ids {
		esc[i] = url.PathEscape(id)
	}
	_, data, err := c.do(ctx, "get", http.MethodGet, pp+"/"+box+"/messages/"+strings.Join(esc, ","),
		url.Values{"loadReferences": {"true"}}, nil, nil)
	if err != nil {
		return nil, err
	}
	msgs, err := decodeMessagesByID(data)
	if err != nil {
		return nil, malformed()
	}
	return msgs, nil
}

// fetchOne finds one message in the inbox, then the outbox.
func (c *Client) fetchOne(ctx context.Context, v providers.Veteran, id string) (wire.Message, string, error) {
	canon, _ := wire.SplitID(id)
	for _, box := range []string{inbox, outbox} {
		msgs, err := c.fetch(ctx, v, box, []string{id})
		if err != nil && !errors.Is(err, providers.ErrNotFound) {
			return wire.Message{}, "", err
		}
		for _, m := range msgs {
			if mc, _ := wire.SplitID(m.ID); mc == canon {
				return m, box, nil
			}
		}
		if err != nil && errors.Is(err, providers.ErrNotFound) {
			// 404 is also how OH reports an unknown patient; keep looking in
			// the other mailbox before deciding.
			continue
		}
	}
	return wire.Message{}, "", perr(providers.ErrNotFound, "404", reasonNotFound)
}

// GetMessage fetches one message with its body and references.
func (c *Client) GetMessage(ctx context.Context, v providers.Veteran, externalID string) (providers.Message, error) {
	m, box, err := c.fetchOne(ctx, v, externalID)
	if err != nil {
		return providers.Message{}, err
	}
	return c.message(ctx, v, m, box, true), nil
}

// fetchBatch bounds the id list of one by-id request (URL length).
const fetchBatch = 50

// GetThread returns the conversation of externalID, oldest first. OH gives
// each message its predecessors (referenceIds, oldest first) but no way to
// find its successors, so the thread is: the root's whole chain, plus every
// later message with the same care team whose chain starts at the root.
func (c *Client) GetThread(ctx context.Context, v providers.Veteran, externalID string) ([]providers.Message, error) {
	start, err := c.GetMessage(ctx, v, externalID)
	if err != nil {
		return nil, err
	}
	root := start.ThreadExternalID
	byID := map[string]providers.Message{start.ExternalID: start}
	var rootMsg providers.Message
	if root == start.ExternalID {
		rootMsg = start
	} else {
		rootMsg, err = c.GetMessage(ctx, v, root)
		if err != nil {
			return nil, err
		}
		byID[rootMsg.ExternalID] = rootMsg
	}
	from := rootMsg.SentAt
	if from.IsZero() {
		from = start.SentAt
	}
	listed, err := c.ListMessages(ctx, v, providers.Window{Since: from, Until: time.Now().Add(time.Minute)})
	if err != nil {
		return nil, err
	}
	want := map[string][]string{} // mailbox → ids to fetch
	for _, lm := range listed {
		if _, ok := byID[lm.ExternalID]; ok || lm.CareTeamExternalID != start.CareTeamExternalID {
			continue
		}
		box := inbox
		if lm.Direction == providers.ToClinician {
			box = outbox
		}
		want[box] = append(want[box], lm.ExternalID)
	}
	for _, box := range []string{inbox, outbox} {
		ids := want[box]
		for len(ids) > 0 {
			n := min(len(ids), fetchBatch)
			msgs, err := c.fetch(ctx, v, box, ids[:n])
			if err != nil {
				return nil, err
			}
			ids = ids[n:]
			for _, wm := range msgs {
				dm := c.message(ctx, v, wm, box, true)
				if dm.ThreadExternalID == root {
					byID[dm.ExternalID] = dm
				}
			}
		}
	}
	out := make([]providers.Message, 0, len(byID))
	for _, m := range byID {
		out = append(out, m)
	}
	sortBySent(out)
	return out, nil
}
