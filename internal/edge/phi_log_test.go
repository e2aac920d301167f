package edge_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// A realistic session — send with an attachment, a care team's answer,
// reply, read, move, tag, download, rejected input and an internal error —
// leaves no message body, subject, name, file name or ICN in the server log,
// in the audit trail or in an error response.
func TestNoPHIInLogsAuditOrErrors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b, vamstest.Options{Audit: true})
		const (
			name     = "Rosalind Featherstonehaugh"
			subject  = "Colonoscopy prep question"
			body     = "I have been bleeding since Tuesday morning"
			reply    = "My glucose reading was 287 this morning"
			answer   = "Your biopsy came back benign"
			filename = "pathology-report-rosalind.txt"
			folder   = "Oncology Followup"
			tagName  = "Chemo schedule"
			rejected = "Hepatitis C screening result request that is far too long"
			internal = "Psychiatry referral"
		)
		vet := e.Veteran(icnA, name)
		team := e.CareTeam(vet, vamstest.Team{Name: "Gastroenterology"})
		secrets := []string{name, "Rosalind", subject, body, reply, answer, filename, folder, tagName, rejected, internal, icnA}

		r := e.DoUpload(icnA, sendMutation, map[string]any{"input": map[string]any{"careTeamId": team, "category": "OTHER",
			"subject": subject, "body": body, "attachments": []any{nil}}},
			[]vamstest.Upload{{Var: "input.attachments.0", Filename: filename, Data: []byte("pathology: benign")}})
		var sent struct {
			SendMessage struct {
				Thread  struct{ ID string }
				Message struct {
					Attachments []struct{ DownloadURL string }
				}
			}
		}
		r.Decode(t, &sent)
		th := sent.SendMessage.Thread.ID
		e.ClinicianWrites(vet, team, subject, answer, "", e.Now().Add(time.Minute))
		e.MustDo(icnA, replyMutation, map[string]any{"input": map[string]any{"threadId": th, "body": reply}}, &struct{}{})
		e.MustDo(icnA, `query($t: ID!) { node(id: $t) { ... on Thread { subject messages { edges { node { body author { displayName } } } } } } }`,
			map[string]any{"t": th}, &struct{}{})
		e.MustDo(icnA, `{ viewer { displayName threads { edges { node { subject lastMessage { body } } } } } }`, nil, &struct{}{})
		var f struct {
			CreateFolder struct{ Folder struct{ ID string } }
			CreateTag    struct{ Tag struct{ ID string } }
		}
		e.MustDo(icnA, `mutation($n: String!) { createFolder(input: {name: $n}) { folder { id } } }`, map[string]any{"n": folder}, &f)
		e.MustDo(icnA, `mutation($n: String!) { createTag(input: {name: $n}) { tag { id } } }`, map[string]any{"n": tagName}, &f)
		e.MustDo(icnA, `mutation($t: ID!, $f: ID!) { moveThread(input: {threadId: $t, folderId: $f}) { thread { id } } }`,
			map[string]any{"t": th, "f": f.CreateFolder.Folder.ID}, &struct{}{})
		e.MustDo(icnA, `mutation($t: ID!, $g: ID!) { tagThread(input: {threadId: $t, tagId: $g}) { thread { id } } }`,
			map[string]any{"t": th, "g": f.CreateTag.Tag.ID}, &struct{}{})
		e.MustDo(icnA, `mutation($t: ID!) { markThreadRead(input: {threadId: $t}) { thread { id } } }`, map[string]any{"t": th}, &struct{}{})
		req, _ := http.NewRequest(http.MethodGet, e.Server.URL+sent.SendMessage.Message.Attachments[0].DownloadURL, nil)
		req.Header.Set("Authorization", "Bearer "+e.Token(icnA))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()

		// Rejected input: neither the error nor the log repeats it.
		var answers []vamstest.Response
		answers = append(answers,
			e.Do(icnA, sendMutation, map[string]any{"input": map[string]any{"careTeamId": team, "category": "OTHER", "subject": rejected, "body": body}}),
			e.Do(icnA, sendMutation, map[string]any{"input": map[string]any{"careTeamId": team, "category": rejected, "subject": "x", "body": body}}),
			e.Do(icnA, `query($n: Int) { viewer { threads(first: $n) { edges { cursor } } } }`, map[string]any{"n": rejected}),
			e.Do(icnA, sendMutation, map[string]any{"input": map[string]any{"careTeamId": rejected, "category": "OTHER", "subject": "x", "body": body}}),
		)
		// An internal error: the store loses a table under a mutation.
		if _, err := e.Store.DB.Exec(`DROP TABLE changes`); err != nil {
			t.Fatal(err)
		}
		ie := e.Do(icnA, `mutation($n: String!) { createFolder(input: {name: $n}) { folder { id } } }`, map[string]any{"n": internal})
		if ie.Code() != "INTERNAL" || ie.Errors[0].Extensions["correlationId"] == nil ||
			!strings.Contains(ie.Errors[0].Message, ie.Errors[0].Extensions["correlationId"].(string)) {
			t.Fatalf("internal error: %+v", ie.Errors)
		}
		for _, w := range []string{"changes", "sql", "SQL", "table", "relation"} {
			if strings.Contains(ie.Errors[0].Message, w) {
				t.Fatalf("internal error message leaks %q: %q", w, ie.Errors[0].Message)
			}
		}
		answers = append(answers, ie)

		log := e.Log.String()
		if !strings.Contains(log, `"correlation_id":"`+ie.Errors[0].Extensions["correlationId"].(string)) {
			t.Fatal("the internal error is not logged under its correlation id")
		}
		entries, err := e.Audit.Query(e.System(), auditFilterAll)
		if err != nil || len(entries) == 0 {
			t.Fatalf("audit trail: %d entries, %v", len(entries), err)
		}
		trail := mustJSON(t, entries)
		for _, s := range secrets {
			if strings.Contains(log, s) {
				t.Errorf("server log contains %q", s)
			}
			if strings.Contains(trail, s) {
				t.Errorf("audit trail contains %q", s)
			}
			for _, a := range answers {
				if strings.Contains(mustJSON(t, a.Errors), s) && s != icnA {
					t.Errorf("error response repeats %q: %+v", s, a.Errors)
				}
			}
		}
	})
}

var auditFilterAll = audit.Filter{}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
