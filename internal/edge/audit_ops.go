package edge

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/va/vams/internal/audit"
	"github.com/va/vams/internal/auth"
)

// The audit trail, for operators (routes.go mounts these behind operator):
//
//	GET /ops/audit?actor=&since=&limit=   entries, oldest first (JSON)
//	GET /ops/audit/verify                 walks the chain; 200 with its head, or 409 naming the first broken entry
//
// actor is a keyed actor as recorded, or an ICN, which is keyed here; since
// is RFC 3339. Operators' own queries are audited too.

var hexActor = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (h *Handler) auditQuery(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := audit.Filter{Actor: q.Get("actor")}
	if f.Actor != "" && !hexActor.MatchString(f.Actor) {
		f.Actor = h.cfg.Audit.Actor(f.Actor)
	}
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			writeError(w, r, http.StatusBadRequest, CodeInvalidInput, "since must be an RFC 3339 time")
			return
		}
		f.Since = t
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, r, http.StatusBadRequest, CodeInvalidInput, "limit must be a positive number")
			return
		}
		f.Limit = n
	}
	entries, err := h.cfg.Audit.Query(r.Context(), f)
	h.recordOperator(r, audit.ActionQuery, err)
	if err != nil {
		internalError(h.cfg.Log, writeError, w, r, "audit query failed", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
}

func (h *Handler) auditVerify(w http.ResponseWriter, r *http.Request) {
	head, err := h.cfg.Audit.Verify(r.Context())
	var broken *audit.BrokenError
	switch {
	case errors.As(err, &broken):
		h.recordOperator(r, "auditVerify", nil)
		writeJSON(w, http.StatusConflict, map[string]any{"ok": false, "brokenAt": broken.ID, "reason": broken.Reason, "verified": head})
	case err != nil:
		h.recordOperator(r, "auditVerify", err)
		internalError(h.cfg.Log, writeError, w, r, "audit verify failed", err)
	default:
		h.recordOperator(r, "auditVerify", nil)
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "head": head})
	}
}

func (h *Handler) recordOperator(r *http.Request, action string, err error) {
	claims, _ := auth.ClaimsFrom(r.Context())
	rid := requestID(r.Context())
	if rerr := h.cfg.Audit.Record(context.WithoutCancel(r.Context()), audit.Event{Actor: h.cfg.Audit.Actor(claims.ICN),
		Action: action, Outcome: outcomeOf(err), RequestID: rid}); rerr != nil {
		h.cfg.Log.ErrorContext(r.Context(), "audit append failed", "request_id", rid, "error", rerr.Error())
	}
}
