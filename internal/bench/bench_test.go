package bench_test

import (
	"context"
	"io"
	"testing"

	"github.com/va/vams/ent/folder"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/bench"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
)

// The generated data keeps the app's invariants, and the inbox reads it.
func TestGeneratedDataIsConsistent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := b.Open(t)
		ctx := context.Background()
		sz := bench.DefaultSizes.Scale(10000)
		if err := bench.Generate(ctx, s, sz, io.Discard); err != nil {
			t.Fatal(err)
		}
		checks := map[string]string{
			"veterans without 4 system folders": `SELECT COUNT(*) FROM veterans v WHERE
				(SELECT COUNT(*) FROM folders f WHERE f.veteran_id = v.id AND f.system IS NOT NULL) <> 4`,
			"threads with wrong aggregates": `SELECT COUNT(*) FROM threads t WHERE
				t.message_count <> (SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id)
				OR t.unread_count <> (SELECT COUNT(*) FROM messages m WHERE m.thread_id = t.id AND m.author_kind <> 'VETERAN' AND m.read_at IS NULL)
				OR t.last_message_id <> (SELECT m.id FROM messages m WHERE m.thread_id = t.id ORDER BY m.ordered_at DESC, m.id DESC LIMIT 1)
				OR t.last_message_at <> (SELECT MAX(m.sent_at) FROM messages m WHERE m.thread_id = t.id)
				OR t.has_attachments <> EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.thread_id = t.id)`,
			"threads on a team the veteran is not associated with": `SELECT COUNT(*) FROM threads t WHERE NOT EXISTS
				(SELECT 1 FROM associations a WHERE a.veteran_id = t.veteran_id AND a.care_team_id = t.care_team_id)`,
			"messages of another veteran's thread": `SELECT COUNT(*) FROM messages m JOIN threads t ON t.id = m.thread_id
				WHERE m.veteran_id <> t.veteran_id OR m.ordered_at <> m.sent_at`,
		}
		for what, query := range checks {
			var n int
			if err := s.DB.QueryRow(query).Scan(&n); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if n != 0 {
				t.Errorf("%d %s", n, what)
			}
		}
		var msgs int
		if err := s.DB.QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&msgs); err != nil || msgs != sz.Messages {
			t.Fatalf("messages = %d (%v), want %d", msgs, err, sz.Messages)
		}
		sys := viewer.System(ctx)
		v, err := s.Client.Veteran.Query().Where(veteran.Icn(bench.ICN(0))).Only(sys)
		if err != nil {
			t.Fatal(err)
		}
		in, err := inbox.SystemFolder(sys, s.Client, v.ID, folder.SystemINBOX)
		if err != nil {
			t.Fatal(err)
		}
		svc := inbox.New(inbox.Config{Store: s})
		conn, err := svc.ListThreads(viewer.NewContext(ctx, viewer.Viewer{VeteranID: v.ID, ICN: v.Icn}), inbox.ThreadQuery{FolderID: in.ID})
		if err != nil || len(conn.Edges) != inbox.DefaultPageSize {
			t.Fatalf("heavy user's inbox: %v, %d threads", err, len(conn.Edges))
		}
	})
}
