package mhv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/va/vams/providers"
	"github.com/va/vams/providers/mhv/mhvsim"
)

// replayCase sends the simulator the equivalent of one recorded request.
// Path and body may hold {name} placeholders for ids created in the seeded
// simulator; an empty body re-sends the recorded request body.
type replayCase struct {
	file   string
	corr   string // defaults to vet
	method string
	path   string
	body   string
	ctype  string
	setup  func(t *testing.T, r *replayer)
}

// Cassettes of endpoints the simulator deliberately does not serve: custom
// folder renames and deletes, search, S3 presigned uploads, OH sync, e-mail
// notification preferences and the EHR crosswalk. VAMS does not call them.
var replaySkipped = map[string]bool{
	"folders/creates_a_folder_and_deletes_a_folder__2_delete_folder_674886.yml":                    true,
	"folders/deletes_a_folder_id_error.yml":                                                        true,
	"folders/renames_a_folder.yml":                                                                 true,
	"folders/searches_a_folder.yml":                                                                true,
	"messages/creates/aws_s3_attachment_upload_pre_signed_url__1_get_attachment_presigned_url.yml": true,
	"messages/gets/oh_sync_status.yml":                                                             true,
	"messages/gets/oh_sync_status_error.yml":                                                       true,
	"preferences/fetches_email_settings_for_notifications.yml":                                     true,
	"preferences/fetches_list_of_email_frequency_constants.yml":                                    true,
	"preferences/raises_a_backend_service_exception_when_email_includes_spaces.yml":                true,
	"triage_teams/gets_ehr_crosswalk_entries.yml":                                                  true,
}

var replayCases = []replayCase{
	{file: "session/session.yml", method: "GET", path: "session"},
	{file: "session/session_require_oh.yml", method: "GET", path: "session?requiresOHMessages=1"},
	{file: "session/session_error.yml", method: "GET", path: "session", setup: func(t *testing.T, r *replayer) {
		r.e.sim.SetOutage(mhvsim.Outage{Down: true})
		t.Cleanup(func() { r.e.sim.SetOutage(mhvsim.Outage{}) })
	}},
	{file: "folders/gets_a_collection_of_folders.yml", method: "GET", path: "folder"},
	{file: "folders/gets_a_collection_of_folders_with_oh_messages.yml", method: "GET", path: "folder?requiresOHMessages=1"},
	{file: "folders/gets_a_single_folder.yml", method: "GET", path: "folder/0"},
	{file: "folders/gets_a_single_folder_id_error.yml", method: "GET", path: "folder/1000"},
	{file: "folders/creates_a_folder_and_deletes_a_folder__1_post_folder.yml", method: "POST", path: "folder"},
	{file: "folders/nested_resources/gets_a_collection_of_messages.yml", method: "GET", path: "folder/0/message/page/1/pageSize/250"},
	{file: "folders/nested_resources/gets_a_collection_of_messages_with_OH.yml", method: "GET", path: "folder/0/message/page/1/pageSize/250?requiresOHMessages=1"},
	{file: "threads/gets_threads_in_a_folder.yml", method: "GET", path: "folder/threadlistview/0?pageNumber=1&pageSize=5&sortField=SENDER_NAME&sortOrder=ASC"},
	{file: "threads/gets_threads_in_a_folder_oh_messages.yml", method: "GET", path: "folder/threadlistview/0?pageNumber=1&pageSize=5&requiresOHMessages=1&sortField=SENDER_NAME&sortOrder=ASC"},
	{file: "threads/gets_threads_in_a_folder_no_messages.yml", corr: "20000002", method: "GET", path: "folder/threadlistview/0?pageNumber=1&pageSize=5&sortField=SENDER_NAME&sortOrder=ASC"},
	{file: "threads/moves_a_thread_with_id.yml", method: "POST", path: "message/{E}/movethreadmessages/tofolder/0"},
	{file: "threads/moves_a_thread_with_invalid_folder_id.yml", method: "POST", path: "message/{E}/movethreadmessages/tofolder/123"},
	{file: "messages/gets_a_message_with_id.yml", method: "GET", path: "message/{A}/read"},
	{file: "messages/gets_a_message_with_id_error.yml", method: "GET", path: "message/999999/read"},
	{file: "messages/gets_a_message_thread.yml", method: "GET", path: "message/{R}/history"},
	{file: "messages/gets_a_message_thread_id_error.yml", method: "GET", path: "message/999999/history"},
	{file: "messages/gets_a_message_thread_full.yml", method: "GET", path: "message/{A}/messagesforthread"},
	{file: "messages/gets_a_message_thread_oh_messages.yml", method: "GET", path: "message/{A}/messagesforthread?requiresOHMessages=1"},
	{file: "messages/gets_a_message_thread_full_body.yml", method: "GET", path: "message/{A}/allmessagesforthread/1"},
	{file: "messages/gets_message_categories.yml", method: "GET", path: "message/category"},
	{file: "messages/moves_a_message_with_id.yml", method: "POST", path: "message/{E}/move/tofolder/0"},
	{file: "messages/moves_a_message_with_id_error.yml", method: "POST", path: "message/999999/move/tofolder/0"},
	{file: "messages/deletes_the_message_with_id.yml", method: "POST", path: "message/{F}"},
	{file: "messages/nested_resources/gets_a_file_attachment_attachment_id_error.yml", method: "GET", path: "message/{A}/attachment/999999"},
	{file: "messages/creates/a_new_message_without_attachments.yml", method: "POST", path: "message"},
	{file: "messages/creates/a_new_oh_message_without_attachments.yml", method: "POST", path: "message"},
	{file: "messages/creates/a_new_message_without_attachments_recipient_id_error.yml", method: "POST", path: "message"},
	{file: "messages/creates/a_renewal_message.yml", method: "POST", path: "message/renewal"},
	{file: "messages/creates/a_reply_without_attachments.yml", method: "POST", path: "message/{E}/reply"},
	{file: "messages/creates/a_reply_without_attachments_id_error.yml", method: "POST", path: "message/999999/reply"},
	{file: "messages/creates/a_new_message_with_4_attachments.yml", method: "POST", path: "message/attach", body: "{multipart4}"},
	// The recorded multipart body is re-sent as is, its team id rewritten to a seeded one.
	{file: "messages/creates/aws_s3_attachment_upload_pre_signed_url__2_post_message_attach.yml", method: "POST", path: "message/attach"},
	{file: "messages/creates/status_success.yml", method: "GET", path: "message/{A}/status"},
	{file: "messages/creates/status_in_progress.yml", method: "GET", path: "message/{A}/status"},
	{file: "messages/creates/status_failed.yml", method: "GET", path: "message/{A}/status"},
	{file: "message_drafts/creates_a_draft.yml", method: "POST", path: "message/draft"},
	{file: "message_drafts/creates_a_draft_reply.yml", method: "POST", path: "message/{E}/replydraft"},
	{file: "message_drafts/updates_a_draft__1_get_message_674942_history.yml", method: "GET", path: "message/{D}/history"},
	{file: "message_drafts/updates_a_draft__2_post_message_draft.yml", method: "POST", path: "message/draft",
		body: `{"category":"OTHER","subject":"Updated Subject","body":"Body 1","recipientId":613586,"id":{D}}`},
	{file: "preferences/gets_empty_message_signature.yml", corr: "20000002", method: "GET", path: "preferences/signature"},
	{file: "preferences/sets_the_signature_preferences.yml", method: "POST", path: "preferences/signature"},
	{file: "preferences/gets_message_signature.yml", method: "GET", path: "preferences/signature"},
	{file: "preferences/updates_triage_team_preferences.yml", method: "POST", path: "preferences/patientpreferredtriagegroups",
		body: `[{"triageTeamId":"613586","preferredTeam":"true"}]`},
	{file: "preferences/updates_triage_team_preferences_error_invalid_triage_team.yml", method: "POST", path: "preferences/patientpreferredtriagegroups"},
	{file: "triage_teams/gets_a_collection_of_triage_team_recipients.yml", method: "GET", path: "triageteam"},
	{file: "triage_teams/gets_a_collection_of_all_triage_team_recipients.yml", method: "GET", path: "alltriageteams"},
	{file: "triage_teams/gets_a_collection_of_all_triage_team_recipients_require_oh.yml", method: "GET", path: "alltriageteams?requiresOHTriageGroup=1"},
	{file: "triage_teams/gets_a_collection_of_all_triage_team_recipients_include_blocked.yml", method: "GET", path: "alltriageteams"},
}

type replayer struct {
	e   *env
	ids map[string]string
}

func (r *replayer) expand(s string) string {
	for k, v := range r.ids {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func (r *replayer) session(t *testing.T, corr string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", r.e.base+"v1/sm/patient/session", nil)
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

// seedReplayState builds a mailbox the recorded requests make sense against.
func seedReplayState(t *testing.T, e *env) *replayer {
	ctx := context.Background()
	r := &replayer{e: e, ids: map[string]string{}}
	atts := []providers.Attachment{
		{Filename: "a.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1")},
		{Filename: "b.pdf", ContentType: "application/pdf", Data: []byte("%PDF-2")},
		{Filename: "c.pdf", ContentType: "application/pdf", Data: []byte("%PDF-3")},
	}
	a, err := e.c.Send(ctx, providers.OutboundMessage{Veteran: vet, CareTeamExternalID: teamMain, Subject: "Test Inquiry", Category: "TEST_RESULTS", Body: "first", Attachments: atts})
	if err != nil {
		t.Fatal(err)
	}
	e.control(t, "POST", "status", map[string]string{"id": a.ExternalID, "status": "READ"}, nil)
	c1 := e.clinicianWrites(t, vet, "", a.ExternalID, "clinician answer")
	e.control(t, "POST", "status", map[string]string{"id": c1, "status": "READ"}, nil)
	rr, err := e.c.Send(ctx, providers.OutboundMessage{Veteran: vet, InReplyToExternalID: c1, Body: "veteran reply"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.c.SaveDraft(ctx, vet, Draft{InReplyToExternalID: c1, Body: "unsent"})
	if err != nil {
		t.Fatal(err)
	}
	r.ids["A"], r.ids["C"], r.ids["R"], r.ids["D"] = a.ExternalID, c1, rr.ExternalID, d
	r.ids["E"] = e.clinicianWrites(t, vet, teamPharm, "", "pharmacy note")
	r.ids["F"] = e.clinicianWrites(t, vet, teamPharm, "", "to delete")
	return r
}

// multipart4 rebuilds the recorded 4-upload request (its body is binary in
// the cassette) with small files.
func multipart4() (string, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="message"; filename="message"`)
	h.Set("Content-Type", "application/json")
	p, _ := w.CreatePart(h)
	p.Write([]byte(`{"subject":"CI Run","category":"OTHER","recipientId":613586,"body":"Continuous Integration"}`))
	for i := 1; i <= 4; i++ {
		fw, _ := w.CreateFormFile("uploads[]", fmt.Sprintf("sm_file%d.jpg", i))
		fw.Write([]byte{0xff, 0xd8, 0xff, 0xe0})
	}
	w.Close()
	return buf.String(), w.FormDataContentType()
}

func TestReplayShapes(t *testing.T) {
	e := newEnv(t)
	r := seedReplayState(t, e)
	allowed := fixtureKeyUnion(t)

	covered := map[string]bool{}
	for _, c := range replayCases {
		covered[c.file] = true
	}
	for _, f := range allCassettes(t) {
		if !covered[f] && !replaySkipped[f] {
			t.Errorf("cassette %s is neither replayed nor listed as skipped", f)
		}
	}

	tokens := map[string]string{}
	for _, c := range replayCases {
		t.Run(c.file, func(t *testing.T) {
			it := loadCassette(t, c.file)
			if c.setup != nil {
				c.setup(t, r)
			}
			corr := c.corr
			if corr == "" {
				corr = vet.MHVCorrelationID
			}
			if tokens[corr] == "" {
				tokens[corr] = r.session(t, corr)
			}
			body, ctype := c.body, c.ctype
			switch {
			case body == "{multipart4}":
				body, ctype = multipart4()
			case body == "":
				body = it.Request.Body.String
				ctype = header(it.Request.Headers, "Content-Type")
			}
			body = strings.ReplaceAll(r.expand(body), `"recipientId":"5905170"`, `"recipientId":"613586"`)
			req, _ := http.NewRequest(c.method, r.e.base+"v1/sm/patient/"+r.expand(c.path), strings.NewReader(body))
			if ctype == "" {
				ctype = "application/json"
			}
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("x-api-key", "api-key")
			if strings.HasPrefix(c.path, "session") {
				req.Header.Set("appToken", "app-token")
				req.Header.Set("mhvCorrelationId", corr)
			} else {
				req.Header.Set("Token", tokens[corr])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != it.Response.Status.Code {
				t.Fatalf("status %d, recorded %d (body %s)", resp.StatusCode, it.Response.Status.Code, got)
			}
			if header(it.Response.Headers, "Token") != "" && (resp.Header.Get("Token") == "" || resp.Header.Get("Expires") == "") {
				t.Errorf("session headers missing: %v", resp.Header)
			}
			rec := strings.TrimSpace(it.Response.Body.String)
			sim := strings.TrimSpace(string(got))
			var recV, simV any
			if json.Unmarshal([]byte(rec), &recV) != nil || rec == "" {
				if rec != sim {
					t.Errorf("body %q, recorded %q", sim, rec)
				}
				return
			}
			if err := json.Unmarshal([]byte(sim), &simV); err != nil {
				t.Fatalf("simulator body is not JSON: %q", sim)
			}
			for _, p := range compareShape("$", recV, simV, allowed) {
				t.Error(p)
			}
			if rm, ok := recV.(map[string]any); ok && rm["errorCode"] != nil {
				if sm, _ := simV.(map[string]any); sm["errorCode"] != rm["errorCode"] {
					t.Errorf("errorCode %v, recorded %v", sm["errorCode"], rm["errorCode"])
				}
			}
		})
	}
}

// fixtureKeyUnion is every object key seen in any recorded body: the
// simulator may omit none a recording has and invent none no recording has.
func fixtureKeyUnion(t *testing.T) map[string]bool {
	keys := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, vv := range x {
				keys[k] = true
				walk(vv)
			}
		case []any:
			for _, vv := range x {
				walk(vv)
			}
		}
	}
	for _, f := range allCassettes(t) {
		var v any
		if json.Unmarshal(loadCassette(t, f).body(), &v) == nil {
			walk(v)
		}
	}
	if b, err := os.ReadFile("testdata/triage_teams/gets_all_triage_teams_with_virtual_groups.EXCERPT.json"); err == nil {
		var v any
		if json.Unmarshal(b, &v) == nil {
			walk(v)
		}
	}
	return keys
}

func TestCompareShapeDetects(t *testing.T) {
	rec := map[string]any{"id": 1.0, "name": "x", "list": []any{map[string]any{"a": true}}}
	cases := map[string]any{
		"missing key": map[string]any{"id": 1.0, "list": []any{}},
		"wrong type":  map[string]any{"id": "1", "name": "x", "list": []any{}},
		"new key":     map[string]any{"id": 1.0, "name": "x", "list": []any{}, "bogus": 1.0},
		"element":     map[string]any{"id": 1.0, "name": "x", "list": []any{map[string]any{"a": "yes"}}},
	}
	for name, sim := range cases {
		if len(compareShape("$", rec, sim, map[string]bool{})) == 0 {
			t.Errorf("%s not detected", name)
		}
	}
	if p := compareShape("$", rec, map[string]any{"id": 2.0, "name": nil, "list": []any{}}, nil); len(p) != 0 {
		t.Errorf("false positive: %v", p)
	}
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "?"
}

// compareShape checks that sim has rec's JSON shape: same value kinds (null
// matches anything, since recordings null what is merely empty), every key
// rec has, and no key outside allowed. Array elements are compared with
// the merge of the recorded elements: keys present in all of them are
// required, keys present in some are allowed. Arrays whose recorded
// elements share no key (alltriageteams' [metadata, teams] tuple) are
// compared position by position.
func compareShape(path string, rec, sim any, allowed map[string]bool) []string {
	if rec == nil || sim == nil {
		return nil
	}
	if kind(rec) != kind(sim) {
		return []string{fmt.Sprintf("%s: %s, recorded %s", path, kind(sim), kind(rec))}
	}
	var probs []string
	switch r := rec.(type) {
	case map[string]any:
		s := sim.(map[string]any)
		for k := range r {
			if _, ok := s[k]; !ok {
				probs = append(probs, fmt.Sprintf("%s: missing key %q", path, k))
			}
		}
		var ks []string
		for k := range s {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			if _, ok := r[k]; !ok {
				if !allowed[k] {
					probs = append(probs, fmt.Sprintf("%s: key %q never recorded", path, k))
				}
				continue
			}
			probs = append(probs, compareShape(path+"."+k, r[k], s[k], allowed)...)
		}
	case []any:
		s := sim.([]any)
		if len(r) == 0 || len(s) == 0 {
			return nil
		}
		if tuple(r) {
			for i := 0; i < len(r) && i < len(s); i++ {
				probs = append(probs, compareShape(fmt.Sprintf("%s[%d]", path, i), r[i], s[i], allowed)...)
			}
			return probs
		}
		merged, required := mergeElements(r)
		for i, el := range s {
			p := fmt.Sprintf("%s[%d]", path, i)
			if mo, ok := merged.(map[string]any); ok {
				so, ok := el.(map[string]any)
				if !ok {
					probs = append(probs, fmt.Sprintf("%s: %s, recorded object", p, kind(el)))
					continue
				}
				for k := range required {
					if _, ok := so[k]; !ok {
						probs = append(probs, fmt.Sprintf("%s: missing key %q", p, k))
					}
				}
				for k, v := range so {
					if rv, ok := mo[k]; ok {
						probs = append(probs, compareShape(p+"."+k, rv, v, allowed)...)
					} else if !allowed[k] {
						probs = append(probs, fmt.Sprintf("%s: key %q never recorded", p, k))
					}
				}
				continue
			}
			probs = append(probs, compareShape(p, merged, el, allowed)...)
		}
	}
	return probs
}

// tuple reports whether recorded array elements are objects sharing no key.
func tuple(a []any) bool {
	if len(a) < 2 {
		return false
	}
	_, req := mergeElements(a)
	_, isObj := a[0].(map[string]any)
	return isObj && len(req) == 0
}

// mergeElements merges recorded array elements: for objects, the first
// non-null value per key, and the set of keys every element has.
func mergeElements(a []any) (any, map[string]bool) {
	if _, ok := a[0].(map[string]any); !ok {
		for _, v := range a {
			if v != nil {
				return v, nil
			}
		}
		return nil, nil
	}
	merged := map[string]any{}
	count := map[string]int{}
	for _, v := range a {
		o, ok := v.(map[string]any)
		if !ok {
			continue
		}
		for k, vv := range o {
			count[k]++
			if merged[k] == nil {
				merged[k] = vv
			}
		}
	}
	req := map[string]bool{}
	for k, n := range count {
		if n == len(a) {
			req[k] = true
		}
	}
	return merged, req
}
