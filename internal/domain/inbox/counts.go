package inbox

import (
	"context"
	"fmt"
	"slices"
	"strconv"

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
// grouped, where Folders and CountByFolder would be two.
func FoldersWithCounts(ctx context.Context, c *ent.Client) ([]*ent.Folder, map[string]FolderCounts, error) {
	const threads, unread = "thread_count", "unread_sum"
	vid, err := viewerID(ctx)
	if err != nil {
		return nil, nil, err
	}
	fs, err := c.Folder.Query().Where(folder.VeteranID(vid)).Modify(func(s *sql.Selector) {
		t := sql.Table(thread.Table)
		s.LeftJoin(t).OnP(sql.And(
			sql.ColumnsEQ(t.C(thread.FieldFolderID), s.C(folder.FieldID)),
			sql.ColumnsEQ(t.C(thread.FieldVeteranID), s.C(folder.FieldVeteranID))))
		// The primary key alone: PostgreSQL lets the folder's other columns follow it.
		s.GroupBy(s.C(folder.FieldID))
		s.AppendSelectAs(sql.Count(t.C(thread.FieldID)), threads)
		s.AppendSelectAs("COALESCE("+sql.Sum(t.C(thread.FieldUnreadCount))+", 0)", unread)
	}).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	counts := make(map[string]FolderCounts, len(fs))
	for _, f := range fs {
		n, err := selectedInt(f, threads)
		if err != nil {
			return nil, nil, err
		}
		u, err := selectedInt(f, unread)
		if err != nil {
			return nil, nil, err
		}
		counts[f.ID] = FolderCounts{Threads: n, Unread: u}
	}
	slices.SortStableFunc(fs, folderOrder)
	return fs, counts, nil
}

// selectedInt reads an aggregate a modifier added to a folder's row; the
// drivers hand integers back as int64, or as text for a NUMERIC sum.
func selectedInt(f *ent.Folder, name string) (int, error) {
	v, err := f.Value(name)
	if err != nil {
		return 0, err
	}
	switch v := v.(type) {
	case int64:
		return int(v), nil
	case []byte:
		return strconv.Atoi(string(v))
	case string:
		return strconv.Atoi(v)
	case float64:
		return int(v), nil
	}
	return 0, fmt.Errorf("inbox: %s is %T, not an integer", name, v)
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
