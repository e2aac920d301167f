package mhv

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/providers/mhv/mhvsim"
)

// The demo's patients get from the MHV simulator what MHV's recorded answers
// look like, with their own history in them: folders holding messages,
// thread lists, a thread, a message and the signature, each with the shape
// of the recorded response and none of them empty where the demo script
// puts mail.
func TestDemoPatientsGetRecordedShapesWithTheirHistory(t *testing.T) {
	sim := mhvsim.New(demo.MHVSeed("app-token", "api-key"))
	if _, err := demo.SeedMHV(sim, time.Now()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/sim/mhv/", http.StripPrefix("/sim/mhv", sim))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r := &replayer{e: &env{base: srv.URL + "/sim/mhv/"}}
	allowed := fixtureKeyUnion(t)

	get := func(t *testing.T, token, path, cassette string) any {
		t.Helper()
		req, _ := http.NewRequest("GET", r.e.base+"v1/sm/patient/"+path, nil)
		req.Header.Set("x-api-key", "api-key")
		req.Header.Set("Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: status %d (%s)", path, resp.StatusCode, body)
		}
		var sim, rec any
		if err := json.Unmarshal(body, &sim); err != nil {
			t.Fatalf("GET %s: not JSON: %q", path, body)
		}
		if err := json.Unmarshal(loadCassette(t, cassette).body(), &rec); err != nil {
			t.Fatal(err)
		}
		for _, p := range compareShape("$", rec, sim, allowed) {
			t.Errorf("GET %s against %s: %s", path, cassette, p)
		}
		return sim
	}
	// list is the list an MHV answer carries: the answer itself, or the
	// one list in its object ({"message": [...]}).
	list := func(v any) []any {
		if l, ok := v.([]any); ok {
			return l
		}
		m, _ := v.(map[string]any)
		for _, x := range m {
			if l, ok := x.([]any); ok {
				return l
			}
		}
		return nil
	}
	firstID := func(t *testing.T, list []any) string {
		t.Helper()
		m, _ := list[0].(map[string]any)
		for _, k := range []string{"messageId", "id"} {
			if v, ok := m[k].(float64); ok {
				return strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		t.Fatalf("no message id in %v", m)
		return ""
	}

	for _, p := range demo.MHVSeed("", "").Patients {
		v, _ := demo.Directory.Veteran(p.ICN)
		t.Run(v.DisplayName, func(t *testing.T) {
			token := r.session(t, p.CorrelationID)
			get(t, token, "folder", "folders/gets_a_collection_of_folders.yml")
			get(t, token, "folder/0", "folders/gets_a_single_folder.yml")
			var inbox []any
			for _, f := range []struct {
				name string
				id   int
			}{{"Inbox", 0}, {"Sent", -1}, {"Deleted", -3}} {
				msgs := list(get(t, token, fmt.Sprintf("folder/%d/message/page/1/pageSize/250", f.id),
					"folders/nested_resources/gets_a_collection_of_messages.yml"))
				if len(msgs) == 0 {
					t.Errorf("%s holds no messages; the demo script puts mail there", f.name)
				}
				if f.id == 0 {
					inbox = msgs
				}
			}
			threads := list(get(t, token, "folder/threadlistview/0?pageNumber=1&pageSize=5&sortField=SENDER_NAME&sortOrder=ASC",
				"threads/gets_threads_in_a_folder.yml"))
			if len(threads) == 0 {
				t.Error("the Inbox's thread list is empty")
			}
			if len(inbox) == 0 {
				return
			}
			id := firstID(t, inbox)
			get(t, token, "message/"+id+"/read", "messages/gets_a_message_with_id.yml")
			if len(list(get(t, token, "message/"+id+"/messagesforthread", "messages/gets_a_message_thread_full.yml"))) == 0 {
				t.Errorf("message %s's thread is empty", id)
			}
			if p.Signature != nil {
				get(t, token, "preferences/signature", "preferences/gets_message_signature.yml")
			} else {
				get(t, token, "preferences/signature", "preferences/gets_empty_message_signature.yml")
			}
		})
	}
}
