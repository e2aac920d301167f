package notifysim

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// maxTokenAge is how far a token's iat may be from the service's clock
// (GOV.UK Notify, which VA Notify derives from, allows 30 seconds).
const maxTokenAge = 30 * time.Second

// authed refuses calls without a fresh token of the configured service.
func (s *Simulator) authed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if msg := s.checkToken(r.Header.Get("Authorization")); msg != "" {
			apiError(w, http.StatusForbidden, "AuthError", msg)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Simulator) checkToken(header string) string {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok {
		return "Unauthorized, authentication token must be provided"
	}
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.HS256})
	if err != nil {
		return "Invalid token: signature, api token is not valid"
	}
	var c jwt.Claims
	if err := tok.Claims([]byte(s.cfg.Secret), &c); err != nil {
		return "Invalid token: signature, api token is not valid"
	}
	if c.Issuer != s.cfg.ServiceID {
		return "Invalid token: service not found"
	}
	if c.IssuedAt == nil {
		return "Invalid token: iat field not provided"
	}
	if d := s.cfg.Now().Sub(c.IssuedAt.Time()); d > maxTokenAge || d < -maxTokenAge {
		return "Error: Your system clock must be accurate to within 30 seconds"
	}
	return ""
}
