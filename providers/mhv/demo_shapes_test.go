package mhv

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/providers/mhv/mhvsim"
)

// The demo patients' MHV answers are what VAMS imports the demo from: they
// must be non-empty and have the recorded shapes (folders with messages,
// thread lists, thread details, signatures, teams).
func TestDemoPatientsAnswerInRecordedShapes(t *testing.T) {
	sim := mhvsim.New(demo.MHVSeed("app-token", "api-key"))
	if added, err := demo.SeedMHV(sim, time.Now()); !added || err != nil {
		t.Fatalf("seed: %v %v", added, err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	allowed := fixtureKeyUnion(t)

	for _, v := range demo.Directory.Veterans {
		if v.MHVCorrelationID == "" {
			continue
		}
		t.Run(v.DisplayName, func(t *testing.T) {
			token := demoSession(t, srv.URL, v.MHVCorrelationID)
			get := func(path, fixture string) any {
				t.Helper()
				req, _ := http.NewRequest("GET", srv.URL+"/v1/sm/patient/"+path, nil)
				req.Header.Set("x-api-key", "api-key")
				req.Header.Set("Token", token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				var got, rec any
				if resp.StatusCode != 200 || json.Unmarshal(b, &got) != nil {
					t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
				}
				if err := json.Unmarshal(loadCassette(t, fixture).body(), &rec); err != nil {
					t.Fatal(err)
				}
				for _, p := range compareShape("$", rec, got, allowed) {
					t.Errorf("GET %s against %s: %s", path, fixture, p)
				}
				return got
			}
			folders := get("folder", "folders/gets_a_collection_of_folders.yml").(map[string]any)["folder"].([]any)
			withMessages := 0
			for _, f := range folders {
				f := f.(map[string]any)
				id := fmt.Sprintf("%.0f", f["id"].(float64))
				get("folder/"+id, "folders/gets_a_single_folder.yml")
				if f["count"].(float64) == 0 {
					continue
				}
				withMessages++
				rows := get("folder/threadlistview/"+id+"?pageNumber=1&pageSize=10&sortField=SENT_DATE&sortOrder=DESC",
					"threads/gets_threads_in_a_folder.yml").([]any)
				msgs := get("folder/"+id+"/message/page/1/pageSize/250", "folders/nested_resources/gets_a_collection_of_messages.yml")
				if len(rows) == 0 || len(msgs.(map[string]any)["message"].([]any)) == 0 {
					t.Errorf("folder %s counts %v messages but lists none", f["name"], f["count"])
					continue
				}
				mid := fmt.Sprintf("%.0f", rows[0].(map[string]any)["messageId"].(float64))
				if len(get("message/"+mid+"/messagesforthread", "messages/gets_a_message_thread_full.yml").([]any)) == 0 ||
					len(get("message/"+mid+"/allmessagesforthread/1", "messages/gets_a_message_thread_full_body.yml").([]any)) == 0 {
					t.Errorf("thread of %s is empty", mid)
				}
			}
			if withMessages < 2 {
				t.Errorf("%d folders with messages, want Inbox and Sent at least", withMessages)
			}
			if sig := get("preferences/signature", "preferences/gets_message_signature.yml").(map[string]any); sig["signatureName"] != v.SignatureName {
				t.Errorf("signature %v, want %s", sig, v.SignatureName)
			}
			teams := get("triageteam", "triage_teams/gets_a_collection_of_triage_team_recipients.yml").(map[string]any)["triageTeam"].([]any)
			if want := len(demo.Directory.TeamsFor(v.ICN, "MHV")); len(teams) != want {
				t.Errorf("%d triage teams, want the veteran's %d", len(teams), want)
			}
			get("alltriageteams", "triage_teams/gets_a_collection_of_all_triage_team_recipients.yml")
		})
	}
}

func demoSession(t *testing.T, base, corr string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v1/sm/patient/session", nil)
	req.Header.Set("appToken", "app-token")
	req.Header.Set("x-api-key", "api-key")
	req.Header.Set("mhvCorrelationId", corr)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("session: %v %v", resp, err)
	}
	resp.Body.Close()
	return resp.Header.Get("Token")
}
