package oh

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/va/vams/providers"
)

// PublicationConfig configures the endpoint that receives OH's Atom
// publication.
type PublicationConfig struct {
	Secret []byte
	// Window is how far a signature's timestamp may be from now (default 5m).
	Window time.Duration
	Now    func() time.Time
	// Store durably records the announcements before the push is
	// acknowledged; an error makes OH push again later.
	Store func(ctx context.Context, a []providers.Announcement) error
	Log   *slog.Logger
	// Reject answers a refused push; VAMS passes its one JSON error writer.
	// code is a stable machine-readable reason, message fixed text. The
	// default answers plain text.
	Reject func(w http.ResponseWriter, r *http.Request, status int, code, message string)
}

// PublicationHandler authenticates a push (HMAC over timestamp and body),
// parses it and hands the announcements to Store, answering 202 fast. An
// unsigned, tampered, stale or replayed push gets 401 and stores nothing.
func PublicationHandler(cfg PublicationConfig) http.Handler {
	if cfg.Window == 0 {
		cfg.Window = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Reject == nil {
		cfg.Reject = func(w http.ResponseWriter, _ *http.Request, status int, _, message string) {
			http.Error(w, message, status)
		}
	}
	seen := &replayCache{seen: map[string]time.Time{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			cfg.Reject(w, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "Use POST.")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxAtomBytes+1))
		if err != nil || len(body) > MaxAtomBytes {
			cfg.Reject(w, r, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "Publication too large.")
			return
		}
		now := cfg.Now()
		sig := r.Header.Get(SignatureHeader)
		if err := VerifyPublication(cfg.Secret, sig, body, now, cfg.Window); err != nil {
			cfg.Log.WarnContext(r.Context(), "publication rejected", "reason", err.Error())
			cfg.Reject(w, r, http.StatusUnauthorized, "UNAUTHENTICATED", "Publication signature missing, invalid, stale or replayed.")
			return
		}
		if !seen.first(sig, now, cfg.Window) {
			cfg.Log.WarnContext(r.Context(), "publication rejected", "reason", "replayed signature")
			cfg.Reject(w, r, http.StatusUnauthorized, "UNAUTHENTICATED", "Publication signature missing, invalid, stale or replayed.")
			return
		}
		entries, err := ParseAtom(bytes.NewReader(body))
		if err != nil {
			cfg.Log.WarnContext(r.Context(), "publication rejected", "reason", "malformed: "+err.Error())
			cfg.Reject(w, r, http.StatusBadRequest, "MALFORMED_PUBLICATION", "Publication is not a valid Atom feed.")
			return
		}
		var out []providers.Announcement
		for _, e := range entries {
			if !e.IsMessage() {
				continue
			}
			out = append(out, providers.Announcement{EntryID: e.EntryID, MessageID: e.MessageID, PatientID: e.PatientID,
				Authority: e.Authority, Updated: e.Updated})
		}
		if len(out) > 0 {
			if err := cfg.Store(r.Context(), out); err != nil {
				seen.forget(sig)
				cfg.Log.ErrorContext(r.Context(), "storing publication failed", "error", err.Error())
				cfg.Reject(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Publication not stored; push again later.")
				return
			}
		}
		w.WriteHeader(http.StatusAccepted)
	})
}

// replayCache remembers signatures inside the acceptance window, so a
// captured push cannot be replayed while its timestamp is still fresh.
type replayCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (c *replayCache) first(sig string, now time.Time, window time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, t := range c.seen {
		if now.Sub(t) > 2*window {
			delete(c.seen, k)
		}
	}
	if _, ok := c.seen[sig]; ok {
		return false
	}
	c.seen[sig] = now
	return true
}

func (c *replayCache) forget(sig string) {
	c.mu.Lock()
	delete(c.seen, sig)
	c.mu.Unlock()
}
