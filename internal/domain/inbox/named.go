package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/store"
)

// named is one kind of thing a veteran owns and names, each name unique
// per veteran regardless of case: folders and tags. Creating, renaming and
// deleting them is one code path; this is what differs.
type named[T any] struct {
	op        Operation // its create, as the API names it
	entity    EntityKind
	event     events.Kind
	idPrefix  string
	idField   string // the input field that names one by ID
	checkName func(string) (string, error)
	takenCode Code
	takenMsg  string

	id func(T) string
	// get loads one by ID; editable refuses one the veteran may not change.
	get      func(ctx context.Context, c *ent.Client, id string) (T, error)
	editable func(T) error
	// nameTaken reports whether another of the veteran's (not except) has name.
	nameTaken func(ctx context.Context, c *ent.Client, vid, name, except string) (bool, error)
	create    func(ctx context.Context, c *ent.Client, vid, name string) (T, error)
	rename    func(ctx context.Context, c *ent.Client, x T, name string) (T, error)
	// remove deletes one, refusing or tidying up first as the kind needs.
	remove func(ctx context.Context, c *ent.Client, x T) error
}

// NewNamed is the input of creating one (createFolder, createTag).
type NewNamed struct {
	Name string
	// Key is the client's idempotency key (clientMutationId); "" for none.
	Key string
}

// NewFolder is the input of createFolder.
type NewFolder = NewNamed

// NewTag is the input of createTag.
type NewTag = NewNamed

// load returns the veteran's one with this ID, if they may change it.
func (k *named[T]) load(ctx context.Context, c *ent.Client, id string) (T, error) {
	var zero T
	if err := checkID(id, k.idPrefix, k.idField); err != nil {
		return zero, err
	}
	x, err := k.get(ctx, c, id)
	if err != nil {
		return zero, mapNotFound(err, k.idField)
	}
	if k.editable != nil {
		if err := k.editable(x); err != nil {
			return zero, err
		}
	}
	return x, nil
}

func (k *named[T]) taken() error { return newErr(k.takenCode, "name", "%s", k.takenMsg) }

// nameFree checks up front so the usual clash gets a clear error; the
// unique index still decides a race (see conflict).
func (k *named[T]) nameFree(ctx context.Context, c *ent.Client, vid, name, except string) error {
	taken, err := k.nameTaken(ctx, c, vid, name, except)
	if err != nil {
		return err
	}
	if taken {
		return k.taken()
	}
	return nil
}

// conflict turns the unique index's refusal into the name-taken error.
func (k *named[T]) conflict(err error) error {
	if ent.IsConstraintError(err) {
		return k.taken()
	}
	return err
}

func (k *named[T]) record(ctx context.Context, s *Service, tx *store.Tx, vid string, x T, op change.Op) error {
	id := k.id(x)
	return s.change(ctx, tx, vid, k.entity, id, op, events.Event{Kind: k.event, EntityID: id})
}

// createOne creates one; a retry with the same key answers with the one
// the first call made.
func (k *named[T]) createOne(ctx context.Context, s *Service, in NewNamed) (T, error) {
	var zero T
	vid, err := viewerID(ctx)
	if err != nil {
		return zero, err
	}
	checked, err := k.checkName(in.Name)
	if err != nil {
		return zero, err
	}
	c, err := newClaim(vid, k.op, in.Key, func(d *digest) { d.str(in.Name) })
	if err != nil {
		return zero, err
	}
	get := func(ctx context.Context, id string) (T, error) { return k.get(ctx, s.store.Client, id) }
	return once(ctx, s, c, replayOne(ctx, get), func() (x T, err error) {
		err = s.mutationTx(ctx, func(tx *store.Tx) error {
			if err := k.nameFree(ctx, tx.Client, vid, checked, ""); err != nil {
				return err
			}
			if x, err = k.create(ctx, tx.Client, vid, checked); err != nil {
				return k.conflict(err)
			}
			if err := k.record(ctx, s, tx, vid, x, change.OpCREATED); err != nil {
				return err
			}
			return s.remember(ctx, tx, c, k.id(x))
		})
		return x, err
	})
}

func (k *named[T]) renameOne(ctx context.Context, s *Service, id, name string) (x T, err error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return x, err
	}
	err = s.mutationTx(ctx, func(tx *store.Tx) error {
		if x, err = k.load(ctx, tx.Client, id); err != nil {
			return err
		}
		if name, err = k.checkName(name); err != nil {
			return err
		}
		if err := k.nameFree(ctx, tx.Client, vid, name, k.id(x)); err != nil {
			return err
		}
		if x, err = k.rename(ctx, tx.Client, x, name); err != nil {
			return k.conflict(err)
		}
		return k.record(ctx, s, tx, vid, x, change.OpUPDATED)
	})
	return x, err
}

func (k *named[T]) deleteOne(ctx context.Context, s *Service, id string) error {
	vid, err := viewerID(ctx)
	if err != nil {
		return err
	}
	return s.mutationTx(ctx, func(tx *store.Tx) error {
		x, err := k.load(ctx, tx.Client, id)
		if err != nil {
			return err
		}
		if err := k.remove(ctx, tx.Client, x); err != nil {
			return err
		}
		return k.record(ctx, s, tx, vid, x, change.OpDELETED)
	})
}

// The Service's mutations of folders and tags, side by side since each
// pair is the same code path (named) with the kind's table (folders, tags).

// CreateFolder creates a custom folder. A retry with the same Key answers
// with the folder the first call made.
func (s *Service) CreateFolder(ctx context.Context, in NewFolder) (*ent.Folder, error) {
	return folders.createOne(ctx, s, in)
}

// CreateTag creates a tag. A retry with the same Key answers with the tag
// the first call made.
func (s *Service) CreateTag(ctx context.Context, in NewTag) (*ent.Tag, error) {
	return tags.createOne(ctx, s, in)
}

// RenameFolder renames a custom folder.
func (s *Service) RenameFolder(ctx context.Context, folderID, name string) (*ent.Folder, error) {
	return folders.renameOne(ctx, s, folderID, name)
}

// RenameTag renames a tag.
func (s *Service) RenameTag(ctx context.Context, tagID, name string) (*ent.Tag, error) {
	return tags.renameOne(ctx, s, tagID, name)
}

// DeleteFolder removes an empty custom folder.
func (s *Service) DeleteFolder(ctx context.Context, folderID string) error {
	return folders.deleteOne(ctx, s, folderID)
}

// DeleteTag deletes a tag and removes it from every thread.
func (s *Service) DeleteTag(ctx context.Context, tagID string) error {
	return tags.deleteOne(ctx, s, tagID)
}
