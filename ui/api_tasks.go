package ui

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/yakser/asynqpg/internal/dashboard"
)

func (h *handler) handleStats(w http.ResponseWriter, r *http.Request) {
	stats, err := h.svc.Stats(r.Context())
	if err != nil {
		h.fail(w, r, err, "get stats")
		return
	}
	writeJSON(w, http.StatusOK, stats)
}

func (h *handler) handleTaskTypes(w http.ResponseWriter, r *http.Request) {
	types, err := h.svc.TaskTypes(r.Context())
	if err != nil {
		h.fail(w, r, err, "get task types")
		return
	}
	writeJSON(w, http.StatusOK, types)
}

func (h *handler) handleListTasks(w http.ResponseWriter, r *http.Request) {
	q, err := dashboard.ParseListQuery(r.URL.Query())
	if err != nil {
		h.fail(w, r, err, "list tasks")
		return
	}
	list, err := h.svc.List(r.Context(), q)
	if err != nil {
		h.fail(w, r, err, "list tasks")
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (h *handler) handleGetTask(w http.ResponseWriter, r *http.Request) {
	h.taskAction(w, r, "get task", h.svc.Get)
}

func (h *handler) handleRetry(w http.ResponseWriter, r *http.Request) {
	h.taskAction(w, r, "retry task", h.svc.Retry)
}

func (h *handler) handleCancel(w http.ResponseWriter, r *http.Request) {
	h.taskAction(w, r, "cancel task", h.svc.Cancel)
}

func (h *handler) handleDelete(w http.ResponseWriter, r *http.Request) {
	h.taskAction(w, r, "delete task", h.svc.Delete)
}

// taskAction runs an action on the task of the path's id and sends the
// task it returns.
func (h *handler) taskAction(w http.ResponseWriter, r *http.Request, what string,
	action func(ctx context.Context, id int64) (dashboard.TaskDetail, error),
) {
	id, err := dashboard.ParseTaskID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err, what)
		return
	}
	task, err := action(r.Context(), id)
	if err != nil {
		h.fail(w, r, err, what)
		return
	}
	writeJSON(w, http.StatusOK, task)
}

// handleGetPayload sends the payload as stored: JSON as JSON, anything
// else as bytes, never as something a browser would render.
func (h *handler) handleGetPayload(w http.ResponseWriter, r *http.Request) {
	id, err := dashboard.ParseTaskID(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err, "get task payload")
		return
	}
	payload, err := h.svc.Payload(r.Context(), id)
	if err != nil {
		h.fail(w, r, err, "get task payload")
		return
	}
	hd := w.Header()
	apiHeaders(hd)
	hd.Set("Content-Disposition", "attachment")
	if len(payload) > 0 && json.Valid(payload) {
		hd.Set("Content-Type", "application/json")
		hd.Del("Content-Disposition")
	} else {
		hd.Set("Content-Type", "application/octet-stream")
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(payload)
}

func (h *handler) handleBulkRetry(w http.ResponseWriter, r *http.Request) {
	h.bulk(w, r, "bulk retry tasks", h.svc.BulkRetry)
}

func (h *handler) handleBulkDelete(w http.ResponseWriter, r *http.Request) {
	h.bulk(w, r, "bulk delete tasks", h.svc.BulkDelete)
}

// bulk reads the body whatever its framing (a chunked body has no
// Content-Length) and runs the bulk action on what it selects.
func (h *handler) bulk(w http.ResponseWriter, r *http.Request, what string,
	action func(ctx context.Context, req dashboard.BulkRequest) (dashboard.BulkResult, error),
) {
	req, err := dashboard.DecodeBulk(r.Body)
	if err != nil {
		h.fail(w, r, err, what)
		return
	}
	res, err := action(r.Context(), req)
	if err != nil {
		h.fail(w, r, err, what)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
