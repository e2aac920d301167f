package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// River's UI serves operators the job queue (here a signed-in veteran's
// reconciliation) through VAMS's operator check, on both databases.
func TestJobsUIShowsOperatorsTheJobQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b)
		op, err := s.App.Issuer.Issue("1000000778V000778", time.Hour, "operator")
		if err != nil {
			t.Fatal(err)
		}
		// A veteran signs in, and the periodic scan queues their reconciliation.
		s.MustDo(demo.Veteran1ICN, `{ viewer { unreadCount } }`, nil, &struct{}{})
		if err := s.App.Engine.ScheduleReconcile(context.Background()); err != nil {
			t.Fatal(err)
		}
		vamstest.Eventually(t, 10*time.Second, "the reconciliation in the job list", func() bool {
			var jobs struct {
				Data []struct {
					Kind string `json:"kind"`
				} `json:"data"`
			}
			if code := s.Call(http.MethodGet, "/ops/jobs/api/jobs?state=completed&kinds=reconcile_veteran&limit=100", op, &jobs); code != http.StatusOK {
				t.Fatalf("operator: job list %d", code)
			}
			return len(jobs.Data) > 0 && jobs.Data[0].Kind == "reconcile_veteran"
		})
		for _, c := range []struct {
			name, path, token string
			want              int
		}{
			{"operator, the UI", "/ops/jobs/", op, http.StatusOK},
			{"operator, queues", "/ops/jobs/api/queues", op, http.StatusOK},
			{"a veteran", "/ops/jobs/api/jobs?state=completed", s.Token(demo.Veteran1ICN), http.StatusForbidden},
			{"no token", "/ops/jobs/", "", http.StatusUnauthorized},
		} {
			if code := s.Call(http.MethodGet, c.path, c.token, nil); code != c.want {
				t.Errorf("%s: GET %s = %d, want %d", c.name, c.path, code, c.want)
			}
		}
	})
}
