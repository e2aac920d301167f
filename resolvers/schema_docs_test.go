package resolvers_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/codegen/config"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// undocumented lists every element of doc without a description, as
// graphql-schema-linter's description rules would (types, fields,
// arguments, enum values, input fields; interfaces, unions, scalars and
// directives too). An extension's own header carries no description, but
// what it adds must be documented.
func undocumented(doc *ast.SchemaDocument) []string {
	var out []string
	miss := func(desc, format string, args ...any) {
		if strings.TrimSpace(desc) == "" {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	args := func(owner string, list ast.ArgumentDefinitionList) {
		for _, a := range list {
			miss(a.Description, "argument %s(%s)", owner, a.Name)
		}
	}
	check := func(d *ast.Definition, extension bool) {
		if !extension {
			miss(d.Description, "%s %s", d.Kind, d.Name)
		}
		for _, f := range d.Fields {
			kind := "field"
			if d.Kind == ast.InputObject {
				kind = "input field"
			}
			miss(f.Description, "%s %s.%s", kind, d.Name, f.Name)
			args(d.Name+"."+f.Name, f.Arguments)
		}
		for _, v := range d.EnumValues {
			miss(v.Description, "enum value %s.%s", d.Name, v.Name)
		}
	}
	for _, d := range doc.Definitions {
		check(d, false)
	}
	for _, d := range doc.Extensions {
		check(d, true)
	}
	for _, d := range doc.Directives {
		miss(d.Description, "directive @%s", d.Name)
		args("@"+d.Name, d.Arguments)
	}
	return out
}

// ehrName matches the name of a clinical system behind VAMS: veterans are
// never told which one holds a care team (nor are their apps).
var ehrName = regexp.MustCompile(`(?i:\bmhv\b|my\s*healthe\s*vet|\boracle\b|\bcerner\b|\bmillennium\b|\bvista\b|\behr\b)|\bOH\b`)

// apiSchema parses the schema files gqlgen builds the API from; gqlgen's
// prelude (built-in scalars, directives, introspection) is not in them.
func apiSchema(t *testing.T) []*ast.Source {
	t.Helper()
	t.Chdir("..") // gqlgen.yml names its schema files from the repository root
	cfg, err := config.LoadConfig("gqlgen.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sources) == 0 {
		t.Fatal("gqlgen.yml names no schema files")
	}
	return cfg.Sources
}

func TestSchemaIsFullyDocumented(t *testing.T) {
	for _, src := range apiSchema(t) {
		doc, err := parser.ParseSchema(src)
		if err != nil {
			t.Fatalf("%s: %v", src.Name, err)
		}
		if missing := undocumented(doc); len(missing) > 0 {
			t.Errorf("%s: %d elements have no description:\n\t%s", src.Name, len(missing), strings.Join(missing, "\n\t"))
		}
	}
}

func TestSchemaNamesNoClinicalSystem(t *testing.T) {
	for _, src := range apiSchema(t) {
		for i, line := range strings.Split(src.Input, "\n") {
			if m := ehrName.FindString(line); m != "" {
				t.Errorf("%s:%d names %q: %s", src.Name, i+1, m, strings.TrimSpace(line))
			}
		}
	}
}

// The checker itself: each synthetic schema leaves out exactly the
// descriptions listed, so a checker that finds nothing cannot pass.
func TestUndocumentedFindsEveryKindOfElement(t *testing.T) {
	for _, tc := range []struct {
		name string
		sdl  string
		want []string
	}{
		{"fully documented", `
			"d" directive @d("d" a: Int) on FIELD_DEFINITION
			"s" scalar S
			"i" interface I { "d" id: ID! }
			"t" type T implements I { "d" id: ID! "d" f("d" a: Int): S }
			"u" union U = T
			"e" enum E { "d" A }
			"n" input N { "d" x: Int }
			extend type T { "d" g: Int }`, nil},
		{"type", `type T { "d" f: Int }`, []string{"OBJECT T"}},
		{"blank description", `"  " type T { "d" f: Int }`, []string{"OBJECT T"}},
		{"field", `"t" type T { f: Int }`, []string{"field T.f"}},
		{"argument", `"t" type T { "d" f(a: Int, "d" b: Int): Int }`, []string{"argument T.f(a)"}},
		{"enum value", `"e" enum E { "d" A B }`, []string{"enum value E.B"}},
		{"input field", `"n" input N { "d" x: Int y: Int }`, []string{"input field N.y"}},
		{"interface", `interface I { "d" id: ID! }`, []string{"INTERFACE I"}},
		{"union", `"t" type T { "d" f: Int } union U = T`, []string{"UNION U"}},
		{"scalar", `scalar S`, []string{"SCALAR S"}},
		{"directive and its argument", `directive @d(a: Int) on FIELD_DEFINITION`, []string{"directive @d", "argument @d(a)"}},
		{"field added by an extension", `"t" type T { "d" f: Int } extend type T { g: Int }`, []string{"field T.g"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := parser.ParseSchema(&ast.Source{Name: tc.name, Input: tc.sdl})
			if err != nil {
				t.Fatal(err)
			}
			if got := undocumented(doc); !slices.Equal(got, tc.want) {
				t.Fatalf("undocumented = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEHRNameMatches(t *testing.T) {
	for text, names := range map[string]bool{
		"Messages from MHV":                    true,
		"stored in My HealtheVet":              true,
		"an Oracle Health facility":            true,
		"OH care teams":                        true,
		"Cerner Millennium":                    true,
		"VistA":                                true,
		"the EHR cutover":                      true,
		"moving to a new health record system": false,
		"the veteran's care team":              false,
		"oh well, this is English":             false,
	} {
		if got := ehrName.MatchString(text); got != names {
			t.Errorf("ehrName.MatchString(%q) = %v, want %v", text, got, names)
		}
	}
}
