package crashtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/careteam"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/providerref"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/ent/thread"
	"github.com/va/vams/ent/veteran"
	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// listing is one listing of a patient's OH inbox: the window asked for.
type listing struct{ begin, end time.Time }

// noted is a listing as the proxy saw it.
type noted struct {
	listing
	at time.Time
	// restarted: asked by the VAMS started after the kill.
	restarted bool
}

// listingLog stands in front of the OH simulator, as a proxy, to note the
// windows VAMS lists of one patient's inbox. While holdBefore is set, an
// inbox listing of a window ending before it is never answered (a hung
// call): VAMS waits in it until it is killed.
type listingLog struct {
	patient string
	mu      sync.Mutex
	log     []noted
	// holdBefore: zero, nothing is held; held counts the listings held.
	holdBefore time.Time
	held       int
	restarted  bool
}

func (x listing) String() string {
	return x.begin.Format(time.RFC3339) + " to " + x.end.Format(time.RFC3339)
}

// newListingLog starts the proxy in front of the simulator at target,
// holding listings that end before holdBefore, and returns its URL.
func newListingLog(t *testing.T, target, patient string, holdBefore time.Time) (*listingLog, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	l := &listingLog{patient: patient, holdBefore: holdBefore}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.note(t, r) {
			<-r.Context().Done()
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return l, srv.URL + "/"
}

// note logs r if it lists the patient's inbox and reports whether to hold it.
func (l *listingLog) note(t *testing.T, r *http.Request) (hold bool) {
	if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/patients/"+l.patient+"/inbox/messages") {
		return false
	}
	q := r.URL.Query()
	begin, err1 := time.Parse(time.RFC3339, q.Get("beginDate"))
	end, err2 := time.Parse(time.RFC3339, q.Get("endDate"))
	if err1 != nil || err2 != nil {
		t.Errorf("inbox listing with window %q to %q", q.Get("beginDate"), q.Get("endDate"))
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.log = append(l.log, noted{listing: listing{begin: begin, end: end}, at: time.Now(), restarted: l.restarted})
	if !l.holdBefore.IsZero() && end.Before(l.holdBefore) {
		l.held++
		return true
	}
	return false
}

// heldCount is how many listings are held so far.
func (l *listingLog) heldCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held
}

// restart marks the listings from now on as the restarted VAMS's and holds
// no more.
func (l *listingLog) restart() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.restarted, l.holdBefore = true, time.Time{}
}

// windows returns the distinct windows listed before (restarted false) or
// after the restart, and before the time by, that end before until (the
// import's, not the scans of recent activity), newest first.
func (l *listingLog) windows(restarted bool, by, until time.Time) []listing {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[listing]bool{}
	var out []listing
	for _, x := range l.log {
		if x.restarted == restarted && x.at.Before(by) && x.end.Before(until) && !seen[x.listing] {
			seen[x.listing] = true
			out = append(out, x.listing)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].end.After(out[j].end) })
	return out
}

// openStore opens the database the VAMS child uses.
func openStore(t *testing.T, dbURL, dir string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{DatabaseURL: dbURL, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// importState is the veteran's OH import row (nil before the import began).
func importState(t *testing.T, s *store.Store, vid string) *ent.SyncState {
	t.Helper()
	st, err := s.Client.SyncState.Query().Where(syncstate.ProviderEQ(providerkind.OH), syncstate.VeteranID(vid),
		syncstate.Scope(inbox.ImportScope)).Only(viewer.System(context.Background()))
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

const day = 24 * time.Hour

// VAMS is killed (SIGKILL) in the middle of a veteran's first OH import:
// OH holds a day's clinician message for each of the 15 days the import
// walks back to its horizon (two days a step, eight steps) and two recent
// ones the scan of recent activity brings, the proxy in
// front of OH holds the fourth step's listing unanswered, and VAMS is
// killed once the import's watermark has moved past the first three. After
// the restart the import resumes from the watermark — its first listing
// ends there, and no window the killed VAMS finished is listed again — and
// completes with every OH message in VAMS once: one message row and one
// provider id each, as many as OH holds, none missing.
func TestKilledDuringImportResumesFromItsWatermark(t *testing.T) {
	mhvBin, ohBin := buildSimulators(t)
	var patient string
	for _, dv := range demo.Directory.Veterans {
		if dv.ICN == demo.Veteran1ICN {
			patient = dv.OHPatientID
		}
	}
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		dir, dbURL := t.TempDir(), b.DatabaseURL(t)
		sims := map[string]string{}
		for _, bin := range []string{mhvBin, ohBin} {
			name := filepath.Base(bin)
			sims[name] = start(t, name, nil, bin, "-addr", "127.0.0.1:0", "-state", filepath.Join(dir, name+".json"), "-history=false").listeningURL(t)
		}
		now := time.Now().UTC()
		// Two recent messages the scan of recent activity (14 days)
		// brings, and one a day from 15 to 29 days back for the import
		// (horizon 30 days).
		days := []int{2, 5}
		for d := 15; d < 30; d++ {
			days = append(days, d)
		}
		bodies := map[string]bool{}
		for _, d := range days {
			body := fmt.Sprintf("Your results from %d days ago are normal.", d)
			bodies[body] = true
			call(t, http.MethodPost, sims["ohsim"]+"control/clinician-messages", "", map[string]any{"icn": demo.Veteran1ICN,
				"careTeam": "300100", "subject": fmt.Sprintf("Results, day %d", d), "body": body, "sentAt": now.Add(-time.Duration(d)*day - time.Hour)}, nil)
		}
		const window = 2 * day
		importFrom := now.Add(-14 * day) // where the import starts: the scan of recent activity's start
		// The fourth step's window ends at importFrom - 3 windows (VAMS
		// starts a little after now): hold it, and none before it.
		listings, ohURL := newListingLog(t, sims["ohsim"], patient, importFrom.Add(-3*window+time.Hour))

		addr := freeAddr(t)
		env := []string{childEnv + "=1", "VAMS_MODE=demo", "VAMS_ADDR=" + addr, "VAMS_PUBLIC_URL=http://" + addr,
			"VAMS_DATA_DIR=" + dir, "DATABASE_URL=" + dbURL, "VAMS_RECONCILE_INTERVAL=1h", importWindowEnv + "=" + window.String(),
			"VAMS_MHV_BASE_URL=" + sims["mhvsim"], "VAMS_OH_BASE_URL=" + ohURL}
		v := startVAMS(t, addr, env)
		s := openStore(t, dbURL, dir)
		vid, err := s.Client.Veteran.Query().Where(veteran.Icn(demo.Veteran1ICN)).OnlyID(viewer.System(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		vamstest.Eventually(t, 60*time.Second, "the import's fourth step to be held", func() bool { return listings.heldCount() > 0 })
		before := importState(t, s, vid)
		if before == nil || before.Watermark == nil || before.Status == syncstate.StatusCOMPLETE {
			t.Fatalf("import state before the kill: %+v, want a watermark and the import not complete", before)
		}
		v.p.kill()
		listings.restart()
		wm := before.Watermark.UTC()
		done := listings.windows(false, time.Now(), importFrom.Add(time.Hour))
		if len(done) != 4 || !done[2].begin.Equal(wm.Truncate(time.Second)) {
			t.Fatalf("before the kill VAMS listed %v with the watermark at %s, want three steps done down to it and the fourth held", done, wm)
		}

		// The killed VAMS's job is rescued once it is RescueAfter (5s with a
		// 4s job timeout) old; River's rescuer looks when the restarted VAMS
		// leads and then every 30s, so it must find the job old enough at
		// its first look. A rescued job that still times out is run again
		// (MaxAttempts 3), and past that the next periodic scan queues the
		// import anew: a short interval keeps a loaded machine from
		// stalling it.
		time.Sleep(5 * time.Second)
		startVAMS(t, addr, append(env, rescueEnv+"=4s", "VAMS_RECONCILE_INTERVAL=2s"))
		var completed time.Time
		vamstest.Eventually(t, 90*time.Second, "the import to complete after the restart", func() bool {
			st := importState(t, s, vid)
			if st != nil && st.Status == syncstate.StatusCOMPLETE {
				completed = st.UpdatedAt
			}
			return !completed.IsZero()
		})

		// Resumed from the watermark: the first step after the restart ends
		// at it, and every one lies before it. (Slow sweeps, which list
		// newer windows again, start only once the import completed.)
		after := listings.windows(true, completed, importFrom.Add(time.Hour))
		if len(after) == 0 || after[0].end.Add(time.Second).Before(wm) || after[0].end.After(wm) {
			t.Fatalf("after the restart VAMS listed %v, want its first step to end at the watermark %s", after, wm)
		}
		for _, x := range after {
			if x.end.After(wm) {
				t.Errorf("after the restart VAMS listed %s to %s again, newer than the watermark %s", x.begin, x.end, wm)
			}
		}

		// Nothing duplicated, nothing missing.
		ctx := viewer.System(context.Background())
		msgs, err := s.Client.Message.Query().Where(message.VeteranID(vid),
			message.HasThreadWith(thread.HasCareTeamWith(careteam.ProviderEQ(providerkind.OH)))).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var simMsgs []struct{ ID, Body string }
		call(t, http.MethodGet, sims["ohsim"]+"control/messages?icn="+demo.Veteran1ICN, "", nil, &simMsgs)
		if len(simMsgs) != len(days) {
			t.Fatalf("OH holds %d messages, want the %d seeded", len(simMsgs), len(days))
		}
		if len(msgs) != len(simMsgs) {
			t.Errorf("VAMS holds %d OH messages, OH %d", len(msgs), len(simMsgs))
		}
		seen := map[string]int{}
		ids := make([]string, 0, len(msgs))
		for _, m := range msgs {
			seen[m.Body]++
			ids = append(ids, m.ID)
		}
		for body := range bodies {
			if seen[body] != 1 {
				t.Errorf("VAMS holds %q %d times, want once", body, seen[body])
			}
		}
		refs, err := s.Client.ProviderRef.Query().Where(providerref.EntityTypeEQ(providerref.EntityTypeMESSAGE),
			providerref.EntityIDIn(ids...)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		perMsg, perExt := map[string]int{}, map[string]int{}
		for _, r := range refs {
			perMsg[r.EntityID]++
			perExt[r.ExternalID]++
		}
		for _, id := range ids {
			if perMsg[id] != 1 {
				t.Errorf("message %s has %d provider ids, want one", id, perMsg[id])
			}
		}
		if len(perExt) != len(simMsgs) {
			t.Errorf("VAMS's OH messages carry %d distinct provider ids, OH holds %d messages", len(perExt), len(simMsgs))
		}
	})
}
