package syncengine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

const cardiology = "Cardiology Clinic" // veteran 1's MHV team at station 554

type transitionView struct {
	Name                string
	CanMessage          bool
	CannotMessageReason *string
	Transition          *struct {
		Phase          string
		RepliesBlocked bool
		GoLiveAt       time.Time
	}
}

func cardiologyTeam(t *testing.T, s *vamstest.System) transitionView {
	t.Helper()
	var out struct {
		Viewer struct{ CareTeams []transitionView }
	}
	s.MustDo(vet1, `{ viewer { careTeams { name canMessage cannotMessageReason transition { phase repliesBlocked goLiveAt } } } }`, nil, &out)
	for _, ct := range out.Viewer.CareTeams {
		if ct.Name == cardiology {
			return ct
		}
	}
	t.Fatalf("no %s team", cardiology)
	return transitionView{}
}

// A facility moves through its cutover by the schedule's dates alone: sends
// to its teams are refused in p3–p5 (changing nothing), the app sees the
// phase and go-live, and after the move the team is ordinary again.
func TestCutoverFollowsItsSchedule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		today := time.Now().UTC().Truncate(24 * time.Hour)
		day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
		schedule := fmt.Sprintf(`[{"stationNumber":"554","phases":{"p0":%q,"p1":%q,"p2":%q,"p3":%q,"p4":%q,"p5":%q,"p6":%q,"p7":%q},"complete":%q}]`,
			day(-40), day(-30), day(-20), day(-1), day(2), day(4), day(6), day(10), day(14))
		path := filepath.Join(t.TempDir(), "cutovers.json")
		if err := os.WriteFile(path, []byte(schedule), 0o600); err != nil {
			t.Fatal(err)
		}
		clk := vamstest.NewClock()
		start := clk.Now()
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{Clock: clk, CutoverSchedule: path})
		team := teamID(t, s, cardiology)
		at := func(days int) transitionView {
			clk.Set(start.AddDate(0, 0, days))
			if _, err := s.App.Inbox.ApplyCutovers(viewer.System(context.Background())); err != nil {
				t.Fatal(err)
			}
			return cardiologyTeam(t, s)
		}
		cases := []struct {
			name       string
			days       int
			phase      string // "" : no transition
			canMessage bool
		}{
			{"before p0", -50, "", true},
			{"p2", -15, "p2", true},
			{"p3", 0, "p3", false},
			{"p5 go-live", 5, "p5", false},
			{"p6", 7, "p6", true},
			{"complete", 15, "", true},
		}
		for _, c := range cases {
			ct := at(c.days)
			got := ""
			if ct.Transition != nil {
				got = ct.Transition.Phase
				if blocked := !c.canMessage; ct.Transition.RepliesBlocked != blocked || !ct.Transition.GoLiveAt.Equal(today.AddDate(0, 0, 4)) {
					t.Errorf("%s: transition %+v, want repliesBlocked=%v and go-live in 4 days", c.name, *ct.Transition, blocked)
				}
			}
			if got != c.phase || ct.CanMessage != c.canMessage {
				t.Errorf("%s: phase %q canMessage %v, want %q %v", c.name, got, ct.CanMessage, c.phase, c.canMessage)
			}
			res := s.Do(vet1, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id } } }`,
				map[string]any{"in": map[string]any{"careTeamId": team, "category": "OTHER", "subject": "Cutover " + c.name, "body": "Hello"}})
			want := ""
			if !c.canMessage {
				want = "FACILITY_IN_TRANSITION"
			}
			if res.Code() != want {
				t.Errorf("%s: send answered %q %+v, want %q", c.name, res.Code(), res.Errors, want)
			}
		}
	})
}
