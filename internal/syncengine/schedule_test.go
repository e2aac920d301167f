package syncengine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/syncengine"
	"github.com/va/vams/internal/vamstest"
	"github.com/va/vams/providers"
)

// Fast scans go to veterans who are using VAMS (or not yet imported); the
// sweep reaches everyone.
func TestSchedulingFavoursActiveVeterans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		ctx := viewer.System(context.Background())
		c := s.App.Store.Client
		vets, err := c.Veteran.Query().All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byICN := map[string]string{}
		for _, v := range vets {
			byICN[v.Icn] = v.ID
			for _, k := range []providerkind.Kind{providerkind.MHV, providerkind.OH} {
				if err := s.App.Engine.Reconcile(ctx, v.ID, k); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := c.Veteran.Update().ClearLastActiveAt().Exec(ctx); err != nil {
			t.Fatal(err)
		}
		queued := func() string {
			rows, err := s.App.Store.DB.Query(`SELECT args FROM river_job WHERE kind = 'reconcile_veteran'`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var all []string
			for rows.Next() {
				var a []byte
				_ = rows.Scan(&a)
				all = append(all, string(a))
			}
			return strings.Join(all, "\n")
		}
		if _, err := s.App.Store.DB.Exec(`DELETE FROM river_job WHERE kind = 'reconcile_veteran'`); err != nil {
			t.Fatal(err)
		}
		if err := s.App.Engine.ScheduleReconcile(ctx); err != nil {
			t.Fatal(err)
		}
		if q := queued(); q != "" {
			t.Fatalf("nobody is active and everyone is imported, yet queued:\n%s", q)
		}
		s.MustDo(demo.Veteran2ICN, `{ viewer { unreadCount } }`, nil, &struct{}{}) // veteran 2 signs in
		if err := s.App.Engine.ScheduleReconcile(ctx); err != nil {
			t.Fatal(err)
		}
		q := queued()
		if !strings.Contains(q, byICN[demo.Veteran2ICN]) || strings.Contains(q, byICN[demo.Veteran1ICN]) || strings.Contains(q, byICN[demo.Veteran3ICN]) {
			t.Fatalf("only the active veteran should be queued:\n%s", q)
		}
		if err := s.App.Engine.SweepAll(ctx); err != nil {
			t.Fatal(err)
		}
		q = queued()
		for _, icn := range []string{demo.Veteran1ICN, demo.Veteran3ICN} {
			if !strings.Contains(q, byICN[icn]) {
				t.Fatalf("the sweep should reach %s:\n%s", icn, q)
			}
		}
	})
}

// The periodic scan keeps at most ImportQueue first imports of veterans who
// are not signed in waiting, continuing through the population as they
// complete; a veteran who signs in is queued ahead of them all, and one whose
// import already waits in the queue is moved to its front.
func TestSignedInVeteransImportFirstAndTheImportQueueStaysBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := b.Open(t)
		ctx := viewer.System(context.Background())
		clk := vamstest.NewClock()
		book := inbox.New(inbox.Config{Store: s, Clock: clk})
		e, err := syncengine.New(syncengine.Config{Store: s, Inbox: book, Clock: clk,
			Providers: []providers.Provider{&countingMHV{calls: &calls{clock: clk}, http: &http.Client{Transport: &calls{clock: clk}}}}, ImportQueue: 3})
		if err != nil {
			t.Fatal(err)
		}
		var vets []string // in ID order, as the queue walks them
		for i := range 7 {
			v, err := s.Client.Veteran.Create().SetIcn(fmt.Sprintf("10000000%02dV000000", i)).
				SetMhvCorrelationID(fmt.Sprintf("mhv-%d", i)).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			vets = append(vets, v.ID)
		}
		slices.Sort(vets)
		// queued lists the waiting reconciliations as "priority:veteran".
		queued := func() []string {
			args := "args::text"
			if s.Dialect == "sqlite3" {
				args = "json(args)" // River's SQLite driver stores JSONB
			}
			rows, err := s.DB.Query(`SELECT priority, ` + args + ` FROM river_job WHERE kind = 'reconcile_veteran' AND state = 'available'`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []string
			for rows.Next() {
				var p int
				var args []byte
				if err := rows.Scan(&p, &args); err != nil {
					t.Fatal(err)
				}
				var a struct {
					VeteranID string `json:"veteran_id"`
				}
				if err := json.Unmarshal(args, &a); err != nil {
					t.Fatal(err)
				}
				out = append(out, fmt.Sprintf("%d:%d", p, slices.Index(vets, a.VeteranID)))
			}
			slices.Sort(out) // by priority, then veteran
			return out
		}
		step := func(what string, want ...string) {
			t.Helper()
			if err := e.ScheduleReconcile(ctx); err != nil {
				t.Fatal(err)
			}
			if got := queued(); !slices.Equal(got, want) {
				t.Fatalf("%s: queued %v, want %v", what, got, want)
			}
		}
		signIn := func(i int) {
			if err := s.Client.Veteran.UpdateOneID(vets[i]).SetLastActiveAt(clk.Now()).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		// complete finishes the import of veterans i and takes their jobs off
		// the queue, as a worker would.
		complete := func(is ...int) {
			for _, i := range is {
				st, err := book.SyncState(ctx, providerkind.MHV, vets[i], inbox.ImportScope)
				if err != nil {
					t.Fatal(err)
				}
				if err := book.CompleteImport(ctx, st); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.DB.Exec(`DELETE FROM river_job WHERE kind = 'reconcile_veteran'`); err != nil {
				t.Fatal(err)
			}
		}

		step("first scan", "3:0", "3:1", "3:2")
		step("the queue full", "3:0", "3:1", "3:2")
		signIn(5)
		step("veteran 5 signs in", "1:5", "3:0", "3:1", "3:2")
		signIn(1)
		// Its place among the imports goes to the next veteran.
		step("veteran 1, already queued, signs in", "1:1", "1:5", "3:0", "3:2", "3:3")
		complete(0, 2, 3)
		// 1 and 5 are signed in: queued at the front, not in the import's room.
		step("three imports done", "1:1", "1:5", "3:4", "3:6")
		complete(1, 4, 5, 6)
		clk.Advance(time.Hour) // nobody is signed in any more
		step("every import done")
	})
}

// countingOH is countingMHV in OH's place.
type countingOH struct{ *countingMHV }

func (countingOH) Kind() providerkind.Kind { return providerkind.OH }

// The import queue's room is shared among the providers: a long MHV
// backlog does not keep OH's veterans out of it.
func TestTheImportQueueIsSharedAmongProviders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := b.Open(t)
		ctx := viewer.System(context.Background())
		clk := vamstest.NewClock()
		fake := func() *countingMHV {
			return &countingMHV{calls: &calls{clock: clk}, http: &http.Client{Transport: &calls{clock: clk}}}
		}
		e, err := syncengine.New(syncengine.Config{Store: s, Inbox: inbox.New(inbox.Config{Store: s, Clock: clk}), Clock: clk,
			Providers: []providers.Provider{fake(), countingOH{fake()}}, ImportQueue: 4})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			c := s.Client.Veteran.Create().SetIcn(fmt.Sprintf("10000000%02dV000000", i))
			if i < 8 {
				c.SetMhvCorrelationID(fmt.Sprintf("mhv-%d", i)) // the MHV backlog
			} else {
				c.SetOhPatientID(fmt.Sprintf("oh-%d", i))
			}
			if _, err := c.Save(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.ScheduleReconcile(ctx); err != nil {
			t.Fatal(err)
		}
		byProvider := map[string]int{}
		args := "args::text"
		if s.Dialect == "sqlite3" {
			args = "json(args)" // River's SQLite driver stores JSONB
		}
		rows, err := s.DB.Query(`SELECT ` + args + ` FROM river_job WHERE kind = 'reconcile_veteran'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var raw []byte
			if err := rows.Scan(&raw); err != nil {
				t.Fatal(err)
			}
			var a struct {
				Provider string `json:"provider"`
			}
			if err := json.Unmarshal(raw, &a); err != nil {
				t.Fatal(err)
			}
			byProvider[a.Provider]++
		}
		if byProvider[string(providerkind.MHV)] != 2 || byProvider[string(providerkind.OH)] != 2 {
			t.Fatalf("queued imports by provider %v, want 2 each of the room of 4", byProvider)
		}
	})
}
