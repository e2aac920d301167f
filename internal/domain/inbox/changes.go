package inbox

import (
	"context"

	"github.com/va/vams/ent/change"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/store"
)

// EntityKind is the kind of entity a change-log row is about. The change
// log stores it as its string (changes.entity_type), so the values are
// fixed.
type EntityKind string

const (
	EntityThread  EntityKind = "Thread"
	EntityMessage EntityKind = "Message"
	EntityFolder  EntityKind = "Folder"
	EntityTag     EntityKind = "Tag"
)

// change records a change-log row and publishes the event after commit.
func (s *Service) change(ctx context.Context, tx *store.Tx, vid string, kind EntityKind, entityID string, op change.Op, ev events.Event) error {
	c, err := tx.Client.Change.Create().SetVeteranID(vid).SetEntityType(string(kind)).SetEntityID(entityID).SetOp(op).SetAt(s.now()).Save(ctx)
	if err != nil {
		return err
	}
	ev.ChangeID, ev.VeteranID = c.ID, vid
	if s.events != nil {
		tx.OnCommit(func() { s.events.Publish(ev) })
	}
	return nil
}
