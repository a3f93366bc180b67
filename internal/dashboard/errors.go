package dashboard

import "errors"
import "fmt"
import "net/http"

import "github.com/yakser/asynqpg/client"

// Error codes of the dashboard API, those of the original asynqpg.
const (
	CodeInvalidParams        = "invalid_params"
	CodeInvalidID            = "invalid_id"
	CodeInvalidBody          = "invalid_body"
	CodeTaskNotFound         = "task_not_found"
	CodeTaskRunning          = "task_running"
	CodeTaskAlreadyFinalized = "task_already_finalized"
	CodeTaskAlreadyAvailable = "task_already_available"
	CodeInternal             = "internal_error"
	CodeUnauthorized         = "unauthorized"
	CodeNotFound             = "not_found"
	CodeForbidden            = "forbidden"
	CodeMethodNotAllowed     = "method_not_allowed"
)

// Error is a failure the API reports to its caller: an HTTP status, a
// code from the list above and a message fit to show. Err, when set, is
// the cause, logged but never sent.
type Error struct {
	Status  int
	Code    string
	Message string
	Err     error
}

// Error returns the message, with the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// AsError returns err as an *Error: itself when it is one, else an
// internal error whose message says what failed.
func AsError(err error, what string) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "failed to " + what, Err: err}
}

func invalidParams(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

// clientError maps an error of package client to the API's error, with
// the original's codes and messages; verb names the action ("retry").
func clientError(err error, verb string) *Error {
	switch {
	case errors.Is(err, client.ErrTaskNotFound):
		return &Error{Status: http.StatusNotFound, Code: CodeTaskNotFound, Message: "task not found", Err: err}
	case errors.Is(err, client.ErrTaskRunning):
		return &Error{Status: http.StatusConflict, Code: CodeTaskRunning, Message: "task is currently running", Err: err}
	case errors.Is(err, client.ErrTaskAlreadyFinalized):
		return &Error{Status: http.StatusConflict, Code: CodeTaskAlreadyFinalized, Message: "task is already in a terminal state", Err: err}
	case errors.Is(err, client.ErrTaskAlreadyAvailable):
		return &Error{Status: http.StatusConflict, Code: CodeTaskAlreadyAvailable, Message: "task is already available for processing", Err: err}
	case errors.Is(err, client.ErrInvalidListParams):
		return &Error{Status: http.StatusBadRequest, Code: CodeInvalidParams, Message: err.Error(), Err: err}
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "failed to " + verb + " task", Err: err}
}
