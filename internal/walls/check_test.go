package walls

import (
	"slices"
	"strings"
	"testing"
)

// TestCheckFindsCrossings runs the real wall table over made-up import
// graphs, so the walls test cannot pass because the checker sees nothing.
func TestCheckFindsCrossings(t *testing.T) {
	tests := []struct {
		name  string
		graph map[string][]string
		want  []string // paths, " -> " joined
	}{
		{
			name:  "a provider importing the provider kind and its own packages is fine",
			graph: map[string][]string{"providers/mhv": {"internal/platform/providerkind", "providers", "providers/mhv/mhvsim"}},
		},
		{
			name:  "a provider importing the store crosses the allow-list",
			graph: map[string][]string{"providers/oh": {"providers", "internal/store"}},
			want:  []string{"providers/oh -> internal/store"},
		},
		{
			name: "a provider reaching ent through another package crosses, reported once at the first forbidden hop",
			graph: map[string][]string{
				"providers/oh/ohsim": {"providers/oh"},
				"providers/oh":       {"internal/store"},
				"internal/store":     {"ent"},
			},
			want: []string{"providers/oh -> internal/store", "providers/oh/ohsim -> providers/oh -> internal/store"},
		},
		{
			name:  "ent importing a provider crosses",
			graph: map[string][]string{"ent/schema": {"providers/mhv"}},
			want:  []string{"ent/schema -> providers/mhv"},
		},
		{
			name:  "resolvers may use the provider contract",
			graph: map[string][]string{"resolvers": {"providers", "internal/domain/inbox"}},
		},
		{
			name:  "resolvers importing a simulator cross",
			graph: map[string][]string{"resolvers": {"providers/mhv/mhvsim"}},
			want:  []string{"resolvers -> providers/mhv/mhvsim"},
		},
		{
			name: "the domain core reaching graph through a helper crosses",
			graph: map[string][]string{
				"internal/domain/inbox": {"internal/loaders"},
				"internal/loaders":      {"graph/model"},
			},
			want: []string{"internal/domain/inbox -> internal/loaders -> graph/model"},
		},
		{
			name:  "the domain core importing the HTTP edge crosses",
			graph: map[string][]string{"internal/domain/events": {"internal/edge"}},
			want:  []string{"internal/domain/events -> internal/edge"},
		},
		{
			name:  "a look-alike name is not below the pattern",
			graph: map[string][]string{"internal/domainx": {"graph"}, "resolvers": {"providers/ohx"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range check(walls, tt.graph) {
				got = append(got, strings.Join(c.path, " -> "))
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("crossings = %q, want %q", got, want)
			}
		})
	}
}

// TestCrossingNamesImporterImportAndWall checks the failure message says
// who imports what, and which wall it crosses.
func TestCrossingNamesImporterImportAndWall(t *testing.T) {
	cs := check(walls, map[string][]string{"ent": {"internal/x"}, "internal/x": {"providers/oh"}})
	if len(cs) != 1 {
		t.Fatalf("crossings = %v, want one", cs)
	}
	msg := cs[0].String()
	for _, part := range []string{"ent imports providers/oh", "ent -> internal/x -> providers/oh", `"ent knows no provider"`} {
		if !strings.Contains(msg, part) {
			t.Errorf("message %q lacks %q", msg, part)
		}
	}
}
