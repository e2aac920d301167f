package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/va/vams/internal/platform/ctxkey"
)

var claimsKey = ctxkey.New[Claims]("auth claims")

// WithClaims returns ctx carrying the verified caller.
func WithClaims(ctx context.Context, c Claims) context.Context {
	return claimsKey.With(ctx, c)
}

// ClaimsFrom returns the verified caller put there by Middleware or WithClaims.
func ClaimsFrom(ctx context.Context) (Claims, bool) {
	return claimsKey.From(ctx)
}

// Codes of a refused request, as the endpoint reports them.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeUnavailable     = "AUTH_UNAVAILABLE"
)

// ErrorWriter answers a refused request in the shape of the endpoint it was
// meant for (GraphQL errors, or the edge's JSON error body).
type ErrorWriter func(w http.ResponseWriter, r *http.Request, status int, code, message string)

// Middleware lets through only requests with a valid "Authorization: Bearer"
// token, with its Claims in the request context. A missing or bad token gets
// 401; if the signing keys cannot be fetched it answers 503, so clients retry
// instead of sending the veteran back to log in. It sets WWW-Authenticate or
// Retry-After; refuse writes the body.
func Middleware(v *Verifier, refuse ErrorWriter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, err := BearerToken(r)
		var claims Claims
		if err == nil {
			claims, err = v.Verify(r.Context(), tok)
		}
		switch {
		case err == nil:
			next.ServeHTTP(w, r.WithContext(WithClaims(r.Context(), claims)))
		case errors.Is(err, ErrJWKSUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			w.Header().Set("Retry-After", "5")
			refuse(w, r, http.StatusServiceUnavailable, CodeUnavailable, "authentication temporarily unavailable")
		case errors.Is(err, ErrMissingToken):
			// RFC 6750 §3.1: no error code when no credentials were sent.
			w.Header().Set("WWW-Authenticate", `Bearer realm="vams"`)
			refuse(w, r, http.StatusUnauthorized, CodeUnauthenticated, "authentication required")
		default:
			w.Header().Set("WWW-Authenticate", `Bearer realm="vams", error="invalid_token"`)
			refuse(w, r, http.StatusUnauthorized, CodeUnauthenticated, "authentication required")
		}
	})
}

// BearerToken extracts the token from the request's Authorization header. It
// returns ErrMissingToken when there is none and ErrMalformedToken when the
// header is not a single well-formed Bearer credential.
func BearerToken(r *http.Request) (string, error) {
	vals := r.Header.Values("Authorization")
	switch len(vals) {
	case 0:
		return "", ErrMissingToken
	case 1:
	default:
		return "", ErrMalformedToken // ambiguous: which one would we trust?
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", ErrMalformedToken
	}
	tok = strings.TrimSpace(tok)
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", ErrMalformedToken
	}
	return tok, nil
}
