package inbox

import (
	"strings"
	"testing"
	"time"
)

const goodPhases = `"p0":"2027-01-01","p1":"2027-01-16","p2":"2027-01-31","p3":"2027-02-24","p4":"2027-02-27","p5":"2027-03-02","p6":"2027-03-04","p7":"2027-03-09"`

func TestParseCutoversRefusesBadSchedules(t *testing.T) {
	cases := []struct{ name, json, err string }{
		{"not JSON", `{`, "cutover schedule"},
		{"no station", `[{"phases":{` + goodPhases + `}}]`, "no station number"},
		{"unknown phase", `[{"stationNumber":"554","phases":{` + goodPhases + `,"p9":"2027-04-01"}}]`, `unknown phase "p9"`},
		{"missing phase", `[{"stationNumber":"554","phases":{"p0":"2027-01-01"}}]`, "phase p1"},
		{"bad date", `[{"stationNumber":"554","phases":{` + strings.Replace(goodPhases, "2027-02-24", "24/02/2027", 1) + `}}]`, "phase p3"},
		{"out of order", `[{"stationNumber":"554","phases":{` + strings.Replace(goodPhases, "2027-02-24", "2027-01-02", 1) + `}}]`, "phase p3 starts before"},
		{"complete before p7", `[{"stationNumber":"554","phases":{` + goodPhases + `},"complete":"2027-03-01"}]`, "complete"},
		{"crosswalk entry without its new team", `[{"stationNumber":"554","phases":{` + goodPhases + `},"crosswalk":[{"from":"1016"}]}]`, "crosswalk entry 0: want both"},
		{"team replaced twice", `[{"stationNumber":"554","phases":{` + goodPhases + `},"crosswalk":[{"from":"1016","to":"1"},{"from":"1016","to":"2"}]}]`, `crosswalk entry 1: team "1016" is already replaced`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ParseCutovers([]byte(c.json)); err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error %v, want one naming %q", err, c.err)
			}
		})
	}
}

func TestCutoverPhaseInForceByDate(t *testing.T) {
	cs, err := ParseCutovers([]byte(`[{"stationNumber":"554","phases":{` + goodPhases + `}}]`))
	if err != nil {
		t.Fatal(err)
	}
	c := cs[0]
	cases := []struct {
		at, phase string
	}{
		{"2026-12-31T23:59:59Z", ""},
		{"2027-01-01T00:00:00Z", "p0"},
		{"2027-02-24T12:00:00Z", "p3"},
		{"2027-03-03T23:00:00Z", "p5"},
		{"2027-03-09T23:59:59Z", "p7"},
		{"2027-03-10T00:00:00Z", ""}, // complete: the day after p7 starts
	}
	for _, tc := range cases {
		at, _ := time.Parse(time.RFC3339, tc.at)
		if got := c.PhaseAt(at); got != tc.phase {
			t.Errorf("PhaseAt(%s) = %q, want %q", tc.at, got, tc.phase)
		}
	}
}
