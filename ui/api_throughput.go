package ui

import "net/http"

// handleThroughput sends the tasks completed and failed per minute over
// the last hour.
func (h *handler) handleThroughput(w http.ResponseWriter, r *http.Request) {
	serveRead(h, w, r, "get throughput", h.svc.Throughput)
}
