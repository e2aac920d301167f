package edge

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql/errcode"
)

// Codes of transport-level request errors (extensions.code).
const (
	CodeBadRequest       = "BAD_REQUEST"
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
)

const graphQLResponseJSON = "application/graphql-response+json"

// CodeComplexityLimit is gqlgen's code for an operation over MaxComplexity
// (its constant is unexported).
const CodeComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"

// requestErrorCodes refuse a request before anything runs: like a parse or
// validation failure, they are request errors — 200 with errors (and no
// data) under application/json, 400 without data under
// application/graphql-response+json. gqlgen tells them from field errors by
// their code's kind.
var requestErrorCodes = []string{
	CodeQueryTooLarge, CodeTooManyTokens, CodeTooManyFields, CodeTooManyIDs,
	CodeQueryTooDeep, CodeComplexityLimit, CodeIntrospectionDisabled,
	CodePersistedQueryRequired, CodeDeferNotSupported,
}

func init() {
	for _, code := range requestErrorCodes {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}

// specStatus makes gqlgen's transports answer request errors as GraphQL
// over HTTP says. Under application/json (also what */* and no Accept get)
// a request error is 200 with errors, not 422: Apollo Client treats any
// non-2xx as a network error. Under application/graphql-response+json it
// stays 4xx, without a data entry. A GET mutation is 405, not 406. A body
// that is not JSON gets a fixed message: gqlgen's quotes the whole body,
// which may hold what the veteran wrote.
func specStatus(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &specWriter{ResponseWriter: w, get: r.Method == http.MethodGet}
		next.ServeHTTP(sw, r)
		sw.flush()
	})
}

// specWriter holds back a 4xx answer until the handler is done, to rewrite it.
type specWriter struct {
	http.ResponseWriter
	get     bool
	decided bool
	status  int // held status; 0 when passing through
	buf     bytes.Buffer
}

func (w *specWriter) WriteHeader(code int) {
	if w.decided {
		return
	}
	w.decided = true
	if code >= 400 && code < 500 && code != http.StatusRequestEntityTooLarge {
		w.status = code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *specWriter) Write(p []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.status != 0 {
		return w.buf.Write(p)
	}
	return w.ResponseWriter.Write(p)
}

// Flush passes streamed (SSE) answers through; a held one waits for flush.
func (w *specWriter) Flush() {
	if w.status == 0 {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

func (w *specWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *specWriter) flush() {
	if w.status == 0 {
		return
	}
	var resp struct {
		Errors []map[string]any `json:"errors"`
	}
	if json.Unmarshal(w.buf.Bytes(), &resp) != nil || len(resp.Errors) == 0 {
		w.ResponseWriter.WriteHeader(w.status)
		_, _ = w.ResponseWriter.Write(w.buf.Bytes())
		return
	}
	status := w.status
	msg, _ := resp.Errors[0]["message"].(string)
	ext, _ := resp.Errors[0]["extensions"].(map[string]any)
	switch {
	case w.get && status == http.StatusNotAcceptable:
		status = http.StatusMethodNotAllowed
		w.Header().Set("Allow", "POST")
		resp.Errors = []map[string]any{transportError("Mutations must be sent with POST.", CodeMethodNotAllowed)}
	// gqlgen's own transport errors carry no code; the presenter may
	// already have made them INTERNAL.
	case strings.HasPrefix(msg, "json request body could not be decoded"), ext["code"] == "INTERNAL":
		resp.Errors = []map[string]any{transportError("The request body is not valid JSON.", CodeBadRequest)}
	case w.Header().Get("Content-Type") != graphQLResponseJSON && status == http.StatusUnprocessableEntity:
		status = http.StatusOK
	}
	for _, e := range resp.Errors {
		if ext, _ := e["extensions"].(map[string]any); ext["code"] == nil {
			e["extensions"] = map[string]any{"code": CodeBadRequest}
		}
	}
	out, _ := json.Marshal(resp)
	w.ResponseWriter.WriteHeader(status)
	_, _ = w.ResponseWriter.Write(out)
}

func transportError(msg, code string) map[string]any {
	return map[string]any{"message": msg, "extensions": map[string]any{"code": code}}
}
