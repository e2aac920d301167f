package edge

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/resolvers"
)

// keyedFields are the mutations that take an idempotency key.
var keyedFields = map[string]bool{
	string(inbox.OpSendMessage): true, string(inbox.OpReplyToThread): true, string(inbox.OpSendDraft): true,
	string(inbox.OpSaveDraft): true, string(inbox.OpCreateFolder): true, string(inbox.OpCreateTag): true,
}

// headerKeyGate refuses an Idempotency-Key header on a request that runs
// several mutations, for each keyed one without its own clientMutationId:
// a header is one key, several mutations are several actions, and keying
// them all alike would answer the second with the first's result.
type headerKeyGate struct{}

func (headerKeyGate) ExtensionName() string                   { return "IdempotencyHeader" }
func (headerKeyGate) Validate(graphql.ExecutableSchema) error { return nil }

func (headerKeyGate) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Mutation" || !keyedFields[fc.Field.Name] || resolvers.IdempotencyHeaderOf(ctx) == "" {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if len(graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Mutation"})) == 1 {
		return next(ctx)
	}
	if in, ok := fc.Field.ArgumentMap(oc.Variables)["input"].(map[string]any); ok {
		if k, _ := in["clientMutationId"].(string); k != "" {
			return next(ctx)
		}
	}
	return nil, &inbox.Error{Code: inbox.CodeInvalidInput, Field: "clientMutationId",
		Message: "An Idempotency-Key header keys a request with one mutation; give each mutation its own clientMutationId."}
}
