package crashtest

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// notified is what the notification simulator at url received.
type notified struct {
	Notifications []struct{ Reference, Channel string }
	Duplicates    int
}

func received(t *testing.T, url string) notified {
	t.Helper()
	var n notified
	call(t, http.MethodGet, url+"control/notifications", "", nil, &n)
	return n
}

// unread is the veteran's unread count as VAMS shows it.
func (v *vams) unread() int {
	v.t.Helper()
	var out struct{ Viewer struct{ UnreadCount int } }
	v.query(`{ viewer { unreadCount } }`, nil, &out)
	return out.Viewer.UnreadCount
}

// A clinician's OH message notifies the veteran (one email: no device is
// registered) exactly once although VAMS is killed (SIGKILL) in either
// window: after it ingested the message and before any call reached the
// notification service (it was answering 503), or after the service
// accepted the call and before VAMS heard so (the service holds its answer
// until VAMS is gone). VAMS, the OH, MHV and notification simulators run in
// their own processes; the restarted VAMS calls again with the same
// reference.
func TestKilledAroundNotificationCallNotifiesExactlyOnce(t *testing.T) {
	bins := buildCommands(t, "mhvsim", "ohsim", "notifysim")
	for _, tt := range []struct {
		name, faults string
		// reached: whether the killed VAMS's call reached the service.
		reached bool
	}{
		{name: "killed before the call", faults: `{"outage":true}`},
		{name: "killed after the call, before it was recorded", faults: `{"holdAnswers":1}`, reached: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, b storetest.Backend) {
				dir := t.TempDir()
				urls := map[string]string{}
				for _, bin := range bins {
					p := start(t, filepath.Base(bin), nil, bin, "-addr", "127.0.0.1:0", "-state", filepath.Join(dir, filepath.Base(bin)+".json"), "-history=false")
					urls[filepath.Base(bin)] = p.listeningURL(t)
				}
				notify := urls["notifysim"]
				call(t, http.MethodPost, notify+"control/faults", "", json.RawMessage(tt.faults), nil)
				addr := freeAddr(t)
				env := []string{childEnv + "=1", "VAMS_MODE=demo", "VAMS_ADDR=" + addr, "VAMS_PUBLIC_URL=http://" + addr,
					"VAMS_DATA_DIR=" + dir, "DATABASE_URL=" + b.DatabaseURL(t), "VAMS_RECONCILE_INTERVAL=1s",
					"VAMS_MHV_BASE_URL=" + urls["mhvsim"], "VAMS_OH_BASE_URL=" + urls["ohsim"], "VAMS_NOTIFY_BASE_URL=" + notify}
				v := startVAMS(t, addr, env)
				v.teams()
				before := v.unread()
				call(t, http.MethodPost, urls["ohsim"]+"control/clinician-messages", "", map[string]any{"icn": demo.Veteran1ICN,
					"careTeam": "300100", "subject": "Lab result", "body": "Your lab result is in."}, nil)
				vamstest.Eventually(t, 60*time.Second, "the clinician's message in VAMS", func() bool { return v.unread() == before+1 })
				if tt.reached {
					vamstest.Eventually(t, 30*time.Second, "the call at the service", func() bool { return len(received(t, notify).Notifications) == 1 })
				}
				v.p.kill()
				if got := received(t, notify); len(got.Notifications) != map[bool]int{true: 1, false: 0}[tt.reached] {
					t.Fatalf("before the restart the service holds %+v", got)
				}
				call(t, http.MethodPost, notify+"control/faults", "", map[string]any{}, nil)

				v = startVAMS(t, addr, append(env, rescueEnv+"=4s"))
				want := 0 // the restarted VAMS's call is new
				if tt.reached {
					want = 1 // its call repeats the reference of the one that was not recorded
				}
				vamstest.Eventually(t, 120*time.Second, "the notification after the restart", func() bool {
					got := received(t, notify)
					return len(got.Notifications) == 1 && got.Duplicates == want
				})
				time.Sleep(time.Second) // another call, if any, would be made by now
				if got := received(t, notify); len(got.Notifications) != 1 || got.Duplicates != want || got.Notifications[0].Channel != "email" {
					t.Fatalf("after the restart the service holds %+v, want one email and %d repeats", got, want)
				}
			})
		})
	}
}
