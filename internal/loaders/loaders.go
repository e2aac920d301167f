// Package loaders batch-loads what GraphQL asks for per thread or message
// (care team, folder, tags, last message, attachments, folder counts) so that
// a page costs the same handful of SQL statements whatever its size. Loaders
// live for one GraphQL response, so no cached value outlives the event that
// read it (a subscription's next event reads fresh data).
package loaders

import (
	"context"
	"sync"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/graph-gophers/dataloader/v7"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/attachment"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/tag"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/ctxkey"
	"github.com/va/vams/internal/platform/viewer"
)

// CareTeamInfo is a care team with its facility and the viewer's association.
type CareTeamInfo = inbox.CareTeamInfo

// FolderCounts are a folder's thread and unread-message counts.
type FolderCounts = inbox.FolderCounts

// Loaders is the set of batch loaders of one GraphQL response.
type Loaders struct {
	CareTeam *dataloader.Loader[string, *CareTeamInfo]
	// PreviousNames are the names of the teams a team replaced.
	PreviousNames *dataloader.Loader[string, []string]
	Folder        *dataloader.Loader[string, *ent.Folder]
	ThreadTags    *dataloader.Loader[string, []*ent.Tag]
	Message       *dataloader.Loader[string, *ent.Message]
	Attachments   *dataloader.Loader[string, []*ent.Attachment]
	Counts        *dataloader.Loader[string, FolderCounts]
	// Body reads through to providers for bodies not in the store yet.
	Body *dataloader.Loader[string, string]

	client        *ent.Client
	viewerFolders struct {
		once    sync.Once
		folders []*ent.Folder
		counts  map[string]FolderCounts
		err     error
	}

	careTeams     dataloader.BatchFunc[string, *CareTeamInfo]
	previousNames dataloader.BatchFunc[string, []string]
	folders       dataloader.BatchFunc[string, *ent.Folder]
	threadTags    dataloader.BatchFunc[string, []*ent.Tag]
	messages      dataloader.BatchFunc[string, *ent.Message]
}

// wait is how long a loader gathers keys before it queries. Resolvers of one
// list run concurrently and enqueue within microseconds; list resolvers also
// prime loaders with every key of the page (see Prime*), so batching never
// depends on this timing.
const wait = 500 * time.Microsecond

// BodyFetcher loads message bodies from providers, per message ID.
type BodyFetcher func(ctx context.Context, ids []string) (map[string]string, map[string]error)

// New returns fresh loaders reading through client (and fetch, when bodies
// may be missing from the store); now is VAMS's clock, which decides the
// cutover phase in force.
func New(client *ent.Client, now func() time.Time, fetch BodyFetcher) *Loaders {
	l := &Loaders{
		client:    client,
		careTeams: careTeams(client, now),
		folders: byID(func(ctx context.Context, ids []string) ([]*ent.Folder, error) {
			return client.Folder.Query().Where(folder.IDIn(ids...)).All(ctx)
		}, func(f *ent.Folder) string { return f.ID }),
		threadTags: threadTags(client),
		messages: byID(func(ctx context.Context, ids []string) ([]*ent.Message, error) {
			return client.Message.Query().Where(message.IDIn(ids...)).All(ctx)
		}, func(m *ent.Message) string { return m.ID }),
	}
	l.CareTeam = newLoader(l.careTeams)
	l.previousNames = func(ctx context.Context, keys []string) []*dataloader.Result[[]string] {
		found, err := inbox.PreviousNames(ctx, client, keys)
		return results(keys, found, err, empty[[]string])
	}
	l.PreviousNames = newLoader(l.previousNames)
	l.Folder = newLoader(l.folders)
	l.ThreadTags = newLoader(l.threadTags)
	l.Message = newLoader(l.messages)
	l.Attachments = newLoader(attachments(client))
	l.Counts = newLoader(folderCounts(client))
	if fetch != nil {
		l.Body = newLoader(func(ctx context.Context, keys []string) []*dataloader.Result[string] {
			bodies, errs := fetch(ctx, keys)
			out := make([]*dataloader.Result[string], len(keys))
			for i, k := range keys {
				out[i] = &dataloader.Result[string]{Data: bodies[k], Error: errs[k]}
			}
			return out
		})
	}
	return l
}

// ViewerFolders lists the viewer's folders with their counts, in one
// statement read at most once per response however many fields ask (the
// folder list and the viewer's unread total), and primes Counts with them.
// The first caller's context reads for all: they share one response.
func (l *Loaders) ViewerFolders(ctx context.Context) ([]*ent.Folder, map[string]FolderCounts, error) {
	v := &l.viewerFolders
	v.once.Do(func() {
		v.folders, v.counts, v.err = inbox.FoldersWithCounts(ctx, l.client)
		for id, c := range v.counts {
			l.Counts.Prime(ctx, id, c)
		}
	})
	return v.folders, v.counts, v.err
}

// Page lists the keys of one page of threads whose aggregates are wanted.
type Page struct {
	CareTeams, Folders, Threads, LastMessages []string
	// PreviousNames are care teams whose replaced teams' names are wanted.
	PreviousNames []string
}

// Fill loads a whole page's aggregates up front, one statement per kind,
// concurrently, and primes the loaders with them: field resolvers then
// never wait for a batch window, and the statement count cannot depend on
// how goroutines were scheduled.
func (l *Loaders) Fill(ctx context.Context, p Page) {
	var wg sync.WaitGroup
	wg.Add(5)
	go func() { defer wg.Done(); fill(ctx, l.CareTeam, l.careTeams, p.CareTeams) }()
	go func() { defer wg.Done(); fill(ctx, l.PreviousNames, l.previousNames, p.PreviousNames) }()
	go func() { defer wg.Done(); fill(ctx, l.Folder, l.folders, p.Folders) }()
	go func() { defer wg.Done(); fill(ctx, l.ThreadTags, l.threadTags, p.Threads) }()
	go func() { defer wg.Done(); fill(ctx, l.Message, l.messages, p.LastMessages) }()
	wg.Wait()
}

func fill[V any](ctx context.Context, l *dataloader.Loader[string, V], fn dataloader.BatchFunc[string, V], keys []string) {
	keys = unique(keys)
	if len(keys) == 0 {
		return
	}
	for i, r := range fn(ctx, keys) {
		if r.Error == nil {
			l.Prime(ctx, keys[i], r.Data)
		}
	}
}

func unique(keys []string) []string {
	seen := make(map[string]bool, len(keys))
	out := keys[:0:0]
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

func newLoader[V any](fn dataloader.BatchFunc[string, V]) *dataloader.Loader[string, V] {
	return dataloader.NewBatchedLoader(fn, dataloader.WithWait[string, V](wait), dataloader.WithBatchCapacity[string, V](500))
}

var key = ctxkey.New[*Loaders]("loaders")

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context { return key.With(ctx, l) }

// For returns the loaders of this response.
func For(ctx context.Context) *Loaders {
	l, ok := key.From(ctx)
	if !ok {
		panic("loaders: no loaders in this context")
	}
	return l
}

// results orders found values by the requested keys; a missing key is
// not-found for that key alone.
func results[V any](keys []string, found map[string]V, err error, missing func(string) (V, error)) []*dataloader.Result[V] {
	out := make([]*dataloader.Result[V], len(keys))
	for i, k := range keys {
		if err != nil {
			out[i] = &dataloader.Result[V]{Error: err}
			continue
		}
		v, ok := found[k]
		if !ok {
			v, e := missing(k)
			out[i] = &dataloader.Result[V]{Data: v, Error: e}
			continue
		}
		out[i] = &dataloader.Result[V]{Data: v}
	}
	return out
}

func notFound[V any](string) (V, error) {
	var zero V
	return zero, &ent.NotFoundError{}
}

func empty[V any](string) (V, error) {
	var zero V
	return zero, nil
}

func byID[V any](query func(context.Context, []string) ([]V, error), id func(V) string) dataloader.BatchFunc[string, V] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[V] {
		rows, err := query(ctx, keys)
		found := make(map[string]V, len(rows))
		for _, r := range rows {
			found[id(r)] = r
		}
		return results(keys, found, err, notFound[V])
	}
}

// careTeams loads teams, their facilities and the viewer's associations in
// one statement (inbox.LoadCareTeams).
func careTeams(client *ent.Client, now func() time.Time) dataloader.BatchFunc[string, *CareTeamInfo] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[*CareTeamInfo] {
		found, err := inbox.LoadCareTeams(ctx, client, viewerID(ctx), keys, now())
		return results(keys, found, err, notFound[*CareTeamInfo])
	}
}

func threadTags(client *ent.Client) dataloader.BatchFunc[string, []*ent.Tag] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[[]*ent.Tag] {
		var rows []struct {
			ID        string `sql:"id"`
			Name      string `sql:"name"`
			VeteranID string `sql:"veteran_id"`
			ThreadID  string `sql:"thread_id"`
		}
		err := client.Tag.Query().Modify(func(s *sql.Selector) {
			tt := sql.Table(thread.TagsTable).As("tt")
			s.Join(tt).On(s.C(tag.FieldID), tt.C(thread.TagsPrimaryKey[1])).
				Where(sql.In(tt.C(thread.TagsPrimaryKey[0]), anys(keys)...)).
				Select(s.C(tag.FieldID), s.C(tag.FieldName), s.C(tag.FieldVeteranID)).
				AppendSelectAs(tt.C(thread.TagsPrimaryKey[0]), "thread_id").
				OrderBy(s.C(tag.FieldName))
		}).Scan(ctx, &rows)
		found := map[string][]*ent.Tag{}
		for _, r := range rows {
			found[r.ThreadID] = append(found[r.ThreadID], &ent.Tag{ID: r.ID, Name: r.Name, VeteranID: r.VeteranID})
		}
		return results(keys, found, err, empty[[]*ent.Tag])
	}
}

func attachments(client *ent.Client) dataloader.BatchFunc[string, []*ent.Attachment] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[[]*ent.Attachment] {
		// Bytes stay in the database; only metadata is listed.
		rows, err := client.Attachment.Query().Where(attachment.MessageIDIn(keys...)).
			Select(attachment.FieldID, attachment.FieldMessageID, attachment.FieldFilename, attachment.FieldContentType,
				attachment.FieldSize, attachment.FieldVeteranID).
			Order(ent.Asc(attachment.FieldID)).All(ctx)
		found := map[string][]*ent.Attachment{}
		for _, a := range rows {
			found[a.MessageID] = append(found[a.MessageID], a)
		}
		return results(keys, found, err, empty[[]*ent.Attachment])
	}
}

func folderCounts(client *ent.Client) dataloader.BatchFunc[string, FolderCounts] {
	return func(ctx context.Context, keys []string) []*dataloader.Result[FolderCounts] {
		found, err := inbox.CountByFolder(ctx, client, thread.FolderIDIn(keys...))
		return results(keys, found, err, empty[FolderCounts])
	}
}

func anys(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func viewerID(ctx context.Context) string {
	v, _ := viewer.FromContext(ctx)
	return v.VeteranID
}
