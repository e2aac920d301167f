package inbox

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/association"
	"github.com/va/vams/ent/attachment"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/tag"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/platform/ids"
)

// Clock returns the service's current time.
func (s *Service) Clock() time.Time { return s.now() }

// Veteran returns the viewer's own record.
func (s *Service) Veteran(ctx context.Context) (*ent.Veteran, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.Client.Veteran.Get(ctx, vid)
}

// uncountedUnread are the folders whose unread messages the viewer's unread
// total leaves out.
var uncountedUnread = []folder.System{folder.SystemTRASH, folder.SystemDRAFTS}

// UnreadCount counts unread messages outside Trash and Drafts.
func (s *Service) UnreadCount(ctx context.Context) (int, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return 0, err
	}
	counts, err := CountByFolder(ctx, s.store.Client, thread.VeteranID(vid), thread.UnreadCountGT(0),
		thread.Not(thread.HasFolderWith(folder.SystemIn(uncountedUnread...))))
	n := 0
	for _, c := range counts {
		n += c.Unread
	}
	return n, err
}

var systemOrder = map[folder.System]int{folder.SystemINBOX: 0, folder.SystemSENT: 1, folder.SystemDRAFTS: 2, folder.SystemTRASH: 3}

// folderOrder puts system folders first, in their fixed order, then the
// veteran's own by name regardless of case.
func folderOrder(a, b *ent.Folder) int {
	switch {
	case a.System != nil && b.System != nil:
		return cmp.Compare(systemOrder[*a.System], systemOrder[*b.System])
	case a.System != nil:
		return -1
	case b.System != nil:
		return 1
	}
	return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
}

// Folders lists the viewer's folders in folderOrder.
func (s *Service) Folders(ctx context.Context) ([]*ent.Folder, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := s.store.Client.Folder.Query().Where(folder.VeteranID(vid)).All(ctx)
	slices.SortStableFunc(fs, folderOrder) // fs is nil on an error
	return fs, err
}

// CareTeams lists the teams the veteran is associated with, preferred first,
// then by name; a team another replaced at a cutover is not listed (its
// replacement is, see CareTeamChanges).
func (s *Service) CareTeams(ctx context.Context) ([]*ent.CareTeam, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	assocs, err := s.store.Client.Association.Query().Where(association.VeteranID(vid)).All(ctx)
	if err != nil {
		return nil, err
	}
	preferred := map[string]bool{}
	idsList := make([]string, 0, len(assocs))
	for _, a := range assocs {
		preferred[a.CareTeamID] = a.Preferred
		idsList = append(idsList, a.CareTeamID)
	}
	teams, err := s.store.Client.CareTeam.Query().Where(careteam.IDIn(idsList...), careteam.ReplacedByIDIsNil()).All(ctx)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(teams, func(i, j int) bool {
		if preferred[teams[i].ID] != preferred[teams[j].ID] {
			return preferred[teams[i].ID]
		}
		return strings.ToLower(teams[i].DisplayName) < strings.ToLower(teams[j].DisplayName)
	})
	return teams, nil
}

// Tags lists the viewer's tags by name.
func (s *Service) Tags(ctx context.Context) ([]*ent.Tag, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.Client.Tag.Query().Where(tag.VeteranID(vid)).Order(ent.Asc(tag.FieldName)).All(ctx)
}

// Node fetches any object the viewer may see by ID: at most one statement,
// chosen by the ID's prefix. (entgql's Noder would also eager-load the edges
// the query names, which the page loaders load anyway.)
func (s *Service) Node(ctx context.Context, id string) (ent.Noder, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	if !storable(id) {
		return nil, notFound("id")
	}
	c := s.store.Client
	var n ent.Noder
	switch ids.Prefix(id) {
	case ids.Veteran:
		// Only the viewer's own record is a node; its fields load what they
		// need, as for Query.viewer.
		if id != vid {
			return nil, notFound("id")
		}
		return &ent.Veteran{ID: vid}, nil
	case ids.Thread:
		n, err = threadWithFolder(ctx, c, id)
	case ids.Message:
		n, err = c.Message.Get(ctx, id)
	case ids.Folder:
		n, err = c.Folder.Get(ctx, id)
	case ids.Tag:
		n, err = c.Tag.Get(ctx, id)
	case ids.CareTeam:
		n, err = c.CareTeam.Get(ctx, id)
	case ids.Attachment:
		// Metadata only: bytes are for the download URL.
		n, err = c.Attachment.Query().Where(attachment.ID(id)).Select(attachment.FieldID, attachment.FieldMessageID,
			attachment.FieldFilename, attachment.FieldContentType, attachment.FieldSize, attachment.FieldVeteranID).Only(ctx)
	default:
		return nil, notFound("id")
	}
	if ent.IsNotFound(err) {
		return nil, notFound("id")
	}
	return n, err
}

// threadWithFolder reads a thread and its folder's name and kind in one
// statement, the folder set as the thread's edge: a thread is opened with
// where it is shown. The edge's folder holds what GraphQL shows of one (id,
// name, kind, owner), not its timestamps.
func threadWithFolder(ctx context.Context, c *ent.Client, id string) (*ent.Thread, error) {
	const name, system = "folder_name", "folder_system"
	th, err := c.Thread.Query().Where(thread.ID(id)).Modify(func(s *sql.Selector) {
		f := sql.Table(folder.Table)
		s.Join(f).On(s.C(thread.FieldFolderID), f.C(folder.FieldID)).
			AppendSelectAs(f.C(folder.FieldName), name).
			// Never NULL: ent asks the driver for the column's type, and
			// SQLite's has none for a NULL.
			AppendSelectAs("COALESCE("+f.C(folder.FieldSystem)+", '')", system)
	}).Only(ctx)
	if err != nil {
		return nil, err
	}
	f := &ent.Folder{ID: th.FolderID, VeteranID: th.VeteranID}
	if f.Name, err = selectedString(th, name); err != nil {
		return nil, err
	}
	kind, err := selectedString(th, system)
	if err != nil {
		return nil, err
	}
	if kind != "" {
		k := folder.System(kind)
		f.System = &k
	}
	th.Edges.Folder = f
	return th, nil
}

// selectedString reads a text column a modifier added to a thread's row;
// drivers hand text back as a string or as bytes.
func selectedString(th *ent.Thread, column string) (string, error) {
	v, err := th.Value(column)
	switch v := v.(type) {
	case string:
		return v, err
	case []byte:
		return string(v), err
	default:
		return "", fmt.Errorf("inbox: %s is %T, not text", column, v)
	}
}

// Nodes fetches objects by ID. A missing or foreign one is nil in the list,
// with its own error in errs at the same index; other failures fail all.
func (s *Service) Nodes(ctx context.Context, idList []string) (nodes []ent.Noder, errs []error, err error) {
	nodes = make([]ent.Noder, len(idList))
	errs = make([]error, len(idList))
	for i, id := range idList {
		n, err := s.Node(ctx, id)
		if err != nil {
			if _, ok := AsError(err); !ok {
				return nil, nil, err
			}
			errs[i] = err
			continue
		}
		nodes[i] = n
	}
	return nodes, errs, nil
}

// Attachment returns an attachment with its bytes, if the viewer owns it.
func (s *Service) Attachment(ctx context.Context, id string) (*ent.Attachment, error) {
	if err := checkID(id, ids.Attachment, "id"); err != nil {
		return nil, err
	}
	a, err := s.store.Client.Attachment.Get(ctx, id)
	return a, mapNotFound(err, "id")
}
