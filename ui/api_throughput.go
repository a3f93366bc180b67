package ui

import "net/http"

// handleThroughput sends the tasks completed and failed per minute over
// the last hour.
func (h *handler) handleThroughput(w http.ResponseWriter, r *http.Request) {
	t, err := h.svc.Throughput(r.Context())
	if err != nil {
		h.fail(w, r, err, "get throughput")
		return
	}
	writeJSON(w, http.StatusOK, t)
}
