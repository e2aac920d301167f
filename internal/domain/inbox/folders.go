package inbox

import (
	"context"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/events"
	"github.com/va/vams/internal/platform/ids"
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

// folders are the veteran's custom folders; system folders load but are
// not editable.
var folders = &named[*ent.Folder]{
	op: OpCreateFolder, entity: EntityFolder, event: events.FolderChanged, idPrefix: ids.Folder, idField: "folderId",
	checkName: checkFolderName,
	takenCode: CodeFolderNameTaken, takenMsg: "That folder name is already in use. Try a different name.",
	id:  func(f *ent.Folder) string { return f.ID },
	get: func(ctx context.Context, c *ent.Client, id string) (*ent.Folder, error) { return c.Folder.Get(ctx, id) },
	editable: func(f *ent.Folder) error {
		if f.System != nil {
			return newErr(CodeSystemFolder, "folderId", "%s is a system folder; it can't be renamed or removed.", f.Name)
		}
		return nil
	},
	// Case-insensitive, like MHV: "Travel" and "travel" are the same folder.
	nameTaken: func(ctx context.Context, c *ent.Client, vid, name, except string) (bool, error) {
		return c.Folder.Query().Where(folder.VeteranID(vid), folder.NameEqualFold(name), folder.IDNEQ(except)).Exist(ctx)
	},
	create: func(ctx context.Context, c *ent.Client, vid, name string) (*ent.Folder, error) {
		return c.Folder.Create().SetVeteranID(vid).SetName(name).Save(ctx)
	},
	rename: func(ctx context.Context, c *ent.Client, f *ent.Folder, name string) (*ent.Folder, error) {
		return c.Folder.UpdateOne(f).SetName(name).Save(ctx)
	},
	remove: func(ctx context.Context, c *ent.Client, f *ent.Folder) error {
		busy, err := c.Thread.Query().Where(thread.FolderID(f.ID)).Exist(ctx)
		if err != nil {
			return err
		}
		if busy {
			return newErr(CodeFolderNotEmpty, "folderId", "You can't remove a folder with messages in it. Move the messages to another folder first.")
		}
		return c.Folder.DeleteOne(f).Exec(ctx)
	},
}
