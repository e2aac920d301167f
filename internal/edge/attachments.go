package edge

import (
	"net/http"
	"strconv"

	"github.com/va/vams/ent"
	"github.com/va/vams/internal/domain/inbox"
)

// attachment serves GET /attachments/{id} to the attachment's owner; anyone
// else, like an unknown id, gets 404.
func (h *Handler) attachment(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, r, http.StatusMethodNotAllowed, CodeMethodNotAllowed, "use GET or HEAD")
		return
	}
	a, err := h.cfg.Inbox.Attachment(r.Context(), r.PathValue("id"))
	if err != nil {
		if _, ok := inbox.AsError(err); ok || ent.IsNotFound(err) {
			writeError(w, r, http.StatusNotFound, CodeNotFound, "No such attachment.")
			return
		}
		internalError(h.cfg.Log, writeError, w, r, "attachment download failed", err)
		return
	}
	w.Header().Set("Content-Type", a.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(a.Filename))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, no-store")
	if r.Method == http.MethodGet {
		_, _ = w.Write(a.Data)
	}
}
