package audit_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

const (
	icnA = "1000000101V000101"
	icnB = "1000000102V000102"
)

func get(t *testing.T, e *vamstest.Env, path, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.Server.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, raw)
		}
	}
	return res.StatusCode
}

// The API records who read, changed and downloaded what; operators (only)
// can read the trail and verify its chain over HTTP, and a tampered entry
// shows up there.
func TestAuditTrailOverHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		e := vamstest.New(t, b, vamstest.Options{Audit: true})
		vet := e.Veteran(icnA, "Alex Morgan")
		team := e.CareTeam(vet, vamstest.Team{Name: "Primary Care"})
		const body = "Please refill my lisinopril"
		r := e.DoUpload(icnA, `mutation($in: SendMessageInput!) { sendMessage(input: $in) {
			thread { id } message { id attachments { id downloadUrl } } } }`,
			map[string]any{"in": map[string]any{"careTeamId": team, "category": "OTHER", "subject": "Refill", "body": body, "attachments": []any{nil}}},
			[]vamstest.Upload{{Var: "in.attachments.0", Filename: "list.txt", Data: []byte("lisinopril 10mg")}})
		var sent struct {
			SendMessage struct {
				Thread  struct{ ID string }
				Message struct {
					ID          string
					Attachments []struct{ ID, DownloadURL string }
				}
			}
		}
		r.Decode(t, &sent)
		th, msg, att := sent.SendMessage.Thread.ID, sent.SendMessage.Message.ID, sent.SendMessage.Message.Attachments[0]
		e.MustDo(icnA, `query($t: ID!) { node(id: $t) { ... on Thread { messages { edges { node { body } } } } } }`, map[string]any{"t": th}, &struct{}{})
		if code := get(t, e, att.DownloadURL, e.Token(icnA), nil); code != http.StatusOK {
			t.Fatalf("download: %d", code)
		}
		// B probing A's thread is recorded as B's failed attempt.
		e.Veteran(icnB, "Blair Chen")
		if r := e.Do(icnB, `mutation($t: ID!) { deleteThread(input: {threadId: $t}) { thread { id } } }`, map[string]any{"t": th}); r.Code() != "NOT_FOUND" {
			t.Fatalf("B deleting A's thread: %+v", r.Errors)
		}

		if code := get(t, e, "/ops/audit", e.Token(icnA), nil); code != http.StatusForbidden {
			t.Fatalf("veteran on /ops/audit: %d, want 403", code)
		}
		if code := get(t, e, "/ops/audit/verify", e.Token(icnA), nil); code != http.StatusForbidden {
			t.Fatalf("veteran on /ops/audit/verify: %d, want 403", code)
		}
		if code := get(t, e, "/ops/audit", "", nil); code != http.StatusUnauthorized {
			t.Fatalf("no token on /ops/audit: %d, want 401", code)
		}
		op := e.Token("1000000999V000999", "operator")
		var page struct{ Entries []audit.Entry }
		if code := get(t, e, "/ops/audit?actor="+icnA, op, &page); code != http.StatusOK {
			t.Fatalf("operator on /ops/audit: %d", code)
		}
		have := map[string]bool{}
		for _, en := range page.Entries {
			if en.Actor == icnA || en.Actor != e.Audit.Actor(icnA) {
				t.Fatalf("entry actor %q: want A's keyed actor", en.Actor)
			}
			if en.RequestID == "" {
				t.Errorf("entry without request id: %+v", en)
			}
			have[en.Action+" "+en.TargetType+" "+en.TargetID+" "+en.Outcome] = true
		}
		for _, want := range []string{
			"sendMessage CareTeam " + team + " ok",
			"sendMessage Thread " + th + " ok",
			"sendMessage Message " + msg + " ok",
			"read Thread " + th + " ok",
			"read Message " + msg + " ok",
			"export Attachment " + att.ID + " ok",
		} {
			if !have[want] {
				t.Errorf("no entry %q in %v", want, have)
			}
		}
		raw, _ := json.Marshal(page)
		for _, s := range []string{body, "Refill", "lisinopril", "Alex Morgan", "list.txt"} {
			if strings.Contains(string(raw), s) {
				t.Errorf("audit entries contain %q", s)
			}
		}
		if code := get(t, e, "/ops/audit?actor="+e.Audit.Actor(icnB), op, &page); code != http.StatusOK ||
			len(page.Entries) != 1 || page.Entries[0].Action != "deleteThread" || page.Entries[0].Outcome != "error:NOT_FOUND" {
			t.Fatalf("B's probe: %d %+v", code, page.Entries)
		}
		if code := get(t, e, "/ops/audit?since=yesterday", op, nil); code != http.StatusBadRequest {
			t.Fatalf("bad since: %d", code)
		}

		var v struct {
			OK       bool
			BrokenAt int64
			Head     audit.Head
		}
		if code := get(t, e, "/ops/audit/verify", op, &v); code != http.StatusOK || !v.OK || v.Head.Entries < 8 {
			t.Fatalf("verify: %d %+v", code, v)
		}
		victim := page.Entries[0].ID
		if _, err := e.Store.DB.Exec(rebind(e.Store.Dialect, "UPDATE audit_events SET outcome = 'ok' WHERE id = ?"), victim); err != nil {
			t.Fatal(err)
		}
		if code := get(t, e, "/ops/audit/verify", op, &v); code != http.StatusConflict || v.OK || v.BrokenAt != victim {
			t.Fatalf("verify after tampering: %d %+v, want 409 at %d", code, v, victim)
		}
	})
}
