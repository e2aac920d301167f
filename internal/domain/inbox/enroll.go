package inbox

import (
	"context"
	stdsql "database/sql"
	"errors"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
)

// Enroll returns the veteran with this ICN, enrolling one seen for the first
// time with their system folders, so every signed-in veteran has an inbox.
// It runs as the system: the caller has verified the ICN's token.
func (s *Service) Enroll(ctx context.Context, icn string) (string, error) {
	if id, ok := s.veterans.Load(icn); ok {
		s.touch(ctx, id.(string))
		return id.(string), nil
	}
	sys := viewer.System(ctx)
	c := s.store.Client
	v, err := c.Veteran.Query().Where(veteran.Icn(icn)).Only(sys)
	if ent.IsNotFound(err) {
		err = s.store.InTx(sys, func(tx *store.Tx) error {
			v, err = tx.Client.Veteran.Create().SetIcn(icn).Save(sys)
			if err != nil {
				return err
			}
			return EnsureSystemFolders(sys, tx.Client, v.ID)
		})
		if ent.IsConstraintError(err) { // enrolled concurrently
			v, err = c.Veteran.Query().Where(veteran.Icn(icn)).Only(sys)
		}
	}
	if err != nil {
		return "", err
	}
	s.veterans.Store(icn, v.ID)
	s.names.Store(v.ID, v.DisplayName)
	s.touch(ctx, v.ID)
	return v.ID, nil
}

// displayName is the veteran's name as authors are shown; cached because no
// path in VAMS renames a veteran after enrollment.
func (s *Service) displayName(ctx context.Context, c *ent.Client, vid string) (string, error) {
	if n, ok := s.names.Load(vid); ok {
		return n.(string), nil
	}
	v, err := c.Veteran.Get(ctx, vid)
	if err != nil {
		return "", err
	}
	s.names.Store(vid, v.DisplayName)
	return v.DisplayName, nil
}

// EnsureSystemFolders creates the four system folders a veteran always has.
func EnsureSystemFolders(ctx context.Context, c *ent.Client, veteranID string) error {
	names := map[folder.System]string{
		folder.SystemINBOX: "Inbox", folder.SystemSENT: "Sent", folder.SystemDRAFTS: "Drafts", folder.SystemTRASH: "Trash",
	}
	for _, k := range []folder.System{folder.SystemINBOX, folder.SystemSENT, folder.SystemDRAFTS, folder.SystemTRASH} {
		err := c.Folder.Create().SetVeteranID(veteranID).SetName(names[k]).SetSystem(k).
			OnConflict(sql.ConflictColumns(folder.FieldVeteranID, folder.FieldName)).DoNothing().Exec(ctx)
		// DoNothing on an existing row reports no rows on some databases.
		if err != nil && !errors.Is(err, stdsql.ErrNoRows) {
			return err
		}
	}
	return nil
}
