package syncengine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/platform/providerkind"
	"github.com/va/vams/internal/platform/viewer"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
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
