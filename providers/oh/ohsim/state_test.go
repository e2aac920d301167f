package ohsim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/providers/oh/internal/wire"
)

const (
	icnA = "1012845331V153043"
	icnB = "1012845332V153044"
	pidA = "7929590"
	pidB = "7929591"
)

// twoPatients: pool 100 serves A only, pool 200 B only, pool 300 both.
func twoPatients(file string) Config {
	return Config{
		Authority: "va", StateFile: file, SaveDelay: 10 * time.Millisecond,
		Patients: []Patient{{ICN: icnA, PatientID: pidA}, {ICN: icnB, PatientID: pidB}},
		Pools: []Pool{
			{ID: "100", Name: "A POOL", ExternalNames: []string{"Team A"}, AssociatedWith: []string{icnA}},
			{ID: "200", Name: "B POOL", ExternalNames: []string{"Team B"}, AssociatedWith: []string{pidB}},
			{ID: "300", Name: "SHARED POOL", ExternalNames: []string{"Shared"}, AssociatedWith: []string{icnA, icnB}},
		},
	}
}

func open(t *testing.T, cfg Config) (*Simulator, *httptest.Server) {
	t.Helper()
	s, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/sim/oh/", http.StripPrefix("/sim/oh", s))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, srv
}

func entities(ms []ControlMessage) []int64 {
	var out []int64
	for _, m := range ms {
		n, _ := wire.ParseEntity(m.ID)
		out = append(out, n)
	}
	return out
}

func TestRestartFromStateFileKeepsMessagesAndNeverReusesIDs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ohsim.json")
	s, srv := open(t, twoPatients(file))
	first, err := s.ClinicianMessage(ClinicianMessage{ICN: icnA, CareTeam: "Team A", Subject: "Labs", Body: "Normal."})
	if err != nil {
		t.Fatal(err)
	}
	send := `{"patientId":7929590,"receivers":[{"receiverId":100,"type":"POOL"}],"subject":"Re","text":"{\\rtf1 thanks}","previousMessageId":"` + first + `"}`
	if r := call(t, srv, "POST", "/va/patients/"+pidA+"/outbox/messages", send); r.StatusCode != 201 {
		t.Fatalf("send: %d", r.StatusCode)
	}
	if err := s.SetStatus(first, "READ"); err != nil {
		t.Fatal(err)
	}
	if err := s.Merge(icnB, "7929599"); err != nil {
		t.Fatal(err)
	}
	before := s.Messages(icnA)
	s.Close()

	s2, srv2 := open(t, twoPatients(file))
	defer s2.Close()
	after := s2.Messages(icnA)
	if !slices.Equal(entities(before), entities(after)) || after[0].Status != "READ" || after[1].InReplyTo != first {
		t.Fatalf("after restart: %+v, before: %+v", after, before)
	}
	// The version survives too: the stale id still conflicts.
	if r := call(t, srv2, "PUT", "/va/patients/"+pidA+"/inbox/messages/"+first+"/status/OPENED", ""); r.StatusCode != http.StatusConflict {
		t.Errorf("stale version after restart: %d, want 409", r.StatusCode)
	}
	if r := call(t, srv2, "GET", "/va/patients/7929591/inbox/messages", ""); r.StatusCode != http.StatusMovedPermanently {
		t.Errorf("merge forgotten: old patient id answers %d", r.StatusCode)
	}
	next, err := s2.ClinicianMessage(ClinicianMessage{ICN: icnA, CareTeam: "Team A", Body: "New."})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := wire.ParseEntity(next)
	if n <= slices.Max(entities(before)) {
		t.Errorf("new id %d reuses the range of ids handed out before the restart (%v)", n, entities(before))
	}
}

// A crash skips Close: what was saved within the debounce delay survives.
func TestStateIsSavedWithoutClose(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ohsim.json")
	s, _ := open(t, twoPatients(file))
	defer s.Close()
	id, err := s.ClinicianMessage(ClinicianMessage{ICN: icnA, CareTeam: "Team A", Body: "Saved soon."})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(file)
		if strings.Contains(string(b), "Saved soon.") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %s not in the state file after the save delay", id)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var saved struct {
		Version int
		State   savedState
	}
	b, _ := os.ReadFile(file)
	if err := json.Unmarshal(b, &saved); err != nil || saved.Version != stateVersion || len(saved.State.Messages) != 1 || saved.State.NextID == 0 {
		t.Fatalf("state file: %v %+v", err, saved)
	}
}

func TestOpenRejectsACorruptStateFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ohsim.json")
	if err := os.WriteFile(file, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(twoPatients(file)); err == nil {
		t.Fatal("Open accepted a corrupt state file")
	}
}

func TestSeedHistoryOnceAcrossRestarts(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ohsim.json")
	at := time.Now().Add(-48 * time.Hour)
	threads := []HistoryThread{{ICN: icnA, CareTeam: "Team A", Subject: "Refill", Messages: []HistoryMessage{
		{FromVeteran: true, Body: "Please refill.", SentAt: at, Read: true},
		{Body: "Done.", SentAt: at.Add(time.Hour), Attachments: []string{"label.pdf"}},
	}}}
	s, srv := open(t, twoPatients(file))
	if added, err := s.SeedHistory("demo", threads); !added || err != nil {
		t.Fatalf("first seed: %v %v", added, err)
	}
	if added, err := s.SeedHistory("demo", threads); added || err != nil {
		t.Fatalf("second seed added: %v %v", added, err)
	}
	ms := s.Messages(icnA)
	if len(ms) != 2 || ms[0].Direction != "TO_CLINICIAN" || ms[0].Status != "READ" || ms[1].InReplyTo != ms[0].ID || ms[1].Status != "UNREAD" {
		t.Fatalf("seeded: %+v", ms)
	}
	r := call(t, srv, "GET", "/va/patients/"+pidA+"/inbox/messages/"+ms[1].ID+"?loadReferences=true", "")
	var byID wire.MessagesByID
	_ = json.NewDecoder(r.Body).Decode(&byID)
	for _, m := range byID.MessagesByID {
		if len(m.Attachments) != 1 || m.Attachments[0].Name != "label.pdf" || len(m.ReferenceIDs) != 1 {
			t.Errorf("seeded reply on the wire: %+v", m)
		}
	}
	s.Close()

	s2, _ := open(t, twoPatients(file))
	defer s2.Close()
	if added, err := s2.SeedHistory("demo", threads); added || err != nil || len(s2.Messages(icnA)) != 2 {
		t.Fatalf("seed after restart: added=%v err=%v messages=%d", added, err, len(s2.Messages(icnA)))
	}
	// A bad batch adds nothing.
	bad := append(threads, HistoryThread{ICN: icnA, CareTeam: "Team B", Subject: "x", Messages: threads[0].Messages})
	if added, err := s2.SeedHistory("other", bad); added || err == nil || len(s2.Messages(icnA)) != 2 {
		t.Fatalf("bad batch: added=%v err=%v", added, err)
	}
}

func TestPatientsSeeAndWriteOnlyTheirOwnPools(t *testing.T) {
	s, srv := open(t, twoPatients(filepath.Join(t.TempDir(), "ohsim.json")))
	defer s.Close()
	pools := func(pid string) []string {
		r := call(t, srv, "GET", "/va/pools?patientId="+pid, "")
		var m struct{ PoolsByName map[string]wire.Pool }
		_ = json.NewDecoder(r.Body).Decode(&m)
		var names []string
		for n := range m.PoolsByName {
			names = append(names, n)
		}
		slices.Sort(names)
		return names
	}
	if got := pools(pidA); !slices.Equal(got, []string{"Shared", "Team A"}) {
		t.Errorf("patient A sees %v", got)
	}
	if got := pools(pidB); !slices.Equal(got, []string{"Shared", "Team B"}) {
		t.Errorf("patient B sees %v", got)
	}
	r := call(t, srv, "GET", "/va/pools/100,200/recipient-access?patientId="+pidA, "")
	var ra wire.RecipientAccessByPoolID
	_ = json.NewDecoder(r.Body).Decode(&ra)
	if ra.ByPoolID["100"] != wire.AccessGranted || ra.ByPoolID["200"] != wire.AccessDenied {
		t.Errorf("recipient access for A: %v", ra.ByPoolID)
	}
	send := `{"patientId":7929590,"receivers":[{"receiverId":200,"type":"POOL"}],"subject":"s","text":"{\\rtf1 hi}"}`
	if r := call(t, srv, "POST", "/va/patients/"+pidA+"/outbox/messages", send); r.StatusCode != http.StatusBadRequest {
		t.Errorf("A writing to B's pool: %d, want 400", r.StatusCode)
	}
	if _, err := s.ClinicianMessage(ClinicianMessage{ICN: icnA, CareTeam: "Team B", Body: "b"}); err == nil {
		t.Error("B's pool wrote to A")
	}
	if _, err := s.ClinicianMessage(ClinicianMessage{ICN: icnB, CareTeam: "Shared", Body: "b"}); err != nil {
		t.Errorf("shared pool to B: %v", err)
	}
}

func TestWipeAndResetIDs(t *testing.T) {
	s, srv := open(t, twoPatients(filepath.Join(t.TempDir(), "ohsim.json")))
	defer s.Close()
	write := func() int64 {
		id, err := s.ClinicianMessage(ClinicianMessage{ICN: icnA, CareTeam: "Team A", Body: "b"})
		if err != nil {
			t.Fatal(err)
		}
		n, _ := wire.ParseEntity(id)
		return n
	}
	first := write()
	second := write()
	if r := call(t, srv, "POST", "/control/wipe", ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("wipe: %d", r.StatusCode)
	}
	if n := len(s.Messages(icnA)); n != 0 {
		t.Fatalf("%d messages after wipe", n)
	}
	if r := call(t, srv, "GET", "/va/patients/"+pidA+"/inbox/messages", ""); r.StatusCode != 200 {
		t.Fatalf("list after wipe: %d", r.StatusCode)
	}
	if n := write(); n <= second {
		t.Errorf("after wipe id %d, want > %d (ids keep counting)", n, second)
	}
	if r := call(t, srv, "POST", "/control/reset-ids", ""); r.StatusCode != http.StatusNoContent {
		t.Fatalf("reset-ids: %d", r.StatusCode)
	}
	if n := len(s.Messages(icnA)); n != 0 {
		t.Fatalf("%d messages after reset-ids", n)
	}
	if n := write(); n != first {
		t.Errorf("after reset-ids id %d, want the first id again (%d)", n, first)
	}
}
