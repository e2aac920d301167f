package edge

import (
	"context"
	"net/http"
)

type requestIDKey struct{}

// withRequestID gives every request an id, returned to the client as
// X-Request-Id and carried in the context, so a log line, an error body and
// the audit entries of one request can be joined.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := correlationID()
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
