package mhv

import (
	"context"
	"net/http"

	"github.com/va/vams/providers"
)

// SetStatus writes the veteran's read or delete to MHV. READ fetches the
// message (GET message/{id}/read marks it read upstream); DELETED moves it to
// the Deleted folder; MHV has no way to mark a message unread.
func (c *Client) SetStatus(ctx context.Context, v providers.Veteran, externalID string, s providers.Status) error {
	if err := checkID(externalID); err != nil {
		return err
	}
	switch s {
	case providers.StatusRead:
		// READ also means "not deleted": a veteran restoring a thread from
		// Trash must take it out of MHV's Deleted folder, or the next scan
		// would see it deleted again.
		m, err := c.GetMessage(ctx, v, externalID)
		if err != nil {
			return err
		}
		if m.Status == providers.StatusDeleted {
			to := FolderInbox
			if m.Direction == providers.ToClinician {
				to = FolderSent
			}
			if err := c.Move(ctx, v, externalID, to); err != nil {
				return err
			}
		}
		_, _, err = c.do(ctx, v.MHVCorrelationID, call{method: http.MethodGet, path: "message/" + externalID + "/read"})
		return err
	case providers.StatusDeleted:
		return c.Move(ctx, v, externalID, FolderDeleted)
	case providers.StatusUnread:
		return &providers.Error{Kind: providers.ErrUnsupported, Code: "unread", Reason: reasonUnsupported}
	default:
		return &providers.Error{Kind: providers.ErrUnsupported, Code: string(s), Reason: reasonUnsupported}
	}
}
