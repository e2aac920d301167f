package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/tag"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
)

// CreateTag creates a tag.
func (s *Service) CreateTag(ctx context.Context, name string) (*ent.Tag, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if name, err = checkTagName(name); err != nil {
		return nil, err
	}
	var t *ent.Tag
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := tagNameFree(ctx, tx.Client, vid, name, ""); err != nil {
			return err
		}
		if t, err = tx.Client.Tag.Create().SetVeteranID(vid).SetName(name).Save(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Tag", t.ID, change.OpCREATED, events.Event{Kind: events.TagChanged, EntityID: t.ID})
	})
	return t, err
}

func tagNameFree(ctx context.Context, c *ent.Client, vid, name, except string) error {
	taken, err := c.Tag.Query().Where(tag.VeteranID(vid), tag.NameEqualFold(name), tag.IDNEQ(except)).Exist(ctx)
	if err != nil {
		return err
	}
	if taken {
		return newErr(CodeTagNameTaken, "name", "You already have a tag with that name.")
	}
	return nil
}

func getTag(ctx context.Context, c *ent.Client, tagID string) (*ent.Tag, error) {
	if err := checkID(tagID, ids.Tag, "tagId"); err != nil {
		return nil, err
	}
	t, err := c.Tag.Get(ctx, tagID)
	return t, mapNotFound(err, "tagId")
}

// RenameTag renames a tag.
func (s *Service) RenameTag(ctx context.Context, tagID, name string) (*ent.Tag, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	var t *ent.Tag
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if t, err = getTag(ctx, tx.Client, tagID); err != nil {
			return err
		}
		if name, err = checkTagName(name); err != nil {
			return err
		}
		if err := tagNameFree(ctx, tx.Client, vid, name, t.ID); err != nil {
			return err
		}
		if t, err = tx.Client.Tag.UpdateOne(t).SetName(name).Save(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Tag", t.ID, change.OpUPDATED, events.Event{Kind: events.TagChanged, EntityID: t.ID})
	})
	return t, err
}

// DeleteTag deletes a tag and removes it from every thread.
func (s *Service) DeleteTag(ctx context.Context, tagID string) error {
	vid, err := viewerID(ctx)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		t, err := getTag(ctx, tx.Client, tagID)
		if err != nil {
			return err
		}
		if err := tx.Client.Tag.UpdateOne(t).ClearThreads().Exec(ctx); err != nil {
			return err
		}
		if err := tx.Client.Tag.DeleteOne(t).Exec(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Tag", t.ID, change.OpDELETED, events.Event{Kind: events.TagChanged, EntityID: t.ID})
	})
}

// TagThread adds (or with remove, removes) a tag on a thread. Both are
// idempotent.
func (s *Service) TagThread(ctx context.Context, threadID, tagID string, remove bool) (*ent.Thread, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkID(threadID, ids.Thread, "threadId"); err != nil {
		return nil, err
	}
	var th *ent.Thread
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if th, err = tx.Client.Thread.Get(ctx, threadID); err != nil {
			return mapNotFound(err, "threadId")
		}
		t, err := getTag(ctx, tx.Client, tagID)
		if err != nil {
			return err
		}
		has, err := tx.Client.Thread.QueryTags(th).Where(tag.ID(t.ID)).Exist(ctx)
		if err != nil || has != remove {
			return err
		}
		up := tx.Client.Thread.UpdateOne(th)
		if remove {
			up.RemoveTagIDs(t.ID)
		} else {
			up.AddTagIDs(t.ID)
		}
		if th, err = up.Save(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Thread", th.ID, change.OpUPDATED, events.Event{Kind: events.ThreadUpdated, ThreadID: th.ID})
	})
	return th, err
}
