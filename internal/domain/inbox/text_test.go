package inbox_test

import (
	"context"
	"strings"
	"testing"

	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// Text PostgreSQL cannot store: NUL, and bytes that are not UTF-8.
var unstorable = map[string]string{"NUL": "a\x00b", "invalid UTF-8": "caf\xe9", "lone continuation byte": "\x80"}

// TestUnstorableTextIsInvalidText: every text input refuses NUL and invalid
// UTF-8 with INVALID_TEXT naming the field, on both backends, storing nothing.
func TestUnstorableTextIsInvalidText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b)
		vid := e.Veteran("1000000301V000301", "Alex Morgan")
		team := e.CareTeam(vid, vamstest.Team{Name: "Primary Care"})
		ctx := viewer.NewContext(context.Background(), viewer.Viewer{VeteranID: vid})
		svc := e.Inbox
		th, _, err := svc.SendMessage(ctx, inbox.SendMessage{CareTeamID: team, Category: thread.CategoryOTHER, Subject: "Hi", Body: "Hello"})
		if err != nil {
			t.Fatal(err)
		}
		_, draft, err := svc.SaveDraft(ctx, inbox.Draft{CareTeamID: team, Body: "later"})
		if err != nil {
			t.Fatal(err)
		}
		f, err := svc.CreateFolder(ctx, inbox.NewFolder{Name: "Benefits"})
		if err != nil {
			t.Fatal(err)
		}
		tg, err := svc.CreateTag(ctx, inbox.NewTag{Name: "urgent"})
		if err != nil {
			t.Fatal(err)
		}
		for kind, bad := range unstorable {
			cases := []struct {
				field string
				call  func() error
			}{
				{"subject", func() error {
					_, _, err := svc.SendMessage(ctx, inbox.SendMessage{CareTeamID: team, Category: thread.CategoryOTHER, Subject: bad, Body: "x"})
					return err
				}},
				{"body", func() error {
					_, _, err := svc.SendMessage(ctx, inbox.SendMessage{CareTeamID: team, Category: thread.CategoryOTHER, Subject: "x", Body: bad})
					return err
				}},
				{"electronicSignature.fullName", func() error {
					_, _, err := svc.ReplyToThread(ctx, inbox.Reply{ThreadID: th.ID, Body: "x", Signature: &inbox.Signature{FullName: bad, Certified: true}})
					return err
				}},
				{"attachments", func() error {
					_, _, err := svc.ReplyToThread(ctx, inbox.Reply{ThreadID: th.ID, Body: "x",
						Attachments: []inbox.File{{Filename: bad + ".txt", Size: 2, Content: strings.NewReader("ok")}}})
					return err
				}},
				{"body", func() error {
					_, _, err := svc.SaveDraft(ctx, inbox.Draft{DraftID: draft.ID, Body: bad})
					return err
				}},
				{"subject", func() error {
					_, _, err := svc.SaveDraft(ctx, inbox.Draft{CareTeamID: team, Subject: &bad, Body: "x"})
					return err
				}},
				{"name", func() error { _, err := svc.CreateFolder(ctx, inbox.NewFolder{Name: bad}); return err }},
				{"name", func() error { _, err := svc.RenameFolder(ctx, f.ID, bad); return err }},
				{"name", func() error { _, err := svc.CreateTag(ctx, inbox.NewTag{Name: bad}); return err }},
				{"name", func() error { _, err := svc.RenameTag(ctx, tg.ID, bad); return err }},
				{"title", func() error { _, err := svc.UpdateSignature(ctx, "Alex", bad, true); return err }},
				{"filter.search", func() error {
					_, err := svc.ListThreads(ctx, inbox.ThreadQuery{Filter: inbox.ThreadFilter{Search: bad}})
					return err
				}},
			}
			for _, c := range cases {
				err := c.call()
				if e, ok := inbox.AsError(err); !ok || e.Code != inbox.CodeInvalidText || e.Field != c.field {
					t.Errorf("%s in %s: got %v, want INVALID_TEXT", kind, c.field, err)
				}
			}
		}
		// IDs no row could have are simply not found.
		if _, err := svc.Node(ctx, "thr_\x00"); err == nil {
			t.Error("node with NUL: no error")
		} else if e, ok := inbox.AsError(err); !ok || e.Code != inbox.CodeNotFound {
			t.Errorf("node with NUL: %v, want NOT_FOUND", err)
		}
		if n, err := e.Client().Message.Query().Count(e.System()); err != nil || n != 2 {
			t.Fatalf("messages = %d (%v), want the 2 stored before", n, err)
		}
	})
}
