package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
)

// threadChange changes a loaded thread in tx. It returns the thread as it
// now is and whether anything changed; an unchanged thread logs nothing.
type threadChange func(tx *store.Tx, vid string, th *ent.Thread) (*ent.Thread, bool, error)

// updateThread applies apply to the viewer's thread in one transaction and
// logs a change as an update of the thread.
func (s *Service) updateThread(ctx context.Context, threadID string, apply threadChange) (*ent.Thread, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkID(threadID, ids.Thread, "threadId"); err != nil {
		return nil, err
	}
	var th *ent.Thread
	err = s.mutationTx(ctx, func(tx *store.Tx) error {
		if th, err = tx.Client.Thread.Get(ctx, threadID); err != nil {
			return mapNotFound(err, "threadId")
		}
		updated, changed, err := apply(tx, vid, th)
		if err != nil || !changed {
			return err
		}
		th = updated
		return s.change(ctx, tx, vid, EntityThread, th.ID, change.OpUPDATED, events.Event{Kind: events.ThreadUpdated, ThreadID: th.ID})
	})
	return th, err
}
