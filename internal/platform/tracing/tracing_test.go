package tracing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/va/vams/internal/demo"
	"github.com/va/vams/internal/store/storetest"
	"github.com/va/vams/internal/vamstest"
)

// A send is traced from GraphQL through SQL to the provider's HTTP API, and
// no span carries the subject, body or ICN.
func TestTracesCrossLayersWithoutPHI(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	s := vamstest.NewSystem(t, storetest.Backends(t)[0])
	var teams struct {
		Viewer struct{ CareTeams []struct{ ID, Name string } }
	}
	s.MustDo(demo.Veteran1ICN, `{ viewer { careTeams { id name } } }`, nil, &teams)
	var team string
	for _, ct := range teams.Viewer.CareTeams {
		if ct.Name == "Primary Care Team Red" {
			team = ct.ID
		}
	}
	const subject, body = "Knee brace fitting", "My left knee brace pinches"
	s.MustDo(demo.Veteran1ICN, `mutation Send($c: ID!) { sendMessage(input: {careTeamId: $c, category: OTHER, subject: "`+subject+`", body: "`+body+`"}) { message { id } } }`,
		map[string]any{"c": team}, &struct{}{})
	want := map[string]bool{"graphql Send": false, "graphql.field sendMessage": false, "db.query": false, "provider POST": false}
	vamstest.Eventually(t, 10*time.Second, "spans of every layer", func() bool {
		for _, sp := range rec.Ended() {
			if _, ok := want[sp.Name()]; ok {
				want[sp.Name()] = true
			}
		}
		for _, seen := range want {
			if !seen {
				return false
			}
		}
		return true
	})
	_ = tp.ForceFlush(context.Background())
	for _, sp := range rec.Ended() {
		text := sp.Name()
		for _, a := range sp.Attributes() {
			text += " " + a.Value.Emit()
		}
		for _, secret := range []string{subject, body, demo.Veteran1ICN, "20000001"} {
			if strings.Contains(text, secret) {
				t.Fatalf("span %q carries %q", sp.Name(), secret)
			}
		}
	}
}
