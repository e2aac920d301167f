package edge

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/va/vams/internal/domain/inbox"
	"github.com/va/vams/internal/platform/viewer"
)

// The operator's facility cutover schedules (routes.go mounts these behind
// operator), kept in the database so every instance follows the same dates:
//
//	GET /ops/cutovers                  every schedule, with its phase in force and the crosswalk entries applied
//	PUT /ops/cutovers/{stationNumber}  put one facility's schedule (the body as in VAMS_CUTOVER_SCHEDULE, one entry)

func (h *Handler) opsCutovers(w http.ResponseWriter, r *http.Request) {
	cs, err := h.cfg.Inbox.Cutovers(viewer.System(r.Context()))
	if err != nil {
		internalError(h.cfg.Log, writeError, w, r, "ops cutovers failed", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cutovers": cs})
}

func (h *Handler) opsPutCutover(w http.ResponseWriter, r *http.Request) {
	var sc inbox.CutoverSchedule
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		writeError(w, r, http.StatusBadRequest, CodeInvalidInput, "The body must be one cutover schedule as JSON.")
		return
	}
	station := r.PathValue("stationNumber")
	if sc.StationNumber != "" && sc.StationNumber != station {
		writeError(w, r, http.StatusBadRequest, CodeInvalidInput, "stationNumber differs from the one in the path.")
		return
	}
	sc.StationNumber = station
	ctx := viewer.System(r.Context())
	_, err := h.cfg.Inbox.PutCutover(ctx, sc)
	var ie *inbox.Error
	switch {
	case errors.As(err, &ie):
		writeError(w, r, http.StatusBadRequest, string(ie.Code), ie.Message)
		return
	case err != nil:
		internalError(h.cfg.Log, writeError, w, r, "ops put cutover failed", err)
		return
	}
	// A schedule whose go-live has passed takes effect now, not at the
	// next periodic run.
	if _, err := h.cfg.Inbox.ApplyCutovers(ctx); err != nil {
		internalError(h.cfg.Log, writeError, w, r, "ops apply cutovers failed", err)
		return
	}
	h.opsCutovers(w, r)
}
