package syncengine_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers/mhv/mhvsim"
)

// Reconciliations run on a queue of their own: while every sync worker is
// held by a scan waiting on a slow MHV, a veteran's message to an OH care
// team is still delivered.
func TestADeliveryIsNotHeldBehindSlowScans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{Engine: syncengine.Config{Workers: 1}})
		team := teamID(t, s, ohTeamName)
		s.Control("mhv", http.MethodPost, "outage", map[string]any{"latencyMs": 8000}, nil)
		t.Cleanup(func() { s.MHV().SetOutage(mhvsim.Outage{}) })
		running := func() int {
			var n int
			if err := s.App.Store.DB.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'reconcile_veteran' AND state = 'running'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// The first import's jobs are recorded as done (River completes in
		// batches), so the scan below is not taken for one of them.
		vamstest.Eventually(t, 10*time.Second, "the import's jobs completed", func() bool { return running() == 0 })
		// The veteran is active, so the periodic scan queues their reconciliation.
		if err := s.App.Engine.ScheduleReconcile(viewer.System(context.Background())); err != nil {
			t.Fatal(err)
		}
		vamstest.Eventually(t, 10*time.Second, "a scan held by the slow MHV", func() bool { return running() > 0 })
		thread, msg := send(t, s, team, "Not behind the scans", "Sent while MHV is slow.")
		vamstest.Eventually(t, 10*time.Second, "the OH delivery", func() bool { return delivered(t, s, thread, msg) })
	})
}
