package mhvsim

import (
	"net/http"
	"strings"
	"time"
)

// Sessions and authentication: application credentials, session tokens.

// appCredential checks an application credential header (x-api-key,
// appToken) when the seed configures one; MHV refuses a mismatch with 101.
func appCredential(w http.ResponseWriter, r *http.Request, header, want string) bool {
	if want != "" && r.Header.Get(header) != want {
		mhvError(w, http.StatusUnauthorized, 101, "", "Application Authentication Failed")
		return false
	}
	return true
}

// userCredential checks the application key every call carries (x-api-key),
// then reads the header naming the user (mhvCorrelationId) or session
// (Token); MHV answers a missing one with 104 and the given status.
func (s *Simulator) userCredential(w http.ResponseWriter, r *http.Request, header string, status int) (string, bool) {
	if !appCredential(w, r, "x-api-key", s.seed.APIKey) {
		return "", false
	}
	v := r.Header.Get(header)
	if v == "" {
		mhvError(w, status, 104, "", "Missing User Credentials")
		return "", false
	}
	return v, true
}

// session issues a token in the Token header and its expiry in Expires, with
// an empty body, as recorded (session.yml).
func (s *Simulator) session(w http.ResponseWriter, r *http.Request) {
	// Either application credential wrong is the same 101, so which is
	// checked first does not show.
	if !appCredential(w, r, "appToken", s.seed.AppToken) {
		return
	}
	corr, ok := s.userCredential(w, r, "mhvCorrelationId", http.StatusBadRequest)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.patients[corr]; !ok {
		mhvError(w, http.StatusBadRequest, 105, "", "User was not found")
		return
	}
	tok := newToken()
	exp := s.now().Add(s.ttl).UTC().Truncate(time.Second)
	s.tokens[tok] = tokenInfo{corr: corr, expires: exp}
	s.issued++
	w.Header().Set("Token", tok)
	w.Header().Set("Expires", exp.Format(http.TimeFormat))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// authed resolves the Token header to a patient and holds the state lock
// for the handler. Expired or unknown tokens get 401 with code 103.
func (s *Simulator) authed(h func(http.ResponseWriter, *http.Request, *patient)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := s.userCredential(w, r, "Token", http.StatusUnauthorized)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		ti, ok := s.tokens[tok]
		if !ok || !s.now().Before(ti.expires) {
			delete(s.tokens, tok)
			mhvError(w, http.StatusUnauthorized, 103, "", "Invalid User Credentials")
			return
		}
		h(w, r, s.patients[ti.corr])
		// Every write, and a read (which marks the message read), may have
		// changed the state: schedule a save.
		if r.Method != http.MethodGet || strings.HasSuffix(r.URL.Path, "/read") {
			s.changed()
		}
	}
}
