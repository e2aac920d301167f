package edge_test

import (
	"net/http"
	"testing"

	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// Profiles stay off the public listener even in demo mode, where the other
// operator routes are mounted there too (the production listeners are
// checked in internal/app).
func TestDemoPublicListenerHasNoProfiles(t *testing.T) {
	e := vamstest.New(t, storetest.Backends(t)[0], vamstest.Options{Audit: true})
	op := e.Token("1000000778V000778", "operator")
	if a := call(t, http.MethodGet, e.Server.URL+"/ops/audit", op); a.status == http.StatusNotFound {
		t.Fatalf("demo mode should mount operator routes publicly; the check below would prove nothing")
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile?seconds=1", "/debug/pprof/cmdline"} {
		if a := call(t, http.MethodGet, e.Server.URL+path, op); a.status != http.StatusNotFound {
			t.Errorf("public GET %s as an operator: %d, want 404", path, a.status)
		}
	}
}
