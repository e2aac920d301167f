// Package ops is the operator view: sync status per provider, failed
// deliveries with their reasons, and retrying one. Every handler requires
// the operator role; veterans get 403. Responses carry IDs, states and
// reasons, never message content.
package ops

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/va/vams/ent"
	"github.com/va/vams/ent/atomentry"
	"github.com/va/vams/ent/message"
	"github.com/va/vams/ent/syncstate"
	"github.com/va/vams/internal/platform/viewer"
)

// Handler serves /ops/.
type Handler struct {
	Client  *ent.Client
	Retry   func(ctx context.Context, messageID string) error
	Circuit func() map[string]string
}

// Routes mounts the operator endpoints on mux, each wrapped by auth (which
// must put the viewer in the request context).
func (h *Handler) Routes(mux *http.ServeMux, auth func(http.Handler) http.Handler) {
	mux.Handle("GET /ops/sync", auth(operatorOnly(http.HandlerFunc(h.sync))))
	mux.Handle("GET /ops/deliveries/failed", auth(operatorOnly(http.HandlerFunc(h.failed))))
	mux.Handle("POST /ops/deliveries/{id}/retry", auth(operatorOnly(http.HandlerFunc(h.retry))))
}

func operatorOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := viewer.FromContext(r.Context())
		if !ok || !v.Has(viewer.RoleOperator) {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "operator role required"})
			return
		}
		// Operators see across veterans, through the system context.
		next.ServeHTTP(w, r.WithContext(viewer.System(r.Context())))
	})
}

type providerSync struct {
	Provider     string     `json:"provider"`
	Veterans     int        `json:"veterans"`
	Errors       int        `json:"errors"`
	ImportsOpen  int        `json:"importsInProgress"`
	LastRunAt    *time.Time `json:"lastRunAt"`
	OldestRunAt  *time.Time `json:"oldestRunAt"`
	LastError    string     `json:"lastError,omitempty"`
	CircuitState string     `json:"circuit"`
	PendingAtom  int        `json:"pendingAnnouncements,omitempty"`
}

func (h *Handler) sync(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	states, err := h.Client.SyncState.Query().All(ctx)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "database"})
		return
	}
	circuits := map[string]string{}
	if h.Circuit != nil {
		circuits = h.Circuit()
	}
	by := map[string]*providerSync{}
	seen := map[string]map[string]bool{}
	for _, p := range []string{"MHV", "OH"} {
		by[p] = &providerSync{Provider: p, CircuitState: circuits[p]}
		seen[p] = map[string]bool{}
	}
	for _, st := range states {
		p := by[string(st.Provider)]
		seen[string(st.Provider)][st.VeteranID] = true
		if st.Status == syncstate.StatusERROR {
			p.Errors++
			p.LastError = st.LastError
		}
		if st.Scope == "import" && st.Status != syncstate.StatusCOMPLETE {
			p.ImportsOpen++
		}
		if st.Scope == "fast_scan" && st.LastRunAt != nil {
			if p.LastRunAt == nil || st.LastRunAt.After(*p.LastRunAt) {
				p.LastRunAt = st.LastRunAt
			}
			if p.OldestRunAt == nil || st.LastRunAt.Before(*p.OldestRunAt) {
				p.OldestRunAt = st.LastRunAt
			}
		}
	}
	pending, err := h.Client.AtomEntry.Query().Where(atomentry.ProcessedAtIsNil()).Count(ctx)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "database"})
		return
	}
	by["OH"].PendingAtom = pending
	out := []*providerSync{}
	for _, p := range []string{"MHV", "OH"} {
		by[p].Veterans = len(seen[p])
		out = append(out, by[p])
	}
	writeJSON(w, http.StatusOK, map[string]any{"providers": out})
}

type failedDelivery struct {
	MessageID string    `json:"messageId"`
	ThreadID  string    `json:"threadId"`
	VeteranID string    `json:"veteranId"`
	SentAt    time.Time `json:"sentAt"`
	Reason    string    `json:"reason"`
}

func (h *Handler) failed(w http.ResponseWriter, r *http.Request) {
	msgs, err := h.Client.Message.Query().Where(message.DeliveryStatusEQ(message.DeliveryStatusFAILED)).
		Select(message.FieldID, message.FieldThreadID, message.FieldVeteranID, message.FieldSentAt, message.FieldDeliveryError).
		Order(ent.Desc(message.FieldSentAt)).Limit(500).All(r.Context())
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "database"})
		return
	}
	out := make([]failedDelivery, 0, len(msgs))
	for _, m := range msgs {
		d := failedDelivery{MessageID: m.ID, ThreadID: m.ThreadID, VeteranID: m.VeteranID}
		if m.SentAt != nil {
			d.SentAt = *m.SentAt
		}
		if m.DeliveryError != nil {
			d.Reason = *m.DeliveryError
		}
		out = append(out, d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"failed": out})
}

func (h *Handler) retry(w http.ResponseWriter, r *http.Request) {
	if err := h.Retry(r.Context(), r.PathValue("id")); err != nil {
		code := http.StatusConflict
		if ent.IsNotFound(err) {
			code = http.StatusNotFound
		}
		writeJSON(w, code, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "QUEUED"})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
