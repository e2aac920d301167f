package syncengine_test

import (
	"context"
	"testing"
	"time"

	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers/mhv/mhvsim"
)

type importStatusView struct {
	State                string
	UpdatedAt            *time.Time
	HistoryCompleteSince *time.Time
	LastCheckedAt        *time.Time
	CareTeams            []struct {
		CareTeam     struct{ Name string }
		LastSyncedAt *time.Time
	}
}

func importStatus(t *testing.T, s *vamstest.System) (importStatusView, map[string]*time.Time) {
	t.Helper()
	var out struct {
		Viewer struct{ ImportStatus importStatusView }
	}
	s.MustDo(vet1, `{ viewer { importStatus { state updatedAt historyCompleteSince lastCheckedAt
		careTeams { careTeam { name } lastSyncedAt } } } }`, nil, &out)
	st := out.Viewer.ImportStatus
	synced := map[string]*time.Time{}
	for _, c := range st.CareTeams {
		synced[c.CareTeam.Name] = c.LastSyncedAt
	}
	return st, synced
}

// importStatus is true: it shows how far back history is complete, moves
// with every check after the import, and says per care team when VAMS last
// heard from its system; a system that is down stops its teams' clocks only.
func TestImportStatusFollowsTheScans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		clk := vamstest.NewClock()
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{Clock: clk})
		st, synced := importStatus(t, s)
		if st.State != "COMPLETE" || st.HistoryCompleteSince == nil || time.Since(*st.HistoryCompleteSince) < 130*24*time.Hour {
			t.Fatalf("after the import: %+v; want COMPLETE with history complete back to the horizon (vamstest's 130 days)", st)
		}
		if st.LastCheckedAt == nil || st.UpdatedAt == nil || len(st.CareTeams) == 0 {
			t.Fatalf("after the import: %+v; want check times and care teams", st)
		}
		for name, at := range synced {
			if at == nil {
				t.Errorf("care team %q never synced after the import", name)
			}
		}
		before := synced
		clk.Advance(time.Hour)
		s.MHV().SetOutage(mhvsim.Outage{Down: true})
		ctx := viewer.System(context.Background())
		v, err := s.App.Store.Client.Veteran.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range v {
			if x.Icn == vet1 {
				_ = s.App.Engine.Reconcile(ctx, x.ID, providerkind.MHV) // fails: MHV is down
			}
		}
		reconcile(t, s, providerkind.OH)
		st, synced = importStatus(t, s)
		if st.State != "COMPLETE" || st.LastCheckedAt == nil || st.LastCheckedAt.Sub(*before[ohTeamName]) < 59*time.Minute {
			t.Errorf("after an hour and a scan: %+v; want lastCheckedAt an hour on", st)
		}
		if got := synced[ohTeamName]; got == nil || got.Sub(*before[ohTeamName]) < 59*time.Minute {
			t.Errorf("%s last synced %v, before %v: want it moved on by the OH scan", ohTeamName, got, before[ohTeamName])
		}
		if got := synced[mhvTeamName]; got == nil || !got.Equal(*before[mhvTeamName]) {
			t.Errorf("%s last synced %v, before %v: want it unchanged while its system is down", mhvTeamName, got, before[mhvTeamName])
		}
		if st.UpdatedAt == nil || st.UpdatedAt.Sub(*before[ohTeamName]) < 59*time.Minute {
			t.Errorf("updatedAt %v did not move with the scans", st.UpdatedAt)
		}
	})
}
