package edge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/gqlscalar"
	"github.com/va/vams/providers"
)

// presentError is the one place domain errors become GraphQL errors. Known
// errors carry their code and field; anything else is logged under a
// correlation id and answered with a generic message, so internals (SQL,
// provider payloads) never reach a client.
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Parse, validation and coercion errors from gqlgen itself.
			// Coercion errors quote the variable's value ("<value> is not a
			// valid MessageCategory"), which may be what the veteran wrote.
			if len(gqlErr.Path) > 0 && gqlErr.Path[0] == ast.PathName("variable") {
				gqlErr.Message = "The value of " + variablePath(gqlErr.Path[1:]) + " is not valid."
			}
			return gqlErr
		}
		out := graphql.DefaultErrorPresenter(ctx, err)
		if out.Extensions == nil {
			out.Extensions = map[string]any{}
		}
		var ie *gqlscalar.InputError
		if errors.As(err, &ie) {
			out.Message = ie.Message
			out.Extensions["code"] = ie.Code
			out.Extensions["field"] = argumentName(ctx, out.Path)
			return out
		}
		if e, ok := inbox.AsError(err); ok {
			out.Message = e.Message
			out.Extensions["code"] = string(e.Code)
			if e.Field != "" {
				out.Extensions["field"] = e.Field
			}
			return out
		}
		var pe *providers.Error
		switch {
		case ent.IsNotFound(err):
			out.Message = "No such item."
			out.Extensions["code"] = string(inbox.CodeNotFound)
			return out
		case errors.As(err, &pe), errors.Is(err, providers.ErrUnavailable):
			out.Message = "This part of your messages can't be loaded right now. Try again later."
			out.Extensions["code"] = "PROVIDER_UNAVAILABLE"
			return out
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			out.Message = "The request took too long."
			out.Extensions["code"] = "TIMEOUT"
			return out
		}
		id := correlationID()
		log.ErrorContext(ctx, "internal error", "correlation_id", id, "error", err.Error(), "path", out.Path.String())
		out.Message = "Something went wrong on our end. Reference: " + id
		out.Extensions = map[string]any{"code": "INTERNAL", "correlationId": id}
		return out
	}
}

// argumentName names the argument (or input field, dotted) a coercion error
// is about: the error's path past the field's own response path, as
// viewer.threads.filter.sentAfter gives filter.sentAfter.
func argumentName(ctx context.Context, p ast.Path) string {
	n := 0
	if fc := graphql.GetFieldContext(ctx); fc != nil {
		n = len(fc.Path())
	}
	if n > len(p) {
		n = len(p)
	}
	var b strings.Builder
	for _, e := range p[n:] {
		switch e := e.(type) {
		case ast.PathName:
			if b.Len() > 0 {
				b.WriteString(".")
			}
			b.WriteString(string(e))
		case ast.PathIndex:
			b.WriteString("[" + strconv.Itoa(int(e)) + "]")
		}
	}
	return b.String()
}

// variablePath names a variable as the client wrote it: $input.category.
func variablePath(p ast.Path) string {
	var b strings.Builder
	b.WriteString("$")
	for i, e := range p {
		switch e := e.(type) {
		case ast.PathName:
			if i > 0 {
				b.WriteString(".")
			}
			b.WriteString(string(e))
		case ast.PathIndex:
			b.WriteString("[" + strconv.Itoa(int(e)) + "]")
		}
	}
	return b.String()
}

func correlationID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
