package inbox

import (
	"context"

	"github.com/va/vams/ent"
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
