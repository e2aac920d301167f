package mhvsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Patients A (corr 1) and B (corr 2); team 10 serves A, 20 serves B, 30 both.
func twoPatients(file string) Seed {
	return Seed{
		Patients: []Patient{{ICN: "1000000001V000001", CorrelationID: "1", Name: "A, A"},
			{ICN: "1000000002V000002", CorrelationID: "2", Name: "B, B", Signature: &Signature{Name: "B B", Title: "Veteran"}}},
		TriageTeams: []TriageTeam{
			{ID: 10, Name: "Team A", AssociatedWith: []string{"1"}, PreferredBy: []string{"1"}},
			{ID: 20, Name: "Team B", AssociatedWith: []string{"2"}},
			{ID: 30, Name: "Shared", AssociatedWith: []string{"1", "2"}},
		},
		StateFile: file, SaveDelay: 10 * time.Millisecond,
	}
}

// client is one patient's session against a simulator.
type client struct {
	t     *testing.T
	srv   *httptest.Server
	token string
}

func patientClient(t *testing.T, sim *Simulator, corr string) *client {
	t.Helper()
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest("GET", srv.URL+"/v1/sm/patient/session", nil)
	req.Header.Set("mhvCorrelationId", corr)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("session: %v %v", resp, err)
	}
	resp.Body.Close()
	return &client{t: t, srv: srv, token: resp.Header.Get("Token")}
}

// do calls the patient API (or, for paths under /control/, the control
// API) and decodes a JSON answer into out.
func (c *client) do(method, path, body string, out any) int {
	c.t.Helper()
	u := c.srv.URL + "/v1/sm/patient/" + path
	if strings.HasPrefix(path, "/control/") {
		u = c.srv.URL + path
	}
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	req.Header.Set("Token", c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

func (c *client) send(team int64, body string) int64 {
	c.t.Helper()
	var m struct{ ID int64 }
	if code := c.do("POST", "message", fmt.Sprintf(`{"recipientId":%d,"subject":"s","category":"OTHER","body":%q}`, team, body), &m); code != 200 {
		c.t.Fatalf("send to %d: %d", team, code)
	}
	return m.ID
}

func controlIDs(t *testing.T, sim *Simulator, icn string) []int64 {
	t.Helper()
	rec := httptest.NewRecorder()
	sim.ServeHTTP(rec, httptest.NewRequest("GET", "/control/messages?icn="+icn, nil))
	var ms []ControlMessage
	if err := json.Unmarshal(rec.Body.Bytes(), &ms); err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, m := range ms {
		n, _ := strconv.ParseInt(m.ID, 10, 64)
		out = append(out, n)
	}
	return out
}

func TestRestartFromStateFileKeepsEverythingAndNeverReusesIDs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mhvsim.json")
	sim, err := Open(twoPatients(file))
	if err != nil {
		t.Fatal(err)
	}
	a := patientClient(t, sim, "1")
	sent := a.send(10, "hello")
	var folder struct{ ID int64 }
	if code := a.do("POST", "folder", `{"name":"Travel"}`, &folder); code != 200 || folder.ID <= 0 {
		t.Fatalf("create folder: %d %+v", code, folder)
	}
	if code := a.do("POST", fmt.Sprintf("message/%d/move/tofolder/%d", sent, folder.ID), "{}", nil); code != 200 {
		t.Fatalf("move to custom folder: %d", code)
	}
	a.do("POST", "preferences/signature", `{"signatureName":"A A","signatureTitle":"Veteran","includeSignature":true}`, nil)
	a.do("POST", "preferences/patientpreferredtriagegroups", `[{"triageTeamId":10,"preferredTeam":false}]`, nil)
	before := controlIDs(t, sim, "1000000001V000001")
	if err := sim.Close(); err != nil {
		t.Fatal(err)
	}

	sim2, err := Open(twoPatients(file))
	if err != nil {
		t.Fatal(err)
	}
	defer sim2.Close()
	a2 := patientClient(t, sim2, "1")
	if after := controlIDs(t, sim2, "1000000001V000001"); !slices.Equal(before, after) {
		t.Fatalf("messages after restart %v, before %v", after, before)
	}
	var rows []map[string]any
	if code := a2.do("GET", fmt.Sprintf("folder/threadlistview/%d?pageSize=10&pageNumber=1", folder.ID), "", &rows); code != 200 || len(rows) != 1 {
		t.Errorf("custom folder after restart: %d %v", code, rows)
	}
	var sig map[string]any
	a2.do("GET", "preferences/signature", "", &sig)
	var teams struct{ TriageTeam []map[string]any }
	a2.do("GET", "triageteam", "", &teams)
	if sig["signatureName"] != "A A" || len(teams.TriageTeam) != 2 || teams.TriageTeam[0]["preferredTeam"] != false {
		t.Errorf("preferences after restart: signature %v, teams %v", sig, teams)
	}
	next := a2.send(10, "after restart")
	if next <= slices.Max(before) || next <= folder.ID {
		t.Errorf("id %d after restart reuses the range handed out before (max %d)", next, max(slices.Max(before), folder.ID))
	}
}

func TestCrashLosesAtMostTheSaveDelay(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mhvsim.json")
	sim, err := Open(twoPatients(file))
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	patientClient(t, sim, "1").send(10, "saved soon")
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(file)
		if strings.Contains(string(b), "saved soon") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("message not in the state file after the save delay")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPatientsSeeAndWriteOnlyTheirOwnTeams(t *testing.T) {
	sim := New(twoPatients(""))
	a, b := patientClient(t, sim, "1"), patientClient(t, sim, "2")
	names := func(c *client) []string {
		var all []any
		c.do("GET", "alltriageteams", "", &all)
		var out []string
		for _, tm := range all[1].(map[string]any)["triageTeam"].([]any) {
			out = append(out, tm.(map[string]any)["name"].(string))
		}
		slices.Sort(out)
		if n := all[0].(map[string]any)["associatedTriageGroups"].(float64); int(n) != len(out) {
			t.Errorf("associatedTriageGroups %v for %d teams", n, len(out))
		}
		return out
	}
	if got := names(a); !slices.Equal(got, []string{"Shared", "Team A"}) {
		t.Errorf("A sees %v", got)
	}
	if got := names(b); !slices.Equal(got, []string{"Shared", "Team B"}) {
		t.Errorf("B sees %v", got)
	}
	var e struct{ ErrorCode int }
	if code := a.do("POST", "message", `{"recipientId":20,"subject":"s","category":"OTHER","body":"x"}`, &e); code != 400 || e.ErrorCode != 119 {
		t.Errorf("A writing to B's team: %d %+v", code, e)
	}
	if code := a.do("POST", "message/draft", `{"recipientId":20,"subject":"s","body":"x"}`, &e); code != 400 {
		t.Errorf("A drafting to B's team: %d", code)
	}
	if code := a.do("POST", "preferences/patientpreferredtriagegroups", `[{"triageTeamId":20,"preferredTeam":true}]`, nil); code != 500 {
		t.Errorf("A preferring B's team: %d", code)
	}
	if code := a.do("POST", "/control/clinician-messages", `{"icn":"1000000001V000001","careTeam":"20","body":"x"}`, nil); code != 400 {
		t.Errorf("B's team writing to A: %d", code)
	}
	b.send(30, "shared is fine")
}

func TestWipeAndResetIDs(t *testing.T) {
	sim := New(twoPatients(""))
	a := patientClient(t, sim, "1")
	first := a.send(10, "one")
	second := a.send(10, "two")
	if code := a.do("POST", "/control/wipe", "", nil); code != 204 {
		t.Fatalf("wipe: %d", code)
	}
	if ids := controlIDs(t, sim, "1000000001V000001"); len(ids) != 0 {
		t.Fatalf("after wipe: %v", ids)
	}
	var e struct{ ErrorCode int }
	if code := a.do("GET", "folder/threadlistview/0?pageSize=10&pageNumber=1", "", &e); code != 400 || e.ErrorCode != 915 {
		t.Errorf("inbox after wipe: %d %+v", code, e)
	}
	if id := a.send(10, "three"); id <= second {
		t.Errorf("after wipe id %d, want > %d", id, second)
	}
	if code := a.do("POST", "/control/reset-ids", "", nil); code != 204 {
		t.Fatalf("reset-ids: %d", code)
	}
	if ids := controlIDs(t, sim, "1000000001V000001"); len(ids) != 0 {
		t.Fatalf("after reset-ids: %v", ids)
	}
	if id := a.send(10, "four"); id != first {
		t.Errorf("after reset-ids id %d, want the first id again (%d)", id, first)
	}
}
