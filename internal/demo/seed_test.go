package demo

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/va/vams/ent/thread"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/providers/mhv/mhvsim"
	"github.com/va/vams/providers/oh/ohsim"
)

var testNow = time.Date(2026, 3, 10, 15, 4, 5, 0, time.UTC)

// Seed writes only what exists in VAMS alone, and only once.
func TestSeedIsVAMSOnlyAndIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := b.Open(t)
		ctx := viewer.System(context.Background())
		count := func() map[string]int {
			c := s.Client
			out := map[string]int{}
			for name, q := range map[string]func() (int, error){
				"veterans":   func() (int, error) { return c.Veteran.Query().Count(ctx) },
				"facilities": func() (int, error) { return c.Facility.Query().Count(ctx) },
				"folders":    func() (int, error) { return c.Folder.Query().Count(ctx) },
				"care teams": func() (int, error) { return c.CareTeam.Query().Count(ctx) },
				"threads":    func() (int, error) { return c.Thread.Query().Count(ctx) },
				"tags":       func() (int, error) { return c.Tag.Query().Count(ctx) },
			} {
				n, err := q()
				if err != nil {
					t.Fatal(err)
				}
				out[name] = n
			}
			return out
		}
		for i := range 2 {
			if err := Seed(context.Background(), s, testNow.Add(time.Duration(i)*36*time.Hour)); err != nil {
				t.Fatalf("seed %d: %v", i+1, err)
			}
			got := count()
			want := map[string]int{"veterans": 3, "facilities": len(Directory.Facilities), "folders": 3 * 4}
			for k, v := range got {
				if v != want[k] {
					t.Errorf("after seed %d: %d %s, want %d (care teams and messages come from the providers)", i+1, v, k, want[k])
				}
			}
		}
		f, err := s.Client.Facility.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		phases := 0
		for _, x := range f {
			if x.CutoverPhase == "p4" {
				phases++
			}
		}
		if phases != 1 {
			t.Errorf("%d facilities in cutover phase p4, want 1", phases)
		}
	})
}

// The script as the providers hold it: every sent thread at exactly one
// provider, in the 120 days before now, oldest message first; drafts and
// the Travel Claims folder of OH threads stay in VAMS.
func TestHistoryPlacesTheScriptAtTheProviders(t *testing.T) {
	mhv, err := MHVHistory(testNow)
	if err != nil {
		t.Fatal(err)
	}
	oh, err := OHHistory(testNow)
	if err != nil {
		t.Fatal(err)
	}
	earliest := testNow.AddDate(0, 0, -121)
	sent, drafts := 0, 0
	for _, box := range mailboxes {
		for _, st := range box {
			if st.sent() {
				sent++
			} else {
				drafts++
			}
		}
	}
	if len(mhv)+len(oh) != sent || drafts != 2 {
		t.Errorf("%d MHV + %d OH threads, want %d sent threads (%d draft-only stay in VAMS)", len(mhv), len(oh), sent, drafts)
	}
	inOrder := func(subject string, times []time.Time) {
		for i, at := range times {
			if at.After(testNow) || at.Before(earliest) || i > 0 && at.Before(times[i-1]) {
				t.Errorf("thread %q: message %d at %v out of order or outside the last 120 days", subject, i, at)
			}
		}
	}
	folders := map[string]int{}
	types := map[string]bool{}
	for _, th := range mhv {
		var times []time.Time
		for _, m := range th.Messages {
			times = append(times, m.SentAt)
			for _, f := range m.Attachments {
				sniffed := regexp.MustCompile(`;.*`).ReplaceAllString(http.DetectContentType(f.Data), "")
				if sniffed != f.MimeType || len(f.Data) == 0 {
					t.Errorf("attachment %s: type %s, content sniffs as %s", f.Name, f.MimeType, sniffed)
				}
				types[f.MimeType] = true
			}
		}
		inOrder(th.Subject, times)
		folders[th.Folder]++
	}
	for _, th := range oh {
		var times []time.Time
		for _, m := range th.Messages {
			times = append(times, m.SentAt)
		}
		inOrder(th.Subject, times)
	}
	if folders[mhvFolderDeleted] == 0 || folders[folderTravelClaims] == 0 || folders[""] == 0 {
		t.Errorf("MHV folders used: %v; want home, Deleted and Travel Claims", folders)
	}
	for _, ct := range []string{"image/png", "application/pdf", "text/plain"} {
		if !types[ct] {
			t.Errorf("no %s attachment at MHV", ct)
		}
	}
	cats := map[thread.Category]bool{}
	for _, st := range mailboxes[Veteran1ICN] {
		cats[st.Category] = true
	}
	if len(cats) < 6 {
		t.Errorf("veteran 1 threads use %d categories, want all 6", len(cats))
	}
}

// Seeding a simulator twice, or again after a restart from its state file,
// adds nothing.
func TestSeedProvidersOnce(t *testing.T) {
	dir := t.TempDir()
	mhvFile, ohFile := dir+"/"+MHVStateFile, dir+"/"+OHStateFile
	for run := range 2 {
		m, err := OpenMHV(mhvFile, MHVSeed("", ""), true, testNow)
		if err != nil {
			t.Fatal(err)
		}
		o, err := OpenOH(ohFile, OHConfig("", nil), true, testNow)
		if err != nil {
			t.Fatal(err)
		}
		if added, err := SeedMHV(m, testNow); added || err != nil {
			t.Errorf("run %d: MHV seeded again (%v, %v)", run, added, err)
		}
		if added, err := SeedOH(o, testNow); added || err != nil {
			t.Errorf("run %d: OH seeded again (%v, %v)", run, added, err)
		}
		if n := len(o.Messages(Veteran3ICN)); n == 0 {
			t.Errorf("run %d: OH holds no message of veteran 3", run)
		}
		o.Close()
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// In memory (no state file) seeding works the same.
	if added, err := SeedMHV(mhvsim.New(MHVSeed("", "")), testNow); !added || err != nil {
		t.Errorf("in-memory MHV: %v %v", added, err)
	}
	o := ohsim.New(OHConfig("", nil))
	defer o.Close()
	if added, err := SeedOH(o, testNow); !added || err != nil {
		t.Errorf("in-memory OH: %v %v", added, err)
	}
}
