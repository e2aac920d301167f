package ohsim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/va/vams/providers/oh/internal/wire"
)

func newTestSim(t *testing.T) (*Simulator, *httptest.Server) {
	t.Helper()
	s := New(Config{
		Authority: "va",
		Patients:  []Patient{{ICN: "1012845331V153043", PatientID: "7929590"}},
		Pools:     []Pool{{ID: "15730568", Name: "PC", ExternalNames: []string{"Primary Care"}}},
	})
	t.Cleanup(s.Close)
	mux := http.NewServeMux()
	mux.Handle("/sim/oh/", http.StripPrefix("/sim/oh", s))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, srv
}

func call(t *testing.T, srv *httptest.Server, method, path, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+"/sim/oh"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestRawREST(t *testing.T) {
	s, srv := newTestSim(t)
	id, err := s.ClinicianMessage(ClinicianMessage{ICN: "1012845331V153043", CareTeam: "primary care", Body: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(id, ".0.-4.prsnl") {
		t.Fatalf("id %q not in the OH shape", id)
	}
	v1 := wire.WithVersion(id, "1")
	const p = "/va/patients/7929590"
	send := `{"patientId":7929590,"receivers":[{"receiverId":15730568,"type":"POOL"}],"subject":"s","text":"{\\rtf1 hi}","formatType":"RTF"}`
	tests := []struct {
		name, method, path, body string
		code                     int
		check                    func(t *testing.T, r *http.Response)
	}{
		{"default statuses exclude DELETED (after delete)", "DELETE", p + "/inbox/messages/" + id, "", 204, nil},
		{"list default", "GET", p + "/inbox/messages", "", 200, func(t *testing.T, r *http.Response) {
			var m wire.Messages
			_ = json.NewDecoder(r.Body).Decode(&m)
			if len(m.Messages) != 0 {
				t.Errorf("deleted message listed by default: %+v", m)
			}
		}},
		{"list with DELETED", "GET", p + "/inbox/messages?statuses=DELETED", "", 200, func(t *testing.T, r *http.Response) {
			var m wire.Messages
			_ = json.NewDecoder(r.Body).Decode(&m)
			if len(m.Messages) != 1 || m.Messages[0].ID != v1 || m.Messages[0].Status != "DELETED" || m.Messages[0].Text != "" {
				t.Errorf("list = %+v", m)
			}
		}},
		{"stale version", "PUT", p + "/inbox/messages/" + id + "/status/OPENED", "", 409, nil},
		{"current version", "PUT", p + "/inbox/messages/" + v1 + "/status/OPENED", "", 200, nil},
		{"bad status", "PUT", p + "/inbox/messages/" + id + "/status/READ", "", 400, nil},
		{"bad statuses filter", "GET", p + "/inbox/messages?statuses=NOPE", "", 400, nil},
		{"by id without references", "GET", p + "/inbox/messages/" + id, "", 200, func(t *testing.T, r *http.Response) {
			var m wire.MessagesByID
			_ = json.NewDecoder(r.Body).Decode(&m)
			if len(m.MessagesByID) != 1 {
				t.Errorf("by id = %+v", m)
			}
		}},
		{"send", "POST", p + "/outbox/messages", send, 201, func(t *testing.T, r *http.Response) {
			if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, p+"/outbox/messages/") {
				t.Errorf("Location = %q", loc)
			}
		}},
		{"send patient mismatch", "POST", p + "/outbox/messages", strings.Replace(send, "7929590", "1", 1), 400, nil},
		{"send without receivers", "POST", p + "/outbox/messages", `{"patientId":7929590,"subject":"s"}`, 400, nil},
		{"send unknown previous", "POST", p + "/outbox/messages", strings.Replace(send, `"subject"`, `"previousMessageId":"9.0.-4.prsnl","subject"`, 1), 400, nil},
		{"send junk", "POST", p + "/outbox/messages", `{`, 400, nil},
		{"unknown patient", "GET", "/va/patients/1/inbox/messages", "", 404, nil},
		{"unknown authority", "GET", "/xx/pools", "", 404, nil},
		{"pools by name prefix", "GET", "/va/pools?name=PRIM", "", 200, func(t *testing.T, r *http.Response) {
			var m struct{ PoolsByName map[string]wire.Pool }
			_ = json.NewDecoder(r.Body).Decode(&m)
			if m.PoolsByName["Primary Care"].ID != 15730568 {
				t.Errorf("pools = %+v", m)
			}
		}},
		{"pools by id", "GET", "/va/pools/15730568", "", 200, nil},
		{"control bad outage", "POST", "/control/outage", `{"errorRate":2}`, 400, nil},
		{"control unknown status", "POST", "/control/status", `{"id":"` + id + `","status":"MAYBE"}`, 400, nil},
		{"control unknown icn", "POST", "/control/clinician-messages", `{"icn":"x","careTeam":"PC","body":"b"}`, 404, nil},
		{"control unknown team", "POST", "/control/clinician-messages", `{"icn":"1012845331V153043","careTeam":"nope","body":"b"}`, 400, nil},
		{"merge", "POST", "/control/merge", `{"icn":"1012845331V153043","newPatientId":"8800001"}`, 204, nil},
		{"merged patient answers 301", "GET", p + "/inbox/messages?statuses=DELETED", "", 301, func(t *testing.T, r *http.Response) {
			if loc := r.Header.Get("Location"); loc != "/va/patients/8800001/inbox/messages?statuses=DELETED" {
				t.Errorf("Location = %q", loc)
			}
		}},
		{"second merge keeps chain", "POST", "/control/merge", `{"icn":"1012845331V153043","newPatientId":"8800002"}`, 204, nil},
		{"oldest id points at newest", "GET", p + "/outbox/messages", "", 301, func(t *testing.T, r *http.Response) {
			if loc := r.Header.Get("Location"); !strings.Contains(loc, "/patients/8800002/") {
				t.Errorf("Location = %q", loc)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := call(t, srv, tc.method, tc.path, tc.body)
			if r.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.code)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}
