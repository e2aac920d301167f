package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/change"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
	"github.com/va/vams/internal/store"
)

// systemFolder returns the ID of one of the veteran's system folders.
func (s *Service) systemFolder(ctx context.Context, c *ent.Client, vid string, kind folder.System) (string, error) {
	key := vid + "/" + string(kind)
	if id, ok := s.systemFolders.Load(key); ok {
		return id.(string), nil
	}
	f, err := SystemFolder(ctx, c, vid, kind)
	if err != nil {
		return "", err
	}
	s.systemFolders.Store(key, f.ID)
	return f.ID, nil
}

// SystemFolder returns one of the veteran's system folders.
func SystemFolder(ctx context.Context, c *ent.Client, veteranID string, kind folder.System) (*ent.Folder, error) {
	return c.Folder.Query().Where(folder.VeteranID(veteranID), folder.SystemEQ(kind)).Only(ctx)
}

// CreateFolder creates a custom folder.
func (s *Service) CreateFolder(ctx context.Context, name string) (*ent.Folder, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	name, err = checkFolderName(name)
	if err != nil {
		return nil, err
	}
	var f *ent.Folder
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if err := s.folderNameFree(ctx, tx.Client, vid, name, ""); err != nil {
			return err
		}
		if f, err = tx.Client.Folder.Create().SetVeteranID(vid).SetName(name).Save(ctx); err != nil {
			return folderConflict(err)
		}
		return s.change(ctx, tx, vid, "Folder", f.ID, change.OpCREATED, events.Event{Kind: events.FolderChanged, EntityID: f.ID})
	})
	return f, err
}

func (s *Service) folderNameFree(ctx context.Context, c *ent.Client, vid, name, except string) error {
	// Case-insensitive, like MHV: "Travel" and "travel" are the same folder.
	taken, err := c.Folder.Query().Where(folder.VeteranID(vid), folder.NameEqualFold(name), folder.IDNEQ(except)).Exist(ctx)
	if err != nil {
		return err
	}
	if taken {
		return newErr(CodeFolderNameTaken, "name", "That folder name is already in use. Try a different name.")
	}
	return nil
}

func folderConflict(err error) error {
	if ent.IsConstraintError(err) {
		return newErr(CodeFolderNameTaken, "name", "That folder name is already in use. Try a different name.")
	}
	return err
}

// customFolder loads a folder the veteran may change.
func customFolder(ctx context.Context, c *ent.Client, folderID string) (*ent.Folder, error) {
	if err := checkID(folderID, ids.Folder, "folderId"); err != nil {
		return nil, err
	}
	f, err := c.Folder.Get(ctx, folderID)
	if err != nil {
		return nil, mapNotFound(err, "folderId")
	}
	if f.System != nil {
		return nil, newErr(CodeSystemFolder, "folderId", "%s is a system folder; it can't be renamed or removed.", f.Name)
	}
	return f, nil
}

// RenameFolder renames a custom folder.
func (s *Service) RenameFolder(ctx context.Context, folderID, name string) (*ent.Folder, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	var f *ent.Folder
	err = s.store.InTx(ctx, func(tx *store.Tx) error {
		if f, err = customFolder(ctx, tx.Client, folderID); err != nil {
			return err
		}
		if name, err = checkFolderName(name); err != nil {
			return err
		}
		if err := s.folderNameFree(ctx, tx.Client, vid, name, f.ID); err != nil {
			return err
		}
		if f, err = tx.Client.Folder.UpdateOne(f).SetName(name).Save(ctx); err != nil {
			return folderConflict(err)
		}
		return s.change(ctx, tx, vid, "Folder", f.ID, change.OpUPDATED, events.Event{Kind: events.FolderChanged, EntityID: f.ID})
	})
	return f, err
}

// DeleteFolder removes an empty custom folder.
func (s *Service) DeleteFolder(ctx context.Context, folderID string) error {
	vid, err := viewerID(ctx)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx *store.Tx) error {
		f, err := customFolder(ctx, tx.Client, folderID)
		if err != nil {
			return err
		}
		busy, err := tx.Client.Thread.Query().Where(thread.FolderID(f.ID)).Exist(ctx)
		if err != nil {
			return err
		}
		if busy {
			return newErr(CodeFolderNotEmpty, "folderId", "You can't remove a folder with messages in it. Move the messages to another folder first.")
		}
		if err := tx.Client.Folder.DeleteOne(f).Exec(ctx); err != nil {
			return err
		}
		return s.change(ctx, tx, vid, "Folder", f.ID, change.OpDELETED, events.Event{Kind: events.FolderChanged, EntityID: f.ID})
	})
}
