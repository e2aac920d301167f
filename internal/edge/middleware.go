package edge

import (
	"context"
	"net/http"

	"github.com/va/vams/internal/auth"
	"github.com/va/vams/internal/platform/viewer"
)

// middleware wraps a handler; routes.go composes them per route.
type middleware func(http.Handler) http.Handler

// chain wraps h in mws, the first outermost.
func chain(h http.Handler, mws ...middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

// veteran lets through verified callers only, as the veteran their token
// names (enrolling one seen for the first time); write answers refusals in
// the endpoint's shape.
func (h *Handler) veteran(write errorWriter) middleware {
	return func(next http.Handler) http.Handler {
		return auth.Middleware(h.cfg.Verifier, write, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			claims, _ := auth.ClaimsFrom(r.Context())
			v, err := h.viewerFor(r.Context(), claims)
			if err != nil {
				internalError(h.cfg.Log, write, w, r, "resolving viewer failed", err)
				return
			}
			next.ServeHTTP(w, r.WithContext(viewer.NewContext(r.Context(), v)))
		}))
	}
}

// verify authenticates r's Authorization header as veteran does, for
// transports that carry the token elsewhere (WebSocket connection_init).
func (h *Handler) verify(ctx context.Context, r *http.Request) (viewer.Viewer, auth.Claims, error) {
	tok, err := auth.BearerToken(r)
	if err != nil {
		return viewer.Viewer{}, auth.Claims{}, err
	}
	claims, err := h.cfg.Verifier.Verify(ctx, tok)
	if err != nil {
		return viewer.Viewer{}, auth.Claims{}, err
	}
	v, err := h.viewerFor(ctx, claims)
	if err != nil {
		h.cfg.Log.ErrorContext(ctx, "resolving viewer failed", "request_id", requestID(ctx), "error", err.Error())
	}
	return v, claims, err
}

// viewerFor turns verified claims into the veteran viewer (enrolling one
// seen for the first time).
func (h *Handler) viewerFor(ctx context.Context, claims auth.Claims) (viewer.Viewer, error) {
	vid, err := h.cfg.Inbox.Enroll(ctx, claims.ICN)
	if err != nil {
		return viewer.Viewer{}, err
	}
	return viewer.Viewer{VeteranID: vid, ICN: claims.ICN}, nil
}

// operator is the one check of the operator endpoints: a token verified by
// the same verifier as veterans', carrying the operator role. The caller is
// never enrolled as a veteran and acts as no veteran; handlers read their
// claims (auth.ClaimsFrom).
func (h *Handler) operator(next http.Handler) http.Handler {
	return auth.Middleware(h.cfg.Verifier, writeError, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := auth.ClaimsFrom(r.Context())
		if !claims.HasRole(viewer.RoleOperator) {
			writeError(w, r, http.StatusForbidden, CodeForbidden, "operator role required")
			return
		}
		next.ServeHTTP(w, r)
	}))
}
