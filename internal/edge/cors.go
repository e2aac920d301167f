package edge

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Preflight answers are cached by browsers this long.
const corsMaxAge = 600

// apiHeaders are the security headers of the API's responses.
var apiHeaders = [][2]string{
	{"Cache-Control", "no-store"},
	{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
	{"Strict-Transport-Security", "max-age=63072000; includeSubDomains"},
	{"Cross-Origin-Resource-Policy", "same-site"},
}

var (
	corsMethods = "GET, POST, OPTIONS"
	corsHeaders = "Authorization, Content-Type, Apollo-Require-Preflight, X-Apollo-Operation-Name, Idempotency-Key"
)

// cors sets the API's security headers and answers CORS for the origins
// allowed (normalized) ("scheme://host[:port]", exact match; no wildcard, since every
// response is one veteran's health record). A CORS preflight is answered
// here, before authentication: browsers never send credentials on one.
// Tokens travel in the Authorization header, not cookies, so credentials
// mode is never granted.
func cors(origins []string) middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			setHeaders(h, apiHeaders)
			origin := r.Header.Get("Origin")
			if origin == "" {
				next.ServeHTTP(w, r)
				return
			}
			h.Add("Vary", "Origin")
			allowed := slices.Contains(origins, origin)
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Add("Vary", "Access-Control-Request-Method")
				h.Add("Vary", "Access-Control-Request-Headers")
				method := r.Header.Get("Access-Control-Request-Method")
				if !allowed || (method != http.MethodGet && method != http.MethodPost) {
					w.WriteHeader(http.StatusForbidden)
					return
				}
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Methods", corsMethods)
				h.Set("Access-Control-Allow-Headers", corsHeaders)
				h.Set("Access-Control-Max-Age", strconv.Itoa(corsMaxAge))
				w.WriteHeader(http.StatusNoContent)
				return
			}
			if allowed {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Expose-Headers", "X-Request-Id")
			}
			next.ServeHTTP(w, r)
		})
	}
}

// normalizeOrigins drops trailing slashes and case differences in scheme
// and host, so configuration matches what browsers send.
func normalizeOrigins(in []string) []string {
	out := make([]string, 0, len(in))
	for _, o := range in {
		out = append(out, strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/")))
	}
	return out
}
