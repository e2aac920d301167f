package edge

import (
	"context"
	"errors"
	"net/http"

	"github.com/va/vams/internal/ops"
)

// The operator view (routes.go mounts these behind operator):
//
//	GET  /ops/sync                      sync status per provider
//	GET  /ops/deliveries/failed         failed deliveries, newest first
//	POST /ops/deliveries/{id}/retry     re-queue one
//	POST /ops/deliveries/{id}/recheck   one more attempt of one left unknown (it looks before it sends)
//	POST /ops/sync/{provider}/{veteranId}/release   apply a held scan's deletes
//	POST /ops/sync/{provider}/{veteranId}/discard   keep VAMS's messages instead
//	GET  /ops/notifications             circuit, pending count, failed notifications
//	POST /ops/notifications/{id}/retry  re-queue a failed one (same reference)

func (h *Handler) opsSync() http.Handler {
	return answerJSON(h, "providers", "ops sync status failed", h.cfg.Ops.Sync)
}

func (h *Handler) opsFailed() http.Handler {
	return answerJSON(h, "failed", "ops failed deliveries failed", h.cfg.Ops.FailedDeliveries)
}

func (h *Handler) opsUnknown() http.Handler {
	return answerJSON(h, "unknown", "ops unknown deliveries failed", h.cfg.Ops.UnknownDeliveries)
}

func (h *Handler) opsNotifications() http.Handler {
	return answerJSON(h, "notifications", "ops notifications failed", h.cfg.Ops.Notifications)
}

func (h *Handler) opsRetryNotification() http.Handler {
	return retry(h, "PENDING", "No such notification.", "Only failed notifications can be retried.",
		"ops notification retry failed", h.cfg.Ops.RetryNotification)
}

// answerJSON answers {key: what read returns}, or an internal error logged
// as what.
func answerJSON[T any](h *Handler, key, what string, read func(context.Context) (T, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := read(r.Context())
		if err != nil {
			internalError(h.cfg.Log, writeError, w, r, what, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{key: v})
	})
}

func (h *Handler) opsRetry() http.Handler {
	return retry(h, "QUEUED", "No such message.", "Only failed deliveries can be retried.",
		"ops retry failed", h.cfg.Ops.RetryDelivery)
}

func (h *Handler) opsRecheck() http.Handler {
	return retry(h, "SENDING", "No such message.", "Only deliveries left with an unknown outcome can be rechecked.",
		"ops recheck failed", h.cfg.Ops.RecheckDelivery)
}

// retry re-queues the item named by the path's id: 202 with its new status,
// 404 when there is none, 409 when it is not in a retryable state.
func retry(h *Handler, status, notFound, notRetryable, what string, requeue func(context.Context, string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := requeue(r.Context(), r.PathValue("id"))
		switch {
		case err == nil:
			writeJSON(w, http.StatusAccepted, map[string]string{"status": status})
		case errors.Is(err, ops.ErrNotFound):
			writeError(w, r, http.StatusNotFound, CodeNotFound, notFound)
		case errors.Is(err, ops.ErrNotRetryable):
			writeError(w, r, http.StatusConflict, CodeNotRetryable, notRetryable)
		default:
			internalError(h.cfg.Log, writeError, w, r, what, err)
		}
	})
}

// opsHeld serves release and discard of a veteran's held scans.
func (h *Handler) opsHeld(discard bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h.cfg.Ops.ReleaseHeld(r.Context(), r.PathValue("provider"), r.PathValue("veteranId"), discard)
		switch {
		case err == nil:
			writeJSON(w, http.StatusOK, map[string]string{"status": "COMPLETE"})
		case errors.Is(err, ops.ErrNotFound):
			writeError(w, r, http.StatusNotFound, CodeNotFound, "No such provider.")
		case errors.Is(err, ops.ErrNotHeld):
			writeError(w, r, http.StatusConflict, CodeNotHeld, "Nothing is held for this veteran and provider.")
		default:
			internalError(h.cfg.Log, writeError, w, r, "ops release failed", err)
		}
	})
}
