package store_test

import (
	"context"
	"database/sql"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/bench"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/loaders"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
)

// recorder keeps every statement the app sends, with its arguments.
type recorder struct {
	dialect.Driver
	mu   sync.Mutex
	on   bool
	seen []stmt
}

type stmt struct {
	query string
	args  []any
}

func (r *recorder) record(query string, args any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		a, _ := args.([]any)
		r.seen = append(r.seen, stmt{query, a})
	}
}

func (r *recorder) Query(ctx context.Context, query string, args, v any) error {
	r.record(query, args)
	return r.Driver.Query(ctx, query, args, v)
}

func (r *recorder) Exec(ctx context.Context, query string, args, v any) error {
	r.record(query, args)
	return r.Driver.Exec(ctx, query, args, v)
}

func (r *recorder) set(on bool) { r.mu.Lock(); r.on = on; r.mu.Unlock() }

func (r *recorder) take() []stmt {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.seen
	r.seen = nil
	return out
}

// TestHotPathPlansUseIndexes seeds a data set, captures the SQL the inbox
// issues for its hot paths (inbox page with its batch loads, thread open,
// folder counts, unread count, search) and fails when PostgreSQL plans a
// sequential scan of messages or threads for any of it, or a selective
// search without its GIN indexes.
func TestHotPathPlansUseIndexes(t *testing.T) {
	if storetest.PostgresURL() == "" {
		t.Skip("query plans are checked on PostgreSQL only: set VAMS_TEST_DATABASE_URL (see .ci/run)")
	}
	if testing.Short() {
		t.Skip("seeds 100,000 messages; skipped with -short")
	}
	var pg storetest.Backend
	for _, b := range storetest.Backends(t) {
		if b.Name == "postgres" {
			pg = b
		}
	}
	rec := &recorder{}
	s := pg.Open(t, storetest.Options{WrapDriver: func(d dialect.Driver) dialect.Driver { rec.Driver = d; return rec }})
	ctx := context.Background()
	sz := bench.DefaultSizes.Scale(100000)
	if err := bench.Generate(ctx, s, sz, io.Discard); err != nil {
		t.Fatal(err)
	}
	svc := inbox.New(inbox.Config{Store: s})
	sys := viewer.System(ctx)
	// The heaviest user and a typical one: plans differ with selectivity.
	for _, icn := range []string{bench.ICN(0), bench.ICN(sz.Veterans - 1)} {
		v, err := s.Client.Veteran.Query().Where(veteran.Icn(icn)).Only(sys)
		if err != nil {
			t.Fatal(err)
		}
		vctx := viewer.NewContext(ctx, viewer.Viewer{VeteranID: v.ID, ICN: icn})
		in, err := inbox.SystemFolder(sys, s.Client, v.ID, folder.SystemINBOX)
		if err != nil {
			t.Fatal(err)
		}
		paths := map[string]func() error{
			"inbox page": func() error {
				conn, err := svc.ListThreads(vctx, inbox.ThreadQuery{FolderID: in.ID})
				if err != nil || len(conn.Edges) == 0 {
					return err
				}
				l := loaders.New(s.Client, time.Now, nil)
				var p loaders.Page
				var msgIDs []string
				for _, e := range conn.Edges {
					n := e.Node
					p.CareTeams, p.Folders, p.Threads = append(p.CareTeams, n.CareTeamID), append(p.Folders, n.FolderID), append(p.Threads, n.ID)
					if n.LastMessageID != nil {
						p.LastMessages = append(p.LastMessages, *n.LastMessageID)
						msgIDs = append(msgIDs, *n.LastMessageID)
					}
				}
				l.Fill(vctx, p)
				_, errs := l.Attachments.LoadMany(vctx, msgIDs)()
				for _, err := range errs {
					if err != nil {
						return err
					}
				}
				_, err = svc.UnreadCount(vctx)
				return err
			},
			"all but trash": func() error {
				_, err := svc.ListThreads(vctx, inbox.ThreadQuery{})
				return err
			},
			"thread open": func() error {
				th, err := s.Client.Thread.Query().Where(thread.FolderID(in.ID)).Order(ent.Desc(thread.FieldMessageCount)).First(vctx)
				if err != nil {
					return err
				}
				if _, err := svc.Node(vctx, th.ID); err != nil { // the thread with its folder
					return err
				}
				conn, err := svc.ListMessages(vctx, th, inbox.PageArgs{})
				if err != nil {
					return err
				}
				ids := make([]string, len(conn.Edges))
				for i, e := range conn.Edges {
					ids[i] = e.Node.ID
				}
				_, errs := loaders.New(s.Client, time.Now, nil).Attachments.LoadMany(vctx, ids)()
				for _, err := range errs {
					if err != nil {
						return err
					}
				}
				return nil
			},
			// The folder pane: folders, their counts and the unread total in one.
			"folders with counts": func() error {
				_, _, err := loaders.New(s.Client, time.Now, nil).ViewerFolders(vctx)
				return err
			},
			// A word in a fifth of all bodies: the planner may rather walk
			// the veteran's messages than the GIN index; either is fine.
			"search": func() error {
				_, err := svc.ListThreads(vctx, inbox.ThreadQuery{Filter: inbox.ThreadFilter{Search: "refill"}})
				return err
			},
			"search rare words": func() error {
				_, err := svc.ListThreads(vctx, inbox.ThreadQuery{Filter: inbox.ThreadFilter{Search: "zoster shingles"}})
				return err
			},
		}
		// The full-text indexes (hand-written migrations) serve a selective
		// search of the heavy user's subjects and bodies; a typical user's
		// few rows are cheaper to walk by veteran, and the planner does.
		uses := map[string][]string{}
		if icn == bench.ICN(0) {
			uses["search rare words"] = []string{"thread_search", "message_search"}
		}
		for name, run := range paths {
			rec.set(true)
			err := run()
			rec.set(false)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var plans strings.Builder
			for _, st := range rec.take() {
				plans.WriteString(checkPlan(t, s.DB, icn+" "+name, st))
			}
			for _, index := range uses[name] {
				if !strings.Contains(plans.String(), "Bitmap Index Scan on "+index) {
					t.Errorf("%s %s: no scan of the GIN index %s:\n%s", icn, name, index, plans.String())
				}
			}
		}
	}
}

// checkPlan explains one statement with its arguments, fails on a
// sequential scan of messages or threads (other sequential scans are
// logged) and returns the plan.
func checkPlan(t *testing.T, db *sql.DB, what string, st stmt) string {
	t.Helper()
	if !strings.HasPrefix(strings.TrimSpace(strings.ToUpper(st.query)), "SELECT") {
		return ""
	}
	rows, err := db.Query("EXPLAIN "+st.query, st.args...)
	if err != nil {
		t.Fatalf("%s: EXPLAIN %s: %v", what, st.query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	text := strings.Join(plan, "\n")
	switch {
	case strings.Contains(text, "Seq Scan on messages"), strings.Contains(text, "Seq Scan on threads"):
		t.Errorf("%s: sequential scan of a large table:\n%s\n%s", what, st.query, text)
	case strings.Contains(text, "Seq Scan"):
		t.Logf("%s: sequential scan (small table or missing index):\n%s\n%s", what, st.query, text)
	}
	return text
}
