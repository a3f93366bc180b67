package ui

import (
	"context"
	"net/http"

	"github.com/yakser/asynqpg/internal/dashboard"
)

func (h *handler) handleConsumers(w http.ResponseWriter, r *http.Request) {
	consumers, err := h.svc.Consumers(r.Context())
	if err != nil {
		h.fail(w, r, err, "list consumers")
		return
	}
	writeJSON(w, http.StatusOK, consumers)
}

func (h *handler) handlePauseType(w http.ResponseWriter, r *http.Request) {
	h.typeAction(w, r, "pause task type", h.svc.Pause)
}

func (h *handler) handleResumeType(w http.ResponseWriter, r *http.Request) {
	h.typeAction(w, r, "resume task type", h.svc.Resume)
}

// typeAction runs an action on the task type of the path and sends the
// type's new state.
func (h *handler) typeAction(w http.ResponseWriter, r *http.Request, what string,
	action func(ctx context.Context, taskType string) (dashboard.TypeState, error),
) {
	state, err := action(r.Context(), r.PathValue("type"))
	if err != nil {
		h.fail(w, r, err, what)
		return
	}
	writeJSON(w, http.StatusOK, state)
}
