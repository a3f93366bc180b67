package ui

import "context"
import "encoding/json"
import "net/http"

import "github.com/yakser/asynqpg/internal/dashboard"

// serve answers a request with what act, one of the service's
// operations, returns for the argument parse reads from the request: its
// value as JSON, or the first error (what names the operation).
func serve[A, T any](h *handler, w http.ResponseWriter, r *http.Request, what string,
	parse func(*http.Request) (A, error), act func(context.Context, A) (T, error),
) {
	arg, err := parse(r)
	if err != nil {
		h.fail(w, r, err, what)
		return
	}
	v, err := act(r.Context(), arg)
	if err != nil {
		h.fail(w, r, err, what)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// serveRead is serve for a read without an argument.
func serveRead[T any](h *handler, w http.ResponseWriter, r *http.Request, what string, read func(context.Context) (T, error)) {
	serve(h, w, r, what, func(*http.Request) (struct{}, error) { return struct{}{}, nil },
		func(ctx context.Context, _ struct{}) (T, error) { return read(ctx) })
}

// pathID reads the task id of the request's path.
func pathID(r *http.Request) (int64, error) { return dashboard.ParseTaskID(r.PathValue("id")) }

func (h *handler) handleStats(w http.ResponseWriter, r *http.Request) {
	serveRead(h, w, r, "get stats", h.svc.Stats)
}

func (h *handler) handleTaskTypes(w http.ResponseWriter, r *http.Request) {
	serveRead(h, w, r, "get task types", h.svc.TaskTypes)
}

func (h *handler) handleListTasks(w http.ResponseWriter, r *http.Request) {
	serve(h, w, r, "list tasks",
		func(r *http.Request) (dashboard.ListQuery, error) { return dashboard.ParseListQuery(r.URL.Query()) },
		h.svc.List)
}

func (h *handler) handleGetTask(w http.ResponseWriter, r *http.Request) {
	serve(h, w, r, "get task", pathID, h.svc.Get)
}

func (h *handler) handleRetry(w http.ResponseWriter, r *http.Request) {
	serve(h, w, r, "retry task", pathID, h.svc.Retry)
}

func (h *handler) handleCancel(w http.ResponseWriter, r *http.Request) {
	serve(h, w, r, "cancel task", pathID, h.svc.Cancel)
}

func (h *handler) handleDelete(w http.ResponseWriter, r *http.Request) {
	serve(h, w, r, "delete task", pathID, h.svc.Delete)
}

// handleGetPayload sends the payload as stored: JSON as JSON, anything
// else as bytes, never as something a browser would render.
func (h *handler) handleGetPayload(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
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
	serve(h, w, r, what, func(r *http.Request) (dashboard.BulkRequest, error) { return dashboard.DecodeBulk(r.Body) }, action)
}
