package app_test

import (
	"fmt"
	"testing"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
)

// A new user trying the demo is not stopped after five sends (production's
// burst): demo mode's limit is generous.
func TestDemoSendLimitIsGenerous(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		team := teamNamed(s, demo.Veteran1ICN, "Primary Care Team Blue")
		for i := range 12 {
			in := map[string]any{"in": map[string]any{"careTeamId": team, "category": "OTHER",
				"subject": fmt.Sprintf("Question %d", i+1), "body": "Trying the demo."}}
			r := s.Do(demo.Veteran1ICN, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id } } }`, in)
			if len(r.Errors) > 0 {
				t.Fatalf("send %d: %+v", i+1, r.Errors)
			}
		}
	})
}

// teamNamed is the id of icn's care team called name ("" if none).
func teamNamed(s *vamstest.System, icn, name string) string {
	var teams struct {
		Viewer struct{ CareTeams []struct{ ID, Name string } }
	}
	s.MustDo(icn, `{ viewer { careTeams { id name } } }`, nil, &teams)
	for _, ct := range teams.Viewer.CareTeams {
		if ct.Name == name {
			return ct.ID
		}
	}
	return ""
}

// The send limit lives in the database: a restarted VAMS on the same
// database refuses the send its predecessor's burst used up.
func TestSendLimitSurvivesARestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{SendLimit: inbox.SendLimit{PerHour: 1e-3, Burst: 2}})
		team := teamNamed(s, demo.Veteran1ICN, "Primary Care Team Blue")
		send := func() vamstest.Response {
			in := map[string]any{"in": map[string]any{"careTeamId": team, "category": "OTHER", "subject": "Question", "body": "Hello."}}
			return s.Do(demo.Veteran1ICN, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { message { id } } }`, in)
		}
		for i := range 2 {
			if r := send(); len(r.Errors) > 0 {
				t.Fatalf("send %d within the burst: %+v", i+1, r.Errors)
			}
		}
		s.Restart(syncengine.Config{})
		if r := send(); r.Code() != "RATE_LIMITED" {
			t.Fatalf("send past the burst after a restart: %+v, want RATE_LIMITED", r.Errors)
		}
	})
}
