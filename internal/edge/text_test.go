package edge_test

import (
	"testing"

	"github.com/va/vams/internal/store/storetest"
)

// TestTextPostgreSQLCannotStoreIsRefused: a NUL in any text input is
// INVALID_TEXT naming the field, on SQLite as on PostgreSQL (which cannot
// store it), and changes nothing.
func TestTextPostgreSQLCannotStoreIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		w := setup(t, b)
		sent, _ := w.send(t, icnA, w.team, "Question", "Hello")
		var f struct {
			CreateFolder struct{ Folder struct{ ID string } }
		}
		w.MustDo(icnA, `mutation { createFolder(input: {name: "Benefits"}) { folder { id } } }`, nil, &f)
		var tg struct {
			CreateTag struct{ Tag struct{ ID string } }
		}
		w.MustDo(icnA, `mutation { createTag(input: {name: "urgent"}) { tag { id } } }`, nil, &tg)
		var d struct {
			SaveDraft struct{ Draft struct{ ID string } }
		}
		w.MustDo(icnA, `mutation($t: ID!) { saveDraft(input: {careTeamId: $t, subject: "Later", body: "draft"}) { draft { id } } }`,
			map[string]any{"t": w.sig}, &d)

		const nul = "a\x00b"
		sig := map[string]any{"fullName": nul, "certified": true}
		cases := []struct {
			name, query string
			input       map[string]any
			field       string
		}{
			{"message subject", sendMutation, map[string]any{"careTeamId": w.team, "category": "OTHER", "subject": nul, "body": "x"}, "subject"},
			{"message body", sendMutation, map[string]any{"careTeamId": w.team, "category": "OTHER", "subject": "x", "body": nul}, "body"},
			{"message signature", sendMutation, map[string]any{"careTeamId": w.sig, "category": "OTHER", "subject": "x", "body": "y",
				"electronicSignature": sig}, "electronicSignature.fullName"},
			{"reply body", replyMutation, map[string]any{"threadId": sent.ID, "body": nul}, "body"},
			{"reply signature", replyMutation, map[string]any{"threadId": sent.ID, "body": "y", "electronicSignature": sig}, "electronicSignature.fullName"},
			{"new draft subject", saveDraftMutation, map[string]any{"careTeamId": w.team, "subject": nul, "body": "x"}, "subject"},
			{"new draft body", saveDraftMutation, map[string]any{"careTeamId": w.team, "body": nul}, "body"},
			{"reply draft body", saveDraftMutation, map[string]any{"threadId": sent.ID, "body": nul}, "body"},
			{"draft update body", saveDraftMutation, map[string]any{"draftId": d.SaveDraft.Draft.ID, "body": nul}, "body"},
			{"draft update subject", saveDraftMutation, map[string]any{"draftId": d.SaveDraft.Draft.ID, "subject": nul, "body": "x"}, "subject"},
			{"send draft signature", `mutation($input: SendDraftInput!) { sendDraft(input: $input) { message { id } } }`,
				map[string]any{"draftId": d.SaveDraft.Draft.ID, "electronicSignature": sig}, "electronicSignature.fullName"},
			{"new folder", `mutation($input: CreateFolderInput!) { createFolder(input: $input) { folder { id } } }`,
				map[string]any{"name": nul}, "name"},
			{"folder rename", `mutation($input: RenameFolderInput!) { renameFolder(input: $input) { folder { id } } }`,
				map[string]any{"folderId": f.CreateFolder.Folder.ID, "name": nul}, "name"},
			{"new tag", `mutation($input: CreateTagInput!) { createTag(input: $input) { tag { id } } }`,
				map[string]any{"name": nul}, "name"},
			{"tag rename", `mutation($input: RenameTagInput!) { renameTag(input: $input) { tag { id } } }`,
				map[string]any{"tagId": tg.CreateTag.Tag.ID, "name": nul}, "name"},
			{"signature name", updateSignatureMutation, map[string]any{"name": nul, "title": "Veteran", "includeSignature": true}, "name"},
			{"signature title", updateSignatureMutation, map[string]any{"name": "Alex", "title": nul, "includeSignature": false}, "title"},
		}
		before := snapshot(t, w)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := w.Do(icnA, c.query, map[string]any{"input": c.input})
				if r.Code() != "INVALID_TEXT" || r.Errors[0].Extensions["field"] != c.field {
					t.Fatalf("got %+v, want INVALID_TEXT on %s", r.Errors, c.field)
				}
			})
		}
		t.Run("search words", func(t *testing.T) {
			r := w.Do(icnA, `query($s: String) { viewer { threads(filter: {search: $s}) { edges { cursor } } } }`, map[string]any{"s": nul})
			if r.Code() != "INVALID_TEXT" || r.Errors[0].Extensions["field"] != "filter.search" {
				t.Fatalf("got %+v, want INVALID_TEXT on filter.search", r.Errors)
			}
		})
		if after := snapshot(t, w); after != before {
			t.Fatal("refused text changed the store")
		}
	})
}

const saveDraftMutation = `mutation($input: SaveDraftInput!) { saveDraft(input: $input) { draft { id } } }`

const updateSignatureMutation = `mutation($input: UpdateSignatureInput!) { updateSignature(input: $input) { signature { name } } }`
