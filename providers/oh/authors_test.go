package oh_test

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers"
	"github.com/va/vams/providers/oh"
	"github.com/va/vams/providers/oh/ohsim"
)

func withStaff(staff ...ohsim.Personnel) opt {
	return func(s *ohsim.Config, _ *oh.Config) { s.Pools[0].Staff = staff }
}

// A care team's message names its writer only by personnelSenderId; the
// adapter reads the name from the FHIR Practitioner once per clinician.
func TestClinicianMessagesCarryTheWritersName(t *testing.T) {
	e := newEnv(t, withStaff(
		ohsim.Personnel{ID: 11875977, Family: "Stratford", Given: []string{"Angela", "Cerner"}},
		ohsim.Personnel{ID: 12093978, Text: "Sally Stone, RN"},
	))
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	cases := []struct{ author, want string }{
		{"", "Stratford, Angela Cerner"}, // the pool's first clinician
		{"12093978", "Sally Stone, RN"},
		{"Sally Stone, RN", "Sally Stone, RN"},
		{"11875977", "Stratford, Angela Cerner"},
	}
	var ids []string
	for i, c := range cases {
		id, err := e.sim.ClinicianMessage(ohsim.ClinicianMessage{ICN: icn, CareTeam: poolPC, Body: "b", Author: c.author,
			SentAt: at.Add(time.Duration(i) * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	listed, err := e.c.ListMessages(t.Context(), e.vet, providers.Window{Since: at, Until: time.Now().Add(time.Minute)})
	if err != nil || len(listed) != len(cases) {
		t.Fatalf("listed %d (%v), want %d", len(listed), err, len(cases))
	}
	for i, m := range listed {
		if m.AuthorName != cases[i].want {
			t.Errorf("listed message %d by %q: author %q, want %q", i, cases[i].author, m.AuthorName, cases[i].want)
		}
	}
	for i, id := range ids {
		m, err := e.c.GetMessage(t.Context(), e.vet, id)
		if err != nil || m.AuthorName != cases[i].want {
			t.Errorf("read message %d: author %q (%v), want %q", i, m.AuthorName, err, cases[i].want)
		}
	}
	if n := e.count("GET practitioner"); n != 2 {
		t.Errorf("%d Practitioner reads for 2 clinicians, want 2 (cached)", n)
	}
}

// A message whose writer is unknown (no personnel, or a Practitioner read
// that fails) is still read, with no name: VAMS shows the care team's.
func TestUnnamedWriterLeavesAuthorEmpty(t *testing.T) {
	e := newEnv(t) // pools without staff: no personnelSenderId
	id, err := e.sim.ClinicianMessage(ohsim.ClinicianMessage{ICN: icn, CareTeam: poolPC, Body: "b"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.c.GetMessage(t.Context(), e.vet, id)
	if err != nil || m.AuthorName != "" {
		t.Fatalf("author %q (%v), want none", m.AuthorName, err)
	}
	if n := e.count("GET practitioner"); n != 0 {
		t.Errorf("%d Practitioner reads without a personnel sender", n)
	}
}

// The simulator's Communication read has the shape of Cerner's recorded
// one, and both decode to the writer's name.
func TestCommunicationReadMatchesCernersShape(t *testing.T) {
	raw, err := os.ReadFile("testdata/cerner-r4-communication-read.json")
	if err != nil {
		t.Fatal(err)
	}
	type comm struct {
		ResourceType string
		ID           string
		Status       string
		Sender       struct{ Reference, Display string }
		Recipient    []struct{ Reference, Display string }
		InResponseTo []struct{ Reference string }
	}
	var rec comm
	if err := json.Unmarshal(raw, &rec); err != nil || rec.Sender.Display != "Stratford, Angela Cerner" {
		t.Fatalf("recorded Communication: %+v (%v)", rec, err)
	}
	e := newEnv(t, withStaff(ohsim.Personnel{ID: 11875977, Family: "Stratford", Given: []string{"Angela", "Cerner"}}))
	first, _ := e.sim.ClinicianMessage(ohsim.ClinicianMessage{ICN: icn, CareTeam: poolPC, Subject: "CDI Query", Body: "a"})
	reply, _ := e.sim.ClinicianMessage(ohsim.ClinicianMessage{ICN: icn, InReplyTo: first, Body: "b"})
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/sim/oh"+ohsim.FHIRPath+"/"+authority+"/Communication/"+reply, nil)
	req.Header.Set("Authorization", "Bearer token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got comm
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || res.StatusCode != 200 {
		t.Fatalf("simulator Communication: %d %v", res.StatusCode, err)
	}
	if got.ResourceType != rec.ResourceType || got.Status != rec.Status || got.Sender != rec.Sender ||
		len(got.Recipient) != 1 || len(got.InResponseTo) != 1 || got.InResponseTo[0].Reference != "Communication/"+first {
		t.Errorf("simulator Communication %+v, recorded %+v", got, rec)
	}
}

// A writer's name is kept a day; a name that cannot be had (here a
// Practitioner without one) is asked for again after ten minutes, so its
// messages show the care team meanwhile without a read each. Both follow
// the clock VAMS passes in.
func TestWriterNamesExpireByTheInjectedClock(t *testing.T) {
	clk := vamstest.NewClock()
	e := newEnv(t, withStaff(
		ohsim.Personnel{ID: 11875977, Family: "Stratford", Given: []string{"Angela"}},
		ohsim.Personnel{ID: 12093978}, // no name at all
	), func(_ *ohsim.Config, c *oh.Config) { c.Now = clk.Now })
	named, err := e.sim.ClinicianMessage(ohsim.ClinicianMessage{ICN: icn, CareTeam: poolPC, Body: "a", Author: "11875977"})
	if err != nil {
		t.Fatal(err)
	}
	nameless, err := e.sim.ClinicianMessage(ohsim.ClinicianMessage{ICN: icn, CareTeam: poolPC, Body: "b", Author: "12093978"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		after time.Duration // since the case before
		reads int           // Practitioner reads so far
	}{
		{"first reads ask for both", 0, 2},
		{"both cached at 9 minutes", 9 * time.Minute, 2},
		{"the miss is asked again at 11 minutes", 2 * time.Minute, 3},
		{"the name still cached at 23h58, the miss asked again", 23*time.Hour + 47*time.Minute, 4},
		{"the name asked again after a day", 3 * time.Minute, 5},
	}
	for _, c := range cases {
		clk.Advance(c.after)
		for id, want := range map[string]string{named: "Stratford, Angela", nameless: ""} {
			m, err := e.c.GetMessage(t.Context(), e.vet, id)
			if err != nil || m.AuthorName != want {
				t.Errorf("%s: author %q (%v), want %q", c.name, m.AuthorName, err, want)
			}
		}
		if n := e.count("GET practitioner"); n != c.reads {
			t.Errorf("%s: %d Practitioner reads, want %d", c.name, n, c.reads)
		}
	}
}
