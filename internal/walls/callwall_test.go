package walls

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// A callWall bans, in the non-test files of one package, every use (a call
// or a method value) of the methods it lists.
type callWall struct {
	name   string
	pkg    string // module-relative
	banned []method
}

// method names the methods called one of names and declared on a type of
// package pkg: one of types, or any when types is nil. A local pkg is
// module-relative.
type method struct {
	pkg   string
	local bool
	types []string
	names []string
}

var callWalls = []callWall{{
	name: "the sync engine writes through the domain core: no ent create/update/delete builder, no raw Exec",
	pkg:  "internal/syncengine",
	banned: []method{
		{pkg: "ent", local: true, names: []string{
			"Create", "CreateBulk", "MapCreateBulk", "Update", "UpdateOne", "UpdateOneID", "Delete", "DeleteOne", "DeleteOneID",
		}},
		{pkg: "ent", local: true, types: []string{"Client", "Tx"}, names: []string{"Exec", "ExecContext"}},
		{pkg: "database/sql", types: []string{"DB", "Tx", "Conn", "Stmt"}, names: []string{"Exec", "ExecContext"}},
	},
}}

// bans reports whether fn, a method, is one of m's, for module mod.
func (m method) bans(mod string, fn *types.Func) bool {
	if !slices.Contains(m.names, fn.Name()) {
		return false
	}
	named := receiver(fn)
	if named == nil || named.Obj().Pkg() == nil {
		return false
	}
	path := m.pkg
	if m.local {
		path = mod + "/" + m.pkg
	}
	return named.Obj().Pkg().Path() == path && (m.types == nil || slices.Contains(m.types, named.Obj().Name()))
}

// receiver is the named type fn is declared on (through a pointer).
func receiver(fn *types.Func) *types.Named {
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return nil
	}
	t := types.Unalias(sig.Recv().Type())
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	named, _ := t.(*types.Named)
	return named
}

// uses lists the uses of w's banned methods in pkgs (loaded with syntax and
// types, test files excluded) as "file:line: (receiver).Method", files
// relative to root.
func (w callWall) uses(mod, root string, pkgs []*packages.Package) []string {
	var out []string
	for _, p := range pkgs {
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				s := p.TypesInfo.Selections[sel]
				if s == nil || (s.Kind() != types.MethodVal && s.Kind() != types.MethodExpr) {
					return true
				}
				fn := s.Obj().(*types.Func)
				if !slices.ContainsFunc(w.banned, func(m method) bool { return m.bans(mod, fn) }) {
					return true
				}
				pos := p.Fset.Position(sel.Sel.Pos())
				file, err := filepath.Rel(root, pos.Filename)
				if err != nil {
					file = pos.Filename
				}
				recv := types.TypeString(fn.Type().(*types.Signature).Recv().Type(), (*types.Package).Name)
				out = append(out, fmt.Sprintf("%s:%d: (%s).%s", filepath.ToSlash(file), pos.Line, recv, fn.Name()))
				return true
			})
		}
	}
	return out
}

// loadTyped loads the package patterns of dir's module with syntax and types
// for their non-test files.
func loadTyped(dir string, env []string, patterns ...string) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
			packages.NeedTypes | packages.NeedTypesInfo | packages.NeedImports,
		Dir: dir,
		Env: env,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	var errs []string
	for _, p := range pkgs {
		for _, e := range p.Errors {
			errs = append(errs, e.Error())
		}
		if len(p.Syntax) == 0 {
			errs = append(errs, p.PkgPath+": no files")
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("walls: loading %v:\n%s", patterns, strings.Join(errs, "\n"))
	}
	return pkgs, nil
}

// TestCallWalls fails for every banned call in the package a call wall
// guards, naming file and line.
func TestCallWalls(t *testing.T) {
	root := moduleRoot(t)
	for _, w := range callWalls {
		pkgs, err := loadTyped(root, nil, module+"/"+w.pkg)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range w.uses(module, root, pkgs) {
			t.Errorf("%s, across the wall %q", u, w.name)
		}
	}
}

// TestCallWallFindsBannedCalls runs the sync-engine row over a stand-in
// module (testdata/entwrites) whose lines marked "// want Method" are the
// uses it must report, and nothing else: not reads, not look-alike methods
// outside ent, not test files.
func TestCallWallFindsBannedCalls(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "entwrites"))
	if err != nil {
		t.Fatal(err)
	}
	const mod = "example.com/entwrites"
	pkgs, err := loadTyped(dir, append(os.Environ(), "GOWORK=off"), mod+"/syncengine")
	if err != nil {
		t.Fatal(err)
	}
	w := callWalls[0]
	var got []string
	for _, u := range w.uses(mod, dir, pkgs) {
		file, rest, _ := strings.Cut(u, ": ")
		_, name, _ := strings.Cut(rest, ").")
		got = append(got, file+" "+name)
	}
	want := wantMarkers(t, dir, "syncengine/sync.go")
	if len(want) == 0 {
		t.Fatal("no // want markers in testdata: the test would prove nothing")
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("uses =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// wantMarkers reads "// want Method" comments as "file:line Method".
func wantMarkers(t *testing.T, dir, file string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if _, name, ok := strings.Cut(sc.Text(), "// want "); ok {
			out = append(out, fmt.Sprintf("%s:%d %s", file, line, strings.TrimSpace(name)))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
