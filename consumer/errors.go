package consumer

import "errors"

import "github.com/yakser/asynqpg/internal/engine"

// Errors of the Consumer's methods. Their texts are those of the original
// asynqpg, and each is returned as it is, not wrapped, so that code
// comparing errors with == or require.Equal keeps working; the details are
// logged.
var (
	// ErrTaskHandlerAlreadyRegistered is returned by RegisterTaskHandler
	// for a task type that has a handler already.
	ErrTaskHandlerAlreadyRegistered = errors.New("task handler already registered")

	// ErrShutdownTimeout is returned by Stop and Shutdown when handlers
	// were still running when the timeout passed. Their contexts were
	// cancelled and their tasks given back; nothing is lost.
	ErrShutdownTimeout = engine.ErrShutdownTimeout

	errAlreadyStarted    = errors.New("consumer is already started")
	errNoHandlers        = errors.New("no task handlers registered")
	errRegisterStarted   = errors.New("cannot register handler after consumer is started")
	errMiddlewareStarted = errors.New("cannot add middleware after consumer is started")
	errStopping          = errors.New("consumer is stopping: wait for Stop to return before starting it again")
)
