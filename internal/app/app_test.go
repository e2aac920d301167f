package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The demo serves everything `make run` promises on one address.
func TestDemoServesPlaygroundSimulatorsAndHealth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		s := vamstest.NewSystem(t, b, vamstest.SystemOptions{DemoHistory: true})
		cases := []struct {
			path, want string
			code       int
		}{
			{"/", "GraphiQL", 200},
			{"/healthz", "ok", 200},
			{"/readyz", "database: ok", 200},
			{"/sim/mhv/control/care-teams", "Primary Care Team Blue", 200},
			{"/sim/oh/control/care-teams", "Primary Care Team Red", 200},
			{"/.well-known/jwks.json", `"keys"`, 200},
		}
		for _, c := range cases {
			code, body := get(t, s.URL+c.path)
			if code != c.code || !strings.Contains(body, c.want) {
				t.Errorf("GET %s = %d %.200q, want %d containing %q", c.path, code, body, c.code, c.want)
			}
		}
		var out struct {
			Viewer struct {
				DisplayName string
				Threads     struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		s.MustDo(demo.Veteran1ICN, `query Inbox { viewer { displayName threads(first: 20) { edges { node { id } } } } }`, nil, &out)
		if out.Viewer.DisplayName == "" || len(out.Viewer.Threads.Edges) != 20 {
			t.Fatalf("demo inbox: %+v", out)
		}
	})
}

func TestMetricsExposeOperationsOutboxProvidersAndImport(t *testing.T) {
	s := vamstest.NewSystem(t, storetest.Backends(t)[0])
	s.MustDo(demo.Veteran1ICN, `query InboxPage { viewer { unreadCount } }`, nil, &struct{}{})
	s.Do(demo.Veteran1ICN, `query Broken { node(id: "thr_nope") { id } }`, nil)
	// A reconciliation makes provider calls.
	if err := s.App.Engine.ScheduleReconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	var body string
	vamstest.Eventually(t, 10*time.Second, "provider call metrics", func() bool {
		_, body = get(t, s.URL+"/metrics")
		return strings.Contains(body, `vams_provider_call_seconds_count{call="care_teams",provider="MHV"}`)
	})
	for _, want := range []string{
		`vams_graphql_operation_seconds_count{operation="InboxPage"} 1`,
		`vams_graphql_errors_total{code="NOT_FOUND"} 1`,
		`vams_outbox_oldest_job_age_seconds`,
		`vams_provider_call_seconds_count{call="care_teams",provider="MHV"}`,
		`go_sql_open_connections{db_name="vams"}`,
		`vams_subscribers 0`,
		// The demo history was imported when the system started.
		`vams_imports_completed_total{provider="MHV"}`,
		`vams_imports_completed_total{provider="OH"}`,
		`vams_import_messages_total{provider="MHV"}`,
		`vams_imports_unfinished{provider="MHV"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, demo.Veteran1ICN) {
		t.Fatal("/metrics contains an ICN")
	}
}
