package inbox

import (
	"context"
	"slices"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/predicate"
	"github.com/va/vams/ent/thread"
)

// FolderCounts are a folder's thread and unread-message counts.
type FolderCounts struct {
	Threads int
	Unread  int
}

// CountByFolder is the one count of threads and their unread messages, per
// folder, over the threads that match where (thread.FolderIDIn for given
// folders): both read the denormalised thread aggregates
// (docs/adr/0006-denormalized-thread-aggregates.md).
func CountByFolder(ctx context.Context, c *ent.Client, where ...predicate.Thread) (map[string]FolderCounts, error) {
	var rows []struct {
		FolderID string `json:"folder_id"`
		Threads  int    `json:"threads"`
		Unread   int    `json:"unread"`
	}
	err := c.Thread.Query().Where(where...).
		GroupBy(thread.FieldFolderID).
		Aggregate(ent.As(ent.Count(), "threads"), ent.As(ent.Sum(thread.FieldUnreadCount), "unread")).
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	out := make(map[string]FolderCounts, len(rows))
	for _, r := range rows {
		out[r.FolderID] = FolderCounts{Threads: r.Threads, Unread: r.Unread}
	}
	return out, nil
}

// FoldersWithCounts lists the viewer's folders in folderOrder with their
// counts, in one statement: the folders joined to their threads and
// grouped, where Folders and CountByFolder would be two. Rows are scanned
// into a struct: ent's own scan asks the driver for every row's column
// types to decode the counts it does not model.
func FoldersWithCounts(ctx context.Context, c *ent.Client) ([]*ent.Folder, map[string]FolderCounts, error) {
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, nil, err
	}
	var rows []struct {
		ID        string         `sql:"id"`
		CreatedAt time.Time      `sql:"created_at"`
		UpdatedAt time.Time      `sql:"updated_at"`
		VeteranID string         `sql:"veteran_id"`
		Name      string         `sql:"name"`
		System    sql.NullString `sql:"system"`
		Threads   int            `sql:"thread_count"`
		Unread    int            `sql:"unread_sum"`
	}
	err = c.Folder.Query().Where(folder.VeteranID(vid)).Modify(func(s *sql.Selector) {
		t := sql.Table(thread.Table)
		s.LeftJoin(t).OnP(sql.And(
			sql.ColumnsEQ(t.C(thread.FieldFolderID), s.C(folder.FieldID)),
			sql.ColumnsEQ(t.C(thread.FieldVeteranID), s.C(folder.FieldVeteranID))))
		// The primary key alone: PostgreSQL lets the folder's other columns follow it.
		s.GroupBy(s.C(folder.FieldID))
		s.Select(s.C(folder.FieldID), s.C(folder.FieldCreatedAt), s.C(folder.FieldUpdatedAt), s.C(folder.FieldVeteranID),
			s.C(folder.FieldName), s.C(folder.FieldSystem))
		s.AppendSelectAs(sql.Count(t.C(thread.FieldID)), "thread_count")
		s.AppendSelectAs("COALESCE("+sql.Sum(t.C(thread.FieldUnreadCount))+", 0)", "unread_sum")
	}).Scan(ctx, &rows)
	if err != nil {
		return nil, nil, err
	}
	fs := make([]*ent.Folder, len(rows))
	counts := make(map[string]FolderCounts, len(rows))
	for i, r := range rows {
		f := &ent.Folder{ID: r.ID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, VeteranID: r.VeteranID, Name: r.Name}
		if r.System.Valid {
			sys := folder.System(r.System.String)
			f.System = &sys
		}
		fs[i] = f
		counts[r.ID] = FolderCounts{Threads: r.Threads, Unread: r.Unread}
	}
	slices.SortStableFunc(fs, folderOrder)
	return fs, counts, nil
}

// UnreadTotal is the viewer's unread total from every folder's counts: what
// UnreadCount counts, unread messages outside Trash and Drafts.
func UnreadTotal(fs []*ent.Folder, counts map[string]FolderCounts) int {
	n := 0
	for _, f := range fs {
		if f.System == nil || !slices.Contains(uncountedUnread, *f.System) {
			n += counts[f.ID].Unread
		}
	}
	return n
}
