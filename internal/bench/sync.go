package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/va/vams/ent/thread"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/app"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/config"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/providers/oh/ohsim"
)

// Sync measures sync throughput on a fresh demo database with the
// in-process simulators: outbox delivery, Atom intake and reconciliation,
// n messages each. It prints `BENCH name=<figure> per_s=<n>` lines.
func Sync(ctx context.Context, t Target, n int, out, logw io.Writer) error {
	logf := func(format string, a ...any) { fmt.Fprintf(logw, format+"\n", a...) }
	a, baseURL, stop, err := scenarioApp(ctx, t, "sync", config.Config{}, app.Options{
		Engine: syncengine.Config{PollInterval: 20 * time.Millisecond, RetryBase: 50 * time.Millisecond, RetryCap: time.Second}})
	if err != nil {
		return err
	}
	defer stop()
	sys := viewer.System(ctx)
	vetID := func(icn string) (string, error) {
		return a.Store.Client.Veteran.Query().Where(veteran.Icn(icn)).OnlyID(sys)
	}
	count := func(query string, args ...any) int {
		var c int
		if err := a.Store.DB.QueryRowContext(ctx, q(a.Store.Dialect, query), args...).Scan(&c); err != nil {
			logf("sync count: %v", err)
		}
		return c
	}
	wait := func(what string, done func() bool) error {
		return pollUntil("sync", 10*time.Millisecond, 5*time.Minute, what, done)
	}
	perS := func(name string, k int, d time.Duration) {
		fmt.Fprintf(out, "BENCH name=%s per_s=%.0f\n", name, float64(k)/d.Seconds())
		logf("%s: %d in %s", name, k, d.Round(time.Millisecond))
	}

	// Outbox: queue n veteran messages while the workers are stopped, then
	// start them and time until every one is DELIVERED at its provider.
	v1, err := vetID(demo.Veteran1ICN)
	if err != nil {
		return err
	}
	// The care teams come from the providers: the first import brings them
	// (and the demo mailboxes the simulators hold).
	for _, k := range []providerkind.Kind{providerkind.MHV, providerkind.OH} {
		if err := a.Engine.Reconcile(ctx, v1, k); err != nil {
			return err
		}
	}
	vctx := viewer.NewContext(ctx, viewer.Viewer{VeteranID: v1, ICN: demo.Veteran1ICN})
	teams, err := a.Inbox.CareTeams(vctx)
	if err != nil {
		return err
	}
	var usable []string
	queued := 0
	for i := 0; queued < n && i < n+len(teams); i++ {
		if len(usable) == 0 && i >= len(teams) {
			return fmt.Errorf("sync: veteran 1 can message no care team")
		}
		team := ""
		if i < len(teams) {
			team = teams[i].ID
		} else {
			team = usable[i%len(usable)]
		}
		_, _, err := a.Inbox.SendMessage(vctx, inbox.SendMessage{CareTeamID: team, Category: thread.CategoryOTHER,
			Subject: fmt.Sprintf("Bench %d", i), Body: "Please call me about my appointment.",
			Signature: &inbox.Signature{FullName: "Jordan Rivera", Certified: true}})
		if err != nil {
			if i < len(teams) {
				continue // blocked or paused team
			}
			return err
		}
		if i < len(teams) {
			usable = append(usable, team)
		}
		queued++
	}
	delivered := func() int {
		return count(`SELECT COUNT(*) FROM messages WHERE veteran_id = ? AND delivery_status = 'DELIVERED' AND author_kind = 'VETERAN'`, v1)
	}
	base := delivered()
	t0 := time.Now()
	if err := a.Start(ctx); err != nil {
		return err
	}
	if err := wait("outbox delivery", func() bool { return delivered() >= base+queued }); err != nil {
		return err
	}
	perS("outbox_delivery", queued, time.Since(t0))

	// Atom intake: OH pushes a signed entry per new message; time until all
	// n are in the store (and so in the veteran's inbox).
	v3, err := vetID(demo.Veteran3ICN)
	if err != nil {
		return err
	}
	var pool string
	for _, ct := range demo.Directory.TeamsFor(demo.Veteran3ICN, "OH") {
		if !ct.Blocks(demo.Veteran3ICN) {
			pool = ct.ProviderID
			break
		}
	}
	clinician := func(vid string) int {
		return count(`SELECT COUNT(*) FROM messages WHERE veteran_id = ? AND author_kind = 'CLINICIAN'`, vid)
	}
	base = clinician(v3)
	t0 = time.Now()
	for i := 0; i < n; i++ {
		if _, err := a.OHSim.ClinicianMessage(ohsim.ClinicianMessage{ICN: demo.Veteran3ICN, CareTeam: pool,
			Subject: fmt.Sprintf("Results %d", i), Body: "Your results are in; all normal."}); err != nil {
			return err
		}
	}
	if err := wait("Atom intake", func() bool { return clinician(v3) >= base+n }); err != nil {
		return err
	}
	perS("atom_intake", n, time.Since(t0))

	// Reconciliation: a scan lists the veteran's recent provider messages
	// and compares each with VAMS. MHV's only way in is this scan, so its
	// first run after n new messages is also ingest throughput.
	recon := func(vid string, k providerkind.Kind) (time.Duration, error) {
		t0 := time.Now()
		err := a.Engine.Reconcile(ctx, vid, k)
		return time.Since(t0), err
	}
	if _, err := recon(v3, providerkind.OH); err != nil { // finishes the first import
		return err
	}
	d, err := recon(v3, providerkind.OH)
	if err != nil {
		return err
	}
	perS("reconcile_scan_oh", len(a.OHSim.Messages(demo.Veteran3ICN)), d)

	v2, err := vetID(demo.Veteran2ICN)
	if err != nil {
		return err
	}
	if _, err := recon(v2, providerkind.MHV); err != nil {
		return err
	}
	mhvTeams := demo.Directory.TeamsFor(demo.Veteran2ICN, "MHV")
	for i := 0; i < n; i++ {
		if err := postClinician("sync", http.DefaultClient, baseURL, "mhv", map[string]any{"icn": demo.Veteran2ICN,
			"careTeam": mhvTeams[i%len(mhvTeams)].ProviderID, "subject": fmt.Sprintf("Update %d", i), "body": "A note from your care team."}, nil); err != nil {
			return err
		}
	}
	base = clinician(v2)
	if d, err = recon(v2, providerkind.MHV); err != nil {
		return err
	}
	if got := clinician(v2) - base; got < n {
		logf("reconcile_ingest_mhv: only %d of %d ingested", got, n)
	}
	perS("reconcile_ingest_mhv", clinician(v2)-base, d)
	if d, err = recon(v2, providerkind.MHV); err != nil {
		return err
	}
	perS("reconcile_scan_mhv", clinician(v2), d)
	return nil
}
