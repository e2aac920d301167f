package edge

import (
	"log/slog"
	"net/http"
	"time"
)

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush lets streaming responses (SSE subscriptions) through the logger.
func (w *statusWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// logRequests logs one line per request under its request id. It logs
// method, route and status only: never query strings, bodies or tokens,
// which can carry PHI.
func logRequests(log *slog.Logger) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
			next.ServeHTTP(sw, r)
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			log.InfoContext(r.Context(), "request", "request_id", requestID(r.Context()), "method", r.Method, "route", route,
				"status", sw.status, "duration_ms", time.Since(start).Milliseconds())
		})
	}
}

// everyResponse are the security headers of every response.
var everyResponse = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
}

// baseHeaders sets everyResponse.
func baseHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w.Header(), everyResponse)
		next.ServeHTTP(w, r)
	})
}

func setHeaders(h http.Header, kv [][2]string) {
	for _, p := range kv {
		h.Set(p[0], p[1])
	}
}
