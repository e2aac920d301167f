package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/tag"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
)

// tags are the veteran's tags.
var tags = &named[*ent.Tag]{
	op: OpCreateTag, entity: EntityTag, event: events.TagChanged, idPrefix: ids.Tag, idField: "tagId",
	checkName: checkTagName,
	takenCode: CodeTagNameTaken, takenMsg: "You already have a tag with that name.",
	id:  func(t *ent.Tag) string { return t.ID },
	get: func(ctx context.Context, c *ent.Client, id string) (*ent.Tag, error) { return c.Tag.Get(ctx, id) },
	nameTaken: func(ctx context.Context, c *ent.Client, vid, name, except string) (bool, error) {
		return c.Tag.Query().Where(tag.VeteranID(vid), tag.NameEqualFold(name), tag.IDNEQ(except)).Exist(ctx)
	},
	create: func(ctx context.Context, c *ent.Client, vid, name string) (*ent.Tag, error) {
		return c.Tag.Create().SetVeteranID(vid).SetName(name).Save(ctx)
	},
	rename: func(ctx context.Context, c *ent.Client, t *ent.Tag, name string) (*ent.Tag, error) {
		return c.Tag.UpdateOne(t).SetName(name).Save(ctx)
	},
	// A deleted tag comes off every thread first.
	remove: func(ctx context.Context, c *ent.Client, t *ent.Tag) error {
		if err := c.Tag.UpdateOne(t).ClearThreads().Exec(ctx); err != nil {
			return err
		}
		return c.Tag.DeleteOne(t).Exec(ctx)
	},
}

// TagThread adds (or with remove, removes) a tag on a thread. Both are
// idempotent.
func (s *Service) TagThread(ctx context.Context, threadID, tagID string, remove bool) (*ent.Thread, error) {
	return s.updateThread(ctx, threadID, func(tx *store.Tx, vid string, th *ent.Thread) (*ent.Thread, bool, error) {
		t, err := tags.load(ctx, tx.Client, tagID)
		if err != nil {
			return nil, false, err
		}
		has, err := tx.Client.Thread.QueryTags(th).Where(tag.ID(t.ID)).Exist(ctx)
		if err != nil || has != remove {
			return th, false, err
		}
		up := tx.Client.Thread.UpdateOne(th)
		if remove {
			up.RemoveTagIDs(t.ID)
		} else {
			up.AddTagIDs(t.ID)
		}
		th, err = up.Save(ctx)
		return th, err == nil, err
	})
}
