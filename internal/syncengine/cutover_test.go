package syncengine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers/oh/ohsim"
)

const (
	cardiology     = "Cardiology Clinic" // veteran 1's MHV team 1016 at station 554
	cardiologyPool = "Cardiology"        // the OH pool that replaces it at go-live
	cardiologyOH   = "300300"
)

// withCardiologyPool gives the OH simulator the pool that takes over
// station 554's cardiology clinic, serving veteran 1.
func withCardiologyPool(c *ohsim.Config) {
	c.Pools = append(c.Pools, ohsim.Pool{ID: cardiologyOH, Name: "ECH CARDIOLOGY POOL", ExternalNames: []string{cardiologyPool},
		StationNumber: "554", FacilityName: "Rocky Mountain Regional VA Medical Center", HealthCareSystem: "VA Eastern Colorado health care",
		AssociatedWith: []string{vet1}, Staff: []ohsim.Personnel{{ID: 11999001, Text: "Heart, Casey"}}})
}

// schedule554 is station 554's cutover with each phase's start date as
// days from day0, and the crosswalk of its cardiology clinic.
func schedule554(day0 time.Time) map[string]any {
	day := func(n int) string { return day0.AddDate(0, 0, n).Format(time.DateOnly) }
	return map[string]any{
		"phases": map[string]string{"p0": day(-20), "p1": day(-10), "p2": day(-2), "p3": day(2), "p4": day(4),
			"p5": day(6), "p6": day(8), "p7": day(12)},
		"complete":  day(16),
		"crosswalk": []map[string]string{{"from": "1016", "to": cardiologyOH}},
	}
}

// putSchedule is the operator's PUT /ops/cutovers/{station}; it returns the
// status and the error code, if any.
func putSchedule(t *testing.T, s *vamstest.System, token, station string, body any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPut, s.URL+"/ops/cutovers/"+station, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Error struct{ Code string } }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Error.Code
}

func operatorToken(t *testing.T, s *vamstest.System, roles ...string) string {
	t.Helper()
	tok, err := s.App.Issuer.Issue(vet1, time.Hour, roles...)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type teamView struct {
	ID                  string
	Name                string
	AlternateNames      []string
	CanMessage          bool
	CannotMessageReason *string
	Transition          *struct{ Phase string }
}

type crosswalkView struct {
	Viewer struct {
		CareTeams       []teamView
		CareTeamChanges []struct {
			PreviousName string
			CareTeam     struct{ ID, Name string }
			ChangedAt    time.Time
		}
	}
}

func crosswalk(t *testing.T, s *vamstest.System) crosswalkView {
	t.Helper()
	var out crosswalkView
	s.MustDo(vet1, `{ viewer { careTeams { id name alternateNames canMessage cannotMessageReason transition { phase } }
		careTeamChanges { previousName careTeam { id name } changedAt } } }`, nil, &out)
	return out
}

func findTeam(v crosswalkView, name string) *teamView {
	for i := range v.Viewer.CareTeams {
		if v.Viewer.CareTeams[i].Name == name {
			return &v.Viewer.CareTeams[i]
		}
	}
	return nil
}

func phaseOf(tv *teamView) string {
	if tv == nil || tv.Transition == nil {
		return ""
	}
	return tv.Transition.Phase
}

// The operator endpoint refuses what is not a valid schedule (nothing
// stored) and anyone but an operator; a valid one is in force for the
// veteran's next read, with no job run: the phase comes from the schedule.
func TestOperatorPutsCutoverSchedules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		clk := vamstest.NewClock()
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{Clock: clk})
		op := operatorToken(t, s, "operator")
		good := schedule554(clk.Now().Truncate(24 * time.Hour))
		bad := schedule554(clk.Now().Truncate(24 * time.Hour))
		bad["phases"].(map[string]string)["p3"] = "2020-01-01"
		cases := []struct {
			name, token string
			body        any
			status      int
			code, phase string
		}{
			{"veteran", operatorToken(t, s), good, http.StatusForbidden, "FORBIDDEN", ""},
			{"phases out of order", op, bad, http.StatusBadRequest, "INVALID_INPUT", ""},
			{"not a schedule", op, []int{1}, http.StatusBadRequest, "INVALID_INPUT", ""},
			{"another station in the body", op, map[string]any{"stationNumber": "442", "phases": good["phases"]}, http.StatusBadRequest, "INVALID_INPUT", ""},
			{"valid", op, good, http.StatusOK, "", "p2"},
		}
		for _, c := range cases {
			status, code := putSchedule(t, s, c.token, "554", c.body)
			got := phaseOf(findTeam(crosswalk(t, s), cardiology))
			if status != c.status || code != c.code || got != c.phase {
				t.Errorf("%s: %d %q, phase %q; want %d %q, phase %q", c.name, status, code, got, c.status, c.code, c.phase)
			}
		}
	})
}

// A facility moves from p2 to p6 by its schedule alone (injected clock):
// sends and replies to its teams are refused in p3–p5; at go-live the
// crosswalk hands the MHV team's conversations to the OH pool, which shows
// its new name with the old one as an alternate name and is listed as a
// name change; a reply to the pre-cutover MHV thread reaches the pool at
// the OH simulator, and the clinician's answer lands in the same thread,
// with the MHV history kept.
func TestCutoverHandsConversationsToTheNewTeam(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		clk := vamstest.NewClock()
		// The OH simulator keeps VAMS's time, so its answers sort after the
		// veteran's messages.
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{Clock: clk, AdjustOHSim: func(c *ohsim.Config) {
			withCardiologyPool(c)
			c.Now = clk.Now
		}})
		if status, code := putSchedule(t, s, operatorToken(t, s, "operator"), "554", schedule554(clk.Now().Truncate(24*time.Hour))); status != http.StatusOK {
			t.Fatalf("schedule refused: %d %s", status, code)
		}
		// p2: an ordinary conversation with the MHV team.
		v := crosswalk(t, s)
		if tv := findTeam(v, cardiology); phaseOf(tv) != "p2" || !tv.CanMessage {
			t.Fatalf("p2: %+v", tv)
		}
		subject := "Before the move"
		th, msg := send(t, s, findTeam(v, cardiology).ID, subject, "Is my echo still booked?")
		vamstest.Eventually(t, 10*time.Second, "delivery to MHV", func() bool { return delivered(t, s, th, msg) })
		sent := simMessage(t, s, "mhv", subject, "TO_CLINICIAN")
		if len(sent) != 1 {
			t.Fatalf("MHV holds %d copies", len(sent))
		}
		s.Control("mhv", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "inReplyTo": sent[0].ID, "body": "Yes, Tuesday."}, nil)
		reconcile(t, s, providerkind.MHV)
		if got := thread(t, s, th); got.MessageCount != 2 {
			t.Fatalf("the MHV answer did not arrive: %+v", got)
		}

		refused := func(phase string) {
			t.Helper()
			tv := findTeam(crosswalk(t, s), cardiology)
			res := s.Do(vet1, `mutation($t: ID!) { replyToThread(input: {threadId: $t, body: "Hello?"}) { message { id } } }`, map[string]any{"t": th})
			if phaseOf(tv) != phase || tv.CanMessage || res.Code() != "FACILITY_IN_TRANSITION" {
				t.Fatalf("%s: team %+v, reply answered %q", phase, tv, res.Code())
			}
		}
		clk.Advance(3 * 24 * time.Hour) // p3
		refused("p3")
		clk.Advance(4 * 24 * time.Hour) // p5: go-live
		if _, err := s.App.Inbox.ApplyCutovers(viewer.System(context.Background())); err != nil {
			t.Fatal(err)
		}
		v = crosswalk(t, s)
		pool := findTeam(v, cardiologyPool)
		if findTeam(v, cardiology) != nil || pool == nil || fmt.Sprint(pool.AlternateNames) != "["+cardiology+"]" || phaseOf(pool) != "p5" || pool.CanMessage {
			t.Fatalf("after go-live: %+v", v.Viewer.CareTeams)
		}
		if ch := v.Viewer.CareTeamChanges; len(ch) != 1 || ch[0].PreviousName != cardiology || ch[0].CareTeam.ID != pool.ID ||
			!ch[0].ChangedAt.Equal(clk.Now().Truncate(24*time.Hour).AddDate(0, 0, -1)) {
			t.Fatalf("careTeamChanges: %+v", ch)
		}
		if got := thread(t, s, th); got.CareTeam.Name != cardiologyPool || got.MessageCount != 2 {
			t.Fatalf("the old thread after go-live: %+v", got)
		}

		clk.Advance(2 * 24 * time.Hour) // p6: messages again, now to the pool
		answer := reply(t, s, th, "Can I move it to Thursday?")
		vamstest.Eventually(t, 10*time.Second, "delivery to OH", func() bool { return delivered(t, s, th, answer) })
		atOH := simMessage(t, s, "oh", subject, "TO_CLINICIAN")
		if len(atOH) != 1 || atOH[0].CareTeam != cardiologyOH || atOH[0].Body != "Can I move it to Thursday?" {
			t.Fatalf("OH holds %+v, want the reply in pool %s", atOH, cardiologyOH)
		}
		s.Control("oh", http.MethodPost, "clinician-messages", map[string]any{"icn": vet1, "inReplyTo": atOH[0].ID, "body": "Thursday works."}, nil)
		var got threadView
		vamstest.Eventually(t, 10*time.Second, "the pool's answer in the same thread", func() bool {
			got = thread(t, s, th)
			return got.MessageCount == 4
		})
		reconcile(t, s, providerkind.MHV) // MHV still lists the history: kept, not moved or doubled
		got = thread(t, s, th)
		var bodies []string
		for _, e := range got.Messages.Edges {
			if e.Node.Body != nil {
				bodies = append(bodies, *e.Node.Body)
			}
		}
		if want := "[Is my echo still booked? Yes, Tuesday. Can I move it to Thursday? Thursday works.]"; fmt.Sprint(bodies) != want {
			t.Fatalf("thread bodies %v, want %s", bodies, want)
		}
		if tv := findTeam(crosswalk(t, s), cardiologyPool); phaseOf(tv) != "p6" || !tv.CanMessage {
			t.Fatalf("p6: %+v", tv)
		}
	})
}

// withoutCrosswalk is station 554's schedule with no team replaced, so the
// clinic keeps its name through every phase.
func withoutCrosswalk(day0 time.Time) map[string]any {
	sc := schedule554(day0)
	delete(sc, "crosswalk")
	return sc
}

// writeSchedule writes station 554's schedule as VAMS_CUTOVER_SCHEDULE
// holds it and returns the file's path.
func writeSchedule(t *testing.T, path string, day0 time.Time) string {
	t.Helper()
	sc := withoutCrosswalk(day0)
	sc["stationNumber"] = "554"
	b, _ := json.Marshal([]any{sc})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// storedCutover is station 554's entry in GET /ops/cutovers.
func storedCutover(t *testing.T, s *vamstest.System) (phase, setBy string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/ops/cutovers", nil)
	req.Header.Set("Authorization", "Bearer "+operatorToken(t, s, "operator"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Cutovers []struct{ StationNumber, Phase, SetBy string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	for _, c := range out.Cutovers {
		if c.StationNumber == "554" {
			return c.Phase, c.SetBy
		}
	}
	return "", ""
}

type transitionView struct {
	Name                string
	CanMessage          bool
	CannotMessageReason *string
	Transition          *struct {
		Phase                                         string
		RepliesBlocked                                bool
		StartsAt, BlockedFrom, BlockedUntil, GoLiveAt time.Time
	}
}

// cardiologyTransition is what the veteran's client reads of the clinic.
func cardiologyTransition(t *testing.T, s *vamstest.System) transitionView {
	t.Helper()
	var out struct {
		Viewer struct{ CareTeams []transitionView }
	}
	s.MustDo(vet1, `{ viewer { careTeams { name canMessage cannotMessageReason
		transition { phase repliesBlocked startsAt blockedFrom blockedUntil goLiveAt } } } }`, nil, &out)
	for _, c := range out.Viewer.CareTeams {
		if c.Name == cardiology {
			return c
		}
	}
	t.Fatalf("no %s among the veteran's care teams", cardiology)
	return transitionView{}
}

// A schedule in VAMS_CUTOVER_SCHEDULE is stored at startup and drives the
// phase the veteran's client reads as VAMS's clock moves; at each start
// configuration updates the schedules it put, but once an operator has put
// a facility's schedule a restart with the configuration keeps the
// operator's.
func TestConfiguredScheduleDrivesThePhaseUntilAnOperatorPutsOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		clk := vamstest.NewClock()
		day0 := clk.Now().Truncate(24 * time.Hour)
		path := writeSchedule(t, filepath.Join(t.TempDir(), "cutovers.json"), day0)
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{Clock: clk, CutoverSchedule: path})
		day := func(n int) time.Time { return day0.AddDate(0, 0, n) }

		steps := []struct {
			name          string
			do            func()
			phase, setBy  string
			blocked       bool
			blockedFromAt time.Time
		}{
			{"at startup", func() {}, "p2", "configuration", false, day(2)},
			{"two days on", func() { clk.Advance(2 * 24 * time.Hour) }, "p3", "configuration", true, day(2)},
			{"configuration moved later, restarted", func() {
				writeSchedule(t, path, day0.AddDate(0, 0, 1))
				s.Restart(syncengine.Config{})
			}, "p2", "configuration", false, day(3)},
			{"operator puts the first dates", func() {
				if status, code := putSchedule(t, s, operatorToken(t, s, "operator"), "554", withoutCrosswalk(day0)); status != http.StatusOK {
					t.Fatalf("schedule refused: %d %s", status, code)
				}
			}, "p3", "operator", true, day(2)},
			{"restarted with the configuration", func() { s.Restart(syncengine.Config{}) }, "p3", "operator", true, day(2)},
			{"past the pause", func() { clk.Advance(6 * 24 * time.Hour) }, "p6", "operator", false, day(2)},
		}
		for _, st := range steps {
			st.do()
			tv := cardiologyTransition(t, s)
			phase, setBy := storedCutover(t, s)
			reason := ""
			if tv.CannotMessageReason != nil {
				reason = *tv.CannotMessageReason
			}
			wantReason := map[bool]string{true: "FACILITY_IN_TRANSITION"}[st.blocked]
			switch {
			case tv.Transition == nil || tv.Transition.Phase != st.phase || phase != st.phase || setBy != st.setBy:
				t.Fatalf("%s: team %+v, stored phase %q set by %q; want %s set by %s", st.name, tv.Transition, phase, setBy, st.phase, st.setBy)
			case tv.Transition.RepliesBlocked != st.blocked || tv.CanMessage == st.blocked || reason != wantReason:
				t.Fatalf("%s: repliesBlocked %v, canMessage %v (%q); want blocked %v", st.name, tv.Transition.RepliesBlocked, tv.CanMessage, reason, st.blocked)
			case !tv.Transition.BlockedFrom.Equal(st.blockedFromAt):
				t.Fatalf("%s: blockedFrom %v, want the schedule's p3 %v", st.name, tv.Transition.BlockedFrom, st.blockedFromAt)
			}
		}
		if !strings.Contains(s.Log.String(), "configured cutover schedule not applied") {
			t.Error("the restart that kept the operator's schedule logged nothing")
		}
	})
}
