package edge

import (
	"context"
	"net/http"

	"github.com/va/vams/internal/platform/ctxkey"
)

var requestIDKey = ctxkey.New[string]("request id")

// withRequestID gives every request an id, returned to the client as
// X-Request-Id and carried in the context, so a log line, an error body and
// the audit entries of one request can be joined.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := correlationID()
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(requestIDKey.With(r.Context(), id)))
	})
}

func requestID(ctx context.Context) string {
	id, _ := requestIDKey.From(ctx)
	return id
}
