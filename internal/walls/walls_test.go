package walls

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
)

const module = "github.com/va/vams"

// A wall keeps the packages matching from away from module packages: a
// package reaching (importing directly or through other module packages)
// one that forbid matches, or, when allow is set, one that allow does not
// match, crosses it. Patterns are module-relative: "x/..." is x and every
// package below it, anything else one package. Test files are not checked:
// a wall is about what the shipped code depends on.
type wall struct {
	name   string
	from   []string
	allow  []string
	forbid []string
}

var walls = []wall{
	{
		name:  "providers are leaves: adapters and simulators know only the provider contract and the provider kind",
		from:  []string{"providers/..."},
		allow: []string{"providers/...", "internal/platform/providerkind"},
	},
	{
		name:   "ent knows no provider",
		from:   []string{"ent/..."},
		forbid: []string{"providers/..."},
	},
	{
		name:   "resolvers reach providers only through the domain core and the provider contract",
		from:   []string{"resolvers/..."},
		forbid: []string{"providers/mhv/...", "providers/oh/...", "providers/notify/..."},
	},
	{
		name: "the domain core knows no API layer, sync orchestration or concrete provider",
		from: []string{"internal/domain/..."},
		forbid: []string{"graph/...", "resolvers/...", "internal/edge/...", "internal/ops/...",
			"internal/syncengine/...", "internal/app/...", "providers/mhv/...", "providers/oh/...", "providers/notify/..."},
	},
}

// match reports whether the module-relative package pkg matches pattern.
func match(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

func matchAny(patterns []string, pkg string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(p, pkg) })
}

// crosses reports whether a package of w's side may not reach pkg.
func (w wall) crosses(pkg string) bool {
	if w.allow != nil && !matchAny(w.allow, pkg) {
		return true
	}
	return matchAny(w.forbid, pkg)
}

// crossing is one package reaching across a wall; path runs from the
// importing package to the forbidden one.
type crossing struct {
	wall string
	path []string
}

func (c crossing) String() string {
	return fmt.Sprintf("%s imports %s (%s), across the wall %q",
		c.path[0], c.path[len(c.path)-1], strings.Join(c.path, " -> "), c.wall)
}

// check finds every crossing in graph (module-relative package -> the
// module packages it imports). From each package of a wall's side it walks
// the imports breadth first, so each forbidden package is reported with a
// shortest path, and it does not walk on through a forbidden package: what
// that one imports is its own business.
func check(ws []wall, graph map[string][]string) []crossing {
	var out []crossing
	for _, pkg := range sortedKeys(graph) {
		for _, w := range ws {
			if matchAny(w.from, pkg) {
				out = append(out, w.reach(pkg, graph)...)
			}
		}
	}
	return out
}

func (w wall) reach(start string, graph map[string][]string) []crossing {
	var out []crossing
	parent := map[string]string{start: ""}
	queue := []string{start}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, q := range graph[p] {
			if _, seen := parent[q]; seen {
				continue
			}
			parent[q] = p
			if w.crosses(q) {
				out = append(out, crossing{wall: w.name, path: pathTo(q, parent)})
				continue
			}
			queue = append(queue, q)
		}
	}
	return out
}

func pathTo(q string, parent map[string]string) []string {
	var path []string
	for ; q != ""; q = parent[q] {
		path = append(path, q)
	}
	slices.Reverse(path)
	return path
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// moduleRoot is the directory of the module's go.mod, found upwards from
// the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("walls: no go.mod above the test directory")
		}
		dir = up
	}
}

var (
	graphOnce sync.Once
	graph     map[string][]string
	graphErr  error
)

// moduleGraph loads the import graph of the module's non-test code once
// per test binary.
func moduleGraph(t *testing.T) map[string][]string {
	t.Helper()
	root := moduleRoot(t)
	graphOnce.Do(func() { graph, graphErr = loadGraph(root) })
	if graphErr != nil {
		t.Fatal(graphErr)
	}
	return graph
}

func loadGraph(root string) (map[string][]string, error) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedImports, Dir: root}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		return nil, err
	}
	g := map[string][]string{}
	var errs []string
	for _, p := range pkgs {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
		from, ok := local(p.PkgPath)
		if !ok {
			continue
		}
		g[from] = nil
		for imp := range p.Imports {
			if to, ok := local(imp); ok {
				g[from] = append(g[from], to)
			}
		}
		slices.Sort(g[from])
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("walls: loading the module:\n%s", strings.Join(errs, "\n"))
	}
	return g, nil
}

// local turns a module import path into a module-relative one.
func local(path string) (string, bool) {
	if rest, ok := strings.CutPrefix(path, module+"/"); ok {
		return rest, true
	}
	return "", false
}

// TestImportWalls fails for every package of the module that reaches across
// one of the walls.
func TestImportWalls(t *testing.T) {
	g := moduleGraph(t)
	for _, c := range check(walls, g) {
		t.Error(c)
	}
}

// TestWallsGuardRealPackages keeps the table honest: a pattern that matches
// no package (a typo, a moved directory) would make its wall hold for free.
func TestWallsGuardRealPackages(t *testing.T) {
	g := moduleGraph(t)
	pkgs := sortedKeys(g)
	for _, w := range walls {
		for _, p := range slices.Concat(w.from, w.allow, w.forbid) {
			if !slices.ContainsFunc(pkgs, func(pkg string) bool { return match(p, pkg) }) {
				t.Errorf("wall %q: pattern %q matches no package of the module", w.name, p)
			}
		}
	}
}
