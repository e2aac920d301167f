package edge

import (
	"encoding/json"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/va/vams/internal/auth"
)

// Codes of the edge's own error bodies (error.code).
const (
	CodeForbidden    = "FORBIDDEN"
	CodeInvalidInput = "INVALID_INPUT"
	CodeNotFound     = "NOT_FOUND"
	CodeNotRetryable = "NOT_RETRYABLE"
	CodeNotHeld      = "NOT_HELD"
	CodeInternal     = "INTERNAL"
)

// ErrorBody is the one error shape of every endpoint but /graphql, which
// answers in GraphQL's own (writeGraphQLError, the error presenter):
//
//	{"error":{"code":"FORBIDDEN","message":"operator role required","requestId":"…"}}
type ErrorBody struct {
	Error struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		RequestID string `json:"requestId,omitempty"`
	} `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with the one error shape; message must be fixed text,
// never an error's (it could name SQL, tables or a provider's payload).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	var b ErrorBody
	b.Error.Code, b.Error.Message, b.Error.RequestID = code, message, requestID(r.Context())
	writeJSON(w, status, b)
}

// WriteError is writeError for handlers built outside the edge (the OH
// publication intake), so they refuse in the same shape.
func WriteError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeError(w, r, status, code, message)
}

// writeGraphQLError answers /graphql's own refusals (authentication, body
// size) before any GraphQL runs, in the GraphQL response shape and the
// media type the client asked for.
func writeGraphQLError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	type ext struct {
		Code string `json:"code"`
	}
	type gqlError struct {
		Message    string `json:"message"`
		Extensions ext    `json:"extensions"`
	}
	body, _ := json.Marshal(struct {
		Errors []gqlError `json:"errors"`
	}{[]gqlError{{message, ext{code}}}})
	w.Header().Set("Content-Type", responseMediaType(r))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// responseMediaType picks the media type of a GraphQL answer from Accept as
// gqlgen's transports do, so a refusal before GraphQL runs comes in the
// same type as the answer would have: the first of application/json (also
// for */*, application/* and no Accept) or
// application/graphql-response+json listed; the latter when neither is.
func responseMediaType(r *http.Request) string {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return "application/json"
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", "application/json":
			return "application/json"
		case graphQLResponseJSON:
			return graphQLResponseJSON
		}
	}
	return graphQLResponseJSON
}

// preferListedJSON drops text/event-stream from an Accept that lists a JSON
// type before it. gqlgen's SSE transport claims every POST whose Accept
// names text/event-stream at all, and urql names it, after
// application/graphql-response+json, on every query: those were answered
// as event streams (200 even for a request error, and each took one of the
// veteran's connection slots). A client that lists text/event-stream first
// (graphql-sse, urql's subscriptions) still streams.
func preferListedJSON(h http.Header) {
	var keep []string
	listedJSON, stream := false, false
	for part := range strings.SplitSeq(h.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		switch {
		case err != nil:
		case mt == "text/event-stream" && !listedJSON:
			return
		case mt == "text/event-stream":
			stream = true
			continue
		case mt == "*/*", mt == "application/*", mt == "application/json", mt == graphQLResponseJSON:
			listedJSON = true
		}
		keep = append(keep, part)
	}
	if stream {
		h.Set("Accept", strings.Join(keep, ","))
	}
}

// internalError logs err under the request id and answers 500 in the
// endpoint's shape without err's text.
func internalError(log *slog.Logger, write errorWriter, w http.ResponseWriter, r *http.Request, what string, err error) {
	log.ErrorContext(r.Context(), what, "request_id", requestID(r.Context()), "error", err.Error())
	write(w, r, http.StatusInternalServerError, CodeInternal, "internal error")
}

// errorWriter is writeError or writeGraphQLError.
type errorWriter = auth.ErrorWriter
