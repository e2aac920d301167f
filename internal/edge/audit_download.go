package edge

import (
	"context"
	"net/http"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
)

// auditDownload records an attachment download (action export), and a
// refused one as an error: asking for another veteran's file is worth
// knowing about.
func (h *Handler) auditDownload(next http.Handler) http.Handler {
	if h.cfg.Audit == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		if r.Method != http.MethodGet {
			return
		}
		outcome := audit.OutcomeOK
		switch {
		case sw.status == http.StatusNotFound:
			outcome = audit.OutcomeError + ":" + string(inbox.CodeNotFound)
		case sw.status >= 400:
			outcome = audit.OutcomeError
		}
		typ, target := audit.Target(r.PathValue("id"))
		v, _ := viewer.FromContext(r.Context())
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), auditFlushTimeout)
		defer cancel()
		err := h.cfg.Audit.Record(ctx, audit.Event{Actor: h.cfg.Audit.Actor(v.ICN), Action: audit.ActionExport,
			TargetType: typ, TargetID: target, Outcome: outcome, RequestID: requestID(r.Context())})
		if err != nil {
			h.cfg.Log.ErrorContext(ctx, "audit append failed", "request_id", requestID(r.Context()), "error", err.Error())
		}
	})
}
