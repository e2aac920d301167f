package oh

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh/internal/wire"
)

// SetStatus writes READ (OPENED), UNREAD or DELETED with the version-checked
// PUT …/inbox/messages/{id}/status/{status}. A 409 means the message moved
// on; the current version is re-read and the change re-applied (unless it
// already holds) up to ConflictRetries times. The veteran's own sent
// messages have no status to write: READ is a no-op, others ErrUnsupported.
func (c *Client) SetStatus(ctx context.Context, v providers.Veteran, externalID string, s providers.Status) error {
	var target string
	switch s {
	case providers.StatusRead:
		target = wire.StatusOpened
	case providers.StatusUnread:
		target = wire.StatusUnread
	case providers.StatusDeleted:
		target = wire.StatusDeleted
	default:
		return perr(providers.ErrRejected, "BAD_STATUS", reasonStatus)
	}
	pp, err := c.patientPath(v)
	if err != nil {
		return err
	}
	id := externalID
	for attempt := 0; ; attempt++ {
		_, _, err := c.do(ctx, "status", http.MethodPut,
			pp+"/inbox/messages/"+url.PathEscape(id)+"/status/"+target, nil, nil, nil)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, providers.ErrNotFound):
			return c.statusOutbox(ctx, v, externalID, s, err)
		case !errors.Is(err, providers.ErrConflict):
			return err
		}
		if attempt >= c.retries {
			return err
		}
		cur, box, ferr := c.fetchOne(ctx, v, externalID)
		if ferr != nil {
			return ferr
		}
		if box != inbox {
			return c.statusOutbox(ctx, v, externalID, s, err)
		}
		if satisfied(cur.Status, target) {
			return nil
		}
		id = cur.ID
	}
}

func satisfied(cur, target string) bool {
	if target == wire.StatusOpened {
		return cur == wire.StatusOpened || cur == wire.StatusOnHold
	}
	return cur == target
}

// statusOutbox handles a status write for a message absent from the inbox.
func (c *Client) statusOutbox(ctx context.Context, v providers.Veteran, id string, s providers.Status, inboxErr error) error {
	msgs, err := c.fetch(ctx, v, outbox, []string{id})
	if err != nil {
		if errors.Is(err, providers.ErrNotFound) {
			return inboxErr
		}
		return err
	}
	canon, _ := wire.SplitID(id)
	for _, m := range msgs {
		if mc, _ := wire.SplitID(m.ID); mc == canon {
			if s == providers.StatusRead {
				return nil
			}
			return perr(providers.ErrUnsupported, "OUTBOX_STATUS", reasonStatus)
		}
	}
	return inboxErr
}
