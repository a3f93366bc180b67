package ui

import "encoding/json"
import "log/slog"
import "net/http"

import "github.com/yakser/asynqpg/internal/dashboard"

// envelope is every JSON answer of the API: data on success, error on
// failure.
type envelope struct {
	Data  any       `json:"data"`
	Error *apiError `json:"error,omitempty"`
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiPolicy is the Content-Security-Policy of the API's answers: nothing
// in them may load or run anything, nor be framed.
const apiPolicy = "default-src 'none'; frame-ancestors 'none'"

// apiHeaders marks an API answer as not to be cached, sniffed or framed.
func apiHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", apiPolicy)
}

func writeJSON(w http.ResponseWriter, status int, data any) {
	h := w.Header()
	apiHeaders(h)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(envelope{Data: data}); err != nil {
		slog.Debug("asynqpg/ui: write response", "error", err)
	}
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	h := w.Header()
	apiHeaders(h)
	h.Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(envelope{Error: &apiError{Code: code, Message: message}}); err != nil {
		slog.Debug("asynqpg/ui: write response", "error", err)
	}
}

// fail writes err as the API's error, logging the cause of a server
// error. what says what failed ("list tasks").
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error, what string) {
	e := dashboard.AsError(err, what)
	if e.Status >= http.StatusInternalServerError {
		h.logger.ErrorContext(r.Context(), "asynqpg/ui: "+what, "error", err, "path", r.URL.Path)
	}
	writeError(w, e.Status, e.Code, e.Message)
}
