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
	// Replays remembers accepted pushes; the default is this process's
	// memory, which a restart or a second instance does not share.
	Replays ReplayCache
	Log     *slog.Logger
	// Reject answers a refused push; VAMS passes its one JSON error writer.
	// code is a stable machine-readable reason, message fixed text. The
	// default answers plain text.
	Reject func(w http.ResponseWriter, r *http.Request, status int, code, message string)
}

// ReplayCache records accepted publications by what was signed (key) until
// their signature goes stale (expires).
type ReplayCache interface {
	// FirstPublication is false when key was recorded before: a replay.
	FirstPublication(ctx context.Context, key string, expires time.Time) (bool, error)
	// ForgetPublication drops key, so a push whose announcements could not
	// be stored is accepted when the provider retries it.
	ForgetPublication(ctx context.Context, key string) error
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
	if cfg.Replays == nil {
		cfg.Replays = &memoryReplays{seen: map[string]time.Time{}, now: cfg.Now}
	}
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
		key, expires, err := verifyPublication(cfg.Secret, sig, body, now, cfg.Window)
		if err != nil {
			cfg.Log.WarnContext(r.Context(), "publication rejected", "reason", err.Error())
			cfg.Reject(w, r, http.StatusUnauthorized, "UNAUTHENTICATED", "Publication signature missing, invalid, stale or replayed.")
			return
		}
		first, err := cfg.Replays.FirstPublication(r.Context(), key, expires)
		if err != nil {
			cfg.Log.ErrorContext(r.Context(), "recording publication failed", "error", err.Error())
			cfg.Reject(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Publication not stored; push again later.")
			return
		}
		if !first {
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
				if ferr := cfg.Replays.ForgetPublication(r.Context(), key); ferr != nil {
					cfg.Log.ErrorContext(r.Context(), "forgetting publication failed", "error", ferr.Error())
				}
				cfg.Log.ErrorContext(r.Context(), "storing publication failed", "error", err.Error())
				cfg.Reject(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Publication not stored; push again later.")
				return
			}
		}
		w.WriteHeader(http.StatusAccepted)
	})
}

// memoryReplays is the in-process ReplayCache.
type memoryReplays struct {
	mu   sync.Mutex
	seen map[string]time.Time // key → expiry
	now  func() time.Time
}

func (c *memoryReplays) FirstPublication(_ context.Context, key string, expires time.Time) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for k, exp := range c.seen {
		if now.After(exp) {
			delete(c.seen, k)
		}
	}
	if _, ok := c.seen[key]; ok {
		return false, nil
	}
	c.seen[key] = expires
	return true, nil
}

func (c *memoryReplays) ForgetPublication(_ context.Context, key string) error {
	c.mu.Lock()
	delete(c.seen, key)
	c.mu.Unlock()
	return nil
}
