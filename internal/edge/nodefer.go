package edge

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeDeferNotSupported refuses an operation using @defer.
const CodeDeferNotSupported = "DEFER_NOT_SUPPORTED"

// noDefer refuses @defer before anything runs. gqlparser's prelude declares
// the directive, so validation lets it through, but VAMS serves no
// incremental delivery transport: over plain JSON gqlgen answered the
// deferred fields as null (non-null ones too) and never sent the rest.
type noDefer struct{}

func (noDefer) ExtensionName() string                   { return "NoDefer" }
func (noDefer) Validate(graphql.ExecutableSchema) error { return nil }

func (noDefer) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	if op == nil || !defers(op.SelectionSet, map[string]bool{}) {
		return nil
	}
	return codedError(CodeDeferNotSupported, "@defer is not supported. Ask for the fields without it.")
}

// defers reports whether a selection set, with the fragments it spreads
// (each looked at once), uses @defer.
func defers(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if defers(s.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if s.Directives.ForName("defer") != nil || defers(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Directives.ForName("defer") != nil {
				return true
			}
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if defers(s.Definition.SelectionSet, seen) {
					return true
				}
			}
		}
	}
	return false
}
