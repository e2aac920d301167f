// Package gqlscalar reads the API's Cursor and Time scalars, so a value a
// client got wrong is a typed input error (the edge names the argument)
// rather than an untyped one the error presenter must call INTERNAL.
package gqlscalar

import (
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
)

// Codes of the input errors (extensions.code).
const (
	CodeInvalidCursor = "INVALID_CURSOR"
	CodeInvalidInput  = "INVALID_INPUT"
)

// InputError is a scalar value that does not decode. Its message is fixed
// text: the value itself may be anything the client sent.
type InputError struct {
	Code    string
	Message string
}

func (e *InputError) Error() string { return e.Message }

// MarshalCursor writes a cursor as entgql does.
func MarshalCursor(c entgql.Cursor[string]) graphql.Marshaler { return c }

// UnmarshalCursor decodes a cursor; anything that is not one VAMS made is
// INVALID_CURSOR.
func UnmarshalCursor(v any) (entgql.Cursor[string], error) {
	var c entgql.Cursor[string]
	if err := c.UnmarshalGQL(v); err != nil {
		return c, &InputError{CodeInvalidCursor, "The cursor is not valid. Pass back a cursor this list returned."}
	}
	return c, nil
}

// MarshalTime writes an instant as gqlgen does (RFC 3339, null when zero).
func MarshalTime(t time.Time) graphql.Marshaler { return graphql.MarshalTime(t) }

// UnmarshalTime reads an instant as gqlgen does (RFC 3339, or a date-time
// without offset read as UTC); anything else is INVALID_INPUT.
func UnmarshalTime(v any) (time.Time, error) {
	t, err := graphql.UnmarshalTime(v)
	if err != nil {
		return t, &InputError{CodeInvalidInput, "The date-time is not valid. Use RFC 3339, for example 2025-03-14T15:09:26Z."}
	}
	return t, nil
}
