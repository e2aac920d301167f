package mhv

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/va/vams/providers"
)

// threadPageSize is the largest thread-list page MHV documents ("max: 100").
const threadPageSize = 100

// maxThreadPages stops a runaway walk if MHV keeps returning full pages.
const maxThreadPages = 200

// ListMessages walks the Inbox, Sent, Deleted and custom-folder thread lists
// newest first, page by page, stops at threads whose latest activity precedes
// w.Since, and then reads each remaining thread's messages, keeping those
// sent within w. Messages living in Deleted come back with StatusDeleted.
// Custom folders count: a message the veteran filed in MHV's own portal is
// not gone. Threads the list marks as having attachments are read in full
// (allmessagesforthread), the only view that lists the files.
func (c *Client) ListMessages(ctx context.Context, v providers.Veteran, w providers.Window) ([]providers.Message, error) {
	type anchor struct {
		id    string
		files bool
	}
	var anchors []anchor
	seen := map[flexID]bool{}
	folders := []int64{FolderInbox, FolderSent, FolderDeleted}
	all, err := c.Folders(ctx, v)
	if err != nil {
		return nil, err
	}
	for _, f := range all {
		if f.ID > 0 {
			folders = append(folders, f.ID)
		}
	}
	for _, folder := range folders {
		rows, err := c.threadsSince(ctx, v, folder, w.Since)
		if err != nil {
			return nil, err
		}
		for _, t := range rows {
			if seen[t.ThreadID] {
				continue
			}
			seen[t.ThreadID] = true
			anchors = append(anchors, anchor{id: t.MessageID.String(), files: t.ThreadHasAttachment})
		}
	}
	teams := &teamLookup{c: c, v: v}
	var out []providers.Message
	got := map[string]bool{}
	for _, a := range anchors {
		thread, err := c.threadDetails(ctx, v, a.id, a.files)
		if errors.Is(err, providers.ErrNotFound) {
			continue // deleted for good between the two calls
		}
		if err != nil {
			return nil, err
		}
		for _, m := range threadToMessages(ctx, thread, teams, w) {
			if !got[m.ExternalID] {
				got[m.ExternalID] = true
				// messagesforthread is MHV's summary view: vets-api asks
				// allmessagesforthread for full bodies. Listings therefore
				// report no body (even when read in full for the files, to
				// keep one rule); GetThread reads the full ones.
				m.Body, m.BodyIncluded = "", false
				out = append(out, m)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SentAt.Before(out[j].SentAt) })
	return out, nil
}

// threadsSince returns the folder's thread rows whose sentDate is at or after
// since (all rows when since is zero).
func (c *Client) threadsSince(ctx context.Context, v providers.Veteran, folder int64, since time.Time) ([]wireThreadSummary, error) {
	var out []wireThreadSummary
	for page := 1; page <= maxThreadPages; page++ {
		rows, err := c.threadPage(ctx, v, folder, page, threadPageSize)
		if err != nil {
			return nil, err
		}
		stop := len(rows) < threadPageSize
		for _, t := range rows {
			ts, ok := parseMHVTimePtr(t.SentDate)
			if !ok {
				continue // unsent draft-only thread
			}
			if !since.IsZero() && ts.Before(since) {
				stop = true // sorted newest first: the rest is older
				break
			}
			out = append(out, t)
		}
		if stop {
			return out, nil
		}
	}
	return out, nil
}

// threadPage returns one page of a folder's thread list, newest first.
// MHV's "No messages in the requested folder" (915) is an empty page.
func (c *Client) threadPage(ctx context.Context, v providers.Veteran, folder int64, page, size int) ([]wireThreadSummary, error) {
	q := url.Values{}
	q.Set("pageNumber", strconv.Itoa(page))
	q.Set("pageSize", strconv.Itoa(size))
	q.Set("sortField", "SENT_DATE")
	q.Set("sortOrder", "DESC")
	rows, err := fetchJSON(ctx, c, v.MHVCorrelationID, call{
		method: http.MethodGet,
		path:   "folder/threadlistview/" + strconv.FormatInt(folder, 10),
		query:  q,
	}, decodeThreadList)
	if isCode(err, "915") {
		return nil, nil
	}
	return rows, err
}
