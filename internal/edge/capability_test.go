package edge_test

import (
	"testing"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// TestAttachmentsToATeamThatCannotTakeThemAreRefused: canAttach says per team
// whether files can go with a message, and a message or reply with files to
// a team that cannot take them is refused before anything is stored.
func TestAttachmentsToATeamThatCannotTakeThemAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		noFiles := w.CareTeam(w.vetA, vamstest.Team{Name: "Primary Care Team Red", Provider: providerkind.OH})
		var teams struct {
			Viewer struct {
				CareTeams []struct {
					ID        string
					CanAttach bool
				}
			}
		}
		w.MustDo(icnA, `{ viewer { careTeams { id canAttach } } }`, nil, &teams)
		got := map[string]bool{}
		for _, ct := range teams.Viewer.CareTeams {
			got[ct.ID] = ct.CanAttach
		}
		if !got[w.team] || got[noFiles] {
			t.Fatalf("canAttach = %v, want true for %s and false for %s", got, w.team, noFiles)
		}
		th, _ := w.send(t, icnA, noFiles, "Question", "Hello")
		before := snapshot(t, w)
		files := []vamstest.Upload{{Var: "input.attachments.0", Filename: "notes.txt", Data: []byte("itchy since Monday")}}
		cases := []struct {
			name, query string
			input       map[string]any
		}{
			{"new message", sendMutation, map[string]any{"careTeamId": noFiles, "category": "OTHER", "subject": "Photo", "body": "See attached.",
				"attachments": []any{nil}}},
			{"reply", replyMutation, map[string]any{"threadId": th.ID, "body": "See attached.", "attachments": []any{nil}}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := w.DoUpload(icnA, c.query, map[string]any{"input": c.input}, files)
				if r.Code() != "ATTACHMENTS_NOT_ACCEPTED" || r.Errors[0].Extensions["field"] != "attachments" {
					t.Fatalf("got %+v, want ATTACHMENTS_NOT_ACCEPTED on attachments", r.Errors)
				}
			})
		}
		if snapshot(t, w) != before {
			t.Fatal("a refused attachment stored something")
		}
		// The same files go to a team that takes them.
		r := w.DoUpload(icnA, sendMutation, map[string]any{"input": map[string]any{"careTeamId": w.team, "category": "OTHER",
			"subject": "Photo", "body": "See attached.", "attachments": []any{nil}}}, files)
		if len(r.Errors) > 0 {
			t.Fatalf("attachment to a team that takes them: %+v", r.Errors)
		}
	})
}
