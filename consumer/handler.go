package consumer

import "context"
import "fmt"

import "github.com/yakser/asynqpg"
import "github.com/yakser/asynqpg/internal/validate"

// TaskHandler processes tasks of one type.
type TaskHandler interface {
	// Handle runs one attempt at task. See the package documentation for
	// what its result does to the task.
	Handle(ctx context.Context, task *asynqpg.TaskInfo) error
}

// TaskHandlerFunc is an adapter to allow the use of ordinary functions as
// TaskHandler. Similar to http.HandlerFunc.
type TaskHandlerFunc func(ctx context.Context, task *asynqpg.TaskInfo) error

// Handle calls f(ctx, task).
func (f TaskHandlerFunc) Handle(ctx context.Context, task *asynqpg.TaskInfo) error {
	return f(ctx, task)
}

// MiddlewareFunc wraps a TaskHandler with additional behavior.
// Global middleware (Consumer.Use) wraps per-type middleware
// (WithMiddleware), which wraps the handler; within each group the first
// registered is the outermost (runs first on the way in, last on the way
// out).
type MiddlewareFunc func(TaskHandler) TaskHandler

// buildChain wraps handler with per-type middleware, then global
// middleware, so that the execution order is global[0], global[1], …,
// perType[0], perType[1], …, handler. A middleware that returns a nil
// handler, or panics, is an error naming it.
func buildChain(handler TaskHandler, global, perType []MiddlewareFunc) (chain TaskHandler, err error) {
	defer func() {
		if v := recover(); v != nil {
			chain, err = nil, fmt.Errorf("a middleware panicked: %s", validate.ErrorText(fmt.Errorf("%v", v)))
		}
	}()
	wrapped := handler
	wrap := func(kind string, i int, mw MiddlewareFunc) error {
		if wrapped = mw(wrapped); validate.IsNil(wrapped) {
			return fmt.Errorf("%s middleware %d returned a nil handler", kind, i)
		}
		return nil
	}
	for i := len(perType) - 1; i >= 0; i-- {
		if err := wrap("per-type", i, perType[i]); err != nil {
			return nil, err
		}
	}
	for i := len(global) - 1; i >= 0; i-- {
		if err := wrap("global", i, global[i]); err != nil {
			return nil, err
		}
	}
	return wrapped, nil
}
