package edge

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
)

// Bounds on the query text, checked before it is parsed: gqlparser's
// validation is quadratic in repeated fields (16,000 repetitions of one
// field cost 21 s of CPU) and the complexity limit only runs after it.
// The largest real operation (GraphiQL's introspection query) is about
// 3 KB, 400 tokens and 120 fields.
const (
	MaxQueryBytes = 32 << 10
	MaxTokens     = 5000
	MaxFields     = 500
	// MaxNodeIDs bounds nodes(ids:), like MaxPageSize bounds first.
	MaxNodeIDs = 100
	// careTeamCost is what one care team costs in the complexity count: a
	// veteran has a handful, each with fields read per team.
	careTeamCost = 10
)

// Error codes of the bounds (extensions.code).
const (
	CodeQueryTooLarge = "QUERY_TOO_LARGE"
	CodeTooManyTokens = "TOO_MANY_TOKENS"
	CodeTooManyFields = "TOO_MANY_FIELDS"
	CodeTooManyIDs    = "TOO_MANY_IDS"
)

// queryBounds refuses an oversized query text after APQ has resolved it and
// before gqlgen parses and validates it, with one cheap lexer pass. It
// counts tokens, and as fields every name in a selection set (aliases
// once, with their field; not arguments or directives), so aliases and
// repeated fields count as what validation will have to compare.
type queryBounds struct{}

func (queryBounds) ExtensionName() string                   { return "QueryBounds" }
func (queryBounds) Validate(graphql.ExecutableSchema) error { return nil }

func (queryBounds) MutateOperationParameters(_ context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if len(raw.Query) > MaxQueryBytes {
		return codedError(CodeQueryTooLarge, "The query is larger than %d bytes.", MaxQueryBytes)
	}
	tokens, fields := countQuery(raw.Query)
	if tokens > MaxTokens {
		return codedError(CodeTooManyTokens, "The query has more than %d tokens.", MaxTokens)
	}
	if fields > MaxFields {
		return codedError(CodeTooManyFields, "The query selects more than %d fields.", MaxFields)
	}
	return nil
}

// countQuery counts tokens and selected names up to the first lexical
// error (the parser reports that one) or one past the token limit.
func countQuery(q string) (tokens, fields int) {
	lx := lexer.New(&ast.Source{Input: q})
	braces, parens := 0, 0
	var prev lexer.Token
	pending := false // a name seen in a selection set, not yet known to be an alias
	for tokens <= MaxTokens {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break
		}
		tokens++
		if pending && tok.Kind != lexer.Colon {
			fields++
		}
		pending = false
		switch tok.Kind {
		case lexer.BraceL:
			braces++
		case lexer.BraceR:
			braces--
		case lexer.ParenL:
			parens++
		case lexer.ParenR:
			parens--
		case lexer.Name:
			pending = braces > 0 && parens == 0 && prev.Kind != lexer.At
		}
		prev = tok
	}
	if pending {
		fields++
	}
	return tokens, fields
}

// MutateOperationContext bounds nodes(ids:) once variables are coerced and
// before anything runs.
func (queryBounds) MutateOperationContext(_ context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	if op == nil || op.Operation != ast.Query {
		return nil
	}
	for _, sel := range op.SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || f.Name != "nodes" {
			continue
		}
		if ids, _ := f.ArgumentMap(opCtx.Variables)["ids"].([]any); len(ids) > MaxNodeIDs {
			err := codedError(CodeTooManyIDs, "nodes takes at most %d ids.", MaxNodeIDs)
			err.Extensions["field"] = "ids"
			return err
		}
	}
	return nil
}

// codedError is a GraphQL error carrying code as extensions.code.
func codedError(code, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	errcode.Set(err, code)
	return err
}

// deadline bounds how long one response may work: resolvers and SQL then
// see a cancelled context, as they do when the client goes away. It wraps
// execution, not the handler: gqlgen answers an already-expired request
// with an empty body.
type deadline time.Duration

func (deadline) ExtensionName() string                   { return "Deadline" }
func (deadline) Validate(graphql.ExecutableSchema) error { return nil }
func (d deadline) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// A subscription lives as long as its client; only its events are bounded elsewhere.
	if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Subscription {
		return next(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(d))
	defer cancel()
	return next(ctx)
}
