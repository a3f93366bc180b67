package ui

import "net/http"

func (h *handler) handleConsumers(w http.ResponseWriter, r *http.Request) {
	serveRead(h, w, r, "list consumers", h.svc.Consumers)
}

func (h *handler) handlePauseType(w http.ResponseWriter, r *http.Request) {
	serve(h, w, r, "pause task type", pathType, h.svc.Pause)
}

func (h *handler) handleResumeType(w http.ResponseWriter, r *http.Request) {
	serve(h, w, r, "resume task type", pathType, h.svc.Resume)
}

// pathType reads the task type of the request's path.
func pathType(r *http.Request) (string, error) { return r.PathValue("type"), nil }
